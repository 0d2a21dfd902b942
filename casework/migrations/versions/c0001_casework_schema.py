"""casework schema: persons, employers and their cities, cases, case instances, audit events

Revision ID: c0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import engine.db.models

revision = "c0001"
down_revision = None
branch_labels = ("casework",)
depends_on = "0001"

UTC = engine.db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("resident_id_hash", sa.String(length=64), nullable=False),
        sa.Column("resident_id_enc", sa.Text(), nullable=False),
        sa.Column("resident_id_masked", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("hukou_province", sa.String(length=2), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("resident_id_hash", name=op.f("uq_persons_resident_id_hash")),
    )
    op.create_table(
        "employers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("credit_code_override", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employers")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_employers_credit_code")),
    )
    op.create_table(
        "employer_cities",
        sa.Column("employer_id", sa.String(length=36), nullable=False),
        sa.Column("division_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_employer_cities_employer_id_employers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("employer_id", "division_code", name=op.f("pk_employer_cities")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("joiner", "transfer", "enrolment", "stop_contribution", "card", name="casekind", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("employer_id", sa.String(length=36), nullable=True),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "closed", "cancelled", name="casestatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("active_key", sa.String(length=80), nullable=True),
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("root_instance_id", sa.String(length=36), nullable=True),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("close_reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"], name=op.f("fk_cases_employer_id_employers")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_cases_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("active_key", name=op.f("uq_cases_active_key")),
        sa.UniqueConstraint("root_instance_id", name=op.f("uq_cases_root_instance_id")),
    )
    op.create_index("ix_cases_person_status", "cases", ["person_id", "status"], unique=False)
    op.create_index(op.f("ix_cases_employer_id"), "cases", ["employer_id"], unique=False)
    op.create_index(op.f("ix_cases_status"), "cases", ["status"], unique=False)
    op.create_table(
        "case_instances",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("linked_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_instances_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "instance_id", name=op.f("pk_case_instances")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_case_instances_instance_id")),
    )
    op.create_table(
        "casework_audit",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "resident_id_revealed", "credit_code_override", "case_cancelled",
                name="auditaction", native_enum=False, length=40,
            ),
            nullable=False,
        ),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_casework_audit")),
    )
    op.create_index(op.f("ix_casework_audit_at"), "casework_audit", ["at"], unique=False)
    op.create_index("ix_casework_audit_subject", "casework_audit", ["subject_type", "subject_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_casework_audit_subject", table_name="casework_audit")
    op.drop_index(op.f("ix_casework_audit_at"), table_name="casework_audit")
    op.drop_table("casework_audit")
    op.drop_table("case_instances")
    op.drop_index(op.f("ix_cases_status"), table_name="cases")
    op.drop_index(op.f("ix_cases_employer_id"), table_name="cases")
    op.drop_index("ix_cases_person_status", table_name="cases")
    op.drop_table("cases")
    op.drop_table("employer_cities")
    op.drop_table("employers")
    op.drop_table("persons")
