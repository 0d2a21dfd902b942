"""JSON-Schema forms: load and check form files, validate data into findings, file fields, messages.

Findings are codes with parameters; the web layer and the command line translate them with
:func:`describe` (or ``Form.describe``, which also knows the registered formats' codes).
"""

from forms.files import DEFAULT_MAX_BYTES, FileField
from forms.findings import Finding, FormResult, Severity, error, note, warning
from forms.form import Form
from forms.formats import FormatCheck, FormatRegistry
from forms.loading import MAX_FORM_BYTES, load_form, parse_form
from forms.messages import MESSAGES, describe, describe_code

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_FORM_BYTES",
    "MESSAGES",
    "FileField",
    "Finding",
    "Form",
    "FormResult",
    "FormatCheck",
    "FormatRegistry",
    "Severity",
    "describe",
    "describe_code",
    "error",
    "load_form",
    "note",
    "parse_form",
    "warning",
]
