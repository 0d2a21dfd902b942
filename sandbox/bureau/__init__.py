"""The sandbox social-security bureau (社保经办机构): removal, enrolment, history, certificates, transfers."""
