"""From jsonschema's ValidationErrors to findings: a stable code, the field's dotted path, parameters.

jsonschema's own messages are never passed on: they quote the submitted value, which may be a resident
ID or a bank card number. Parameters carry only what the schema says (limits, allowed values).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError

from forms.findings import Finding, Severity, error
from forms.formats import FindingsRaised

# keyword -> (code, name of the parameter holding the keyword's value, or None)
KEYWORD_CODES: Mapping[str, tuple[str, str | None]] = {
    "type": ("TYPE", "expected"),
    "const": ("CONST", "expected"),
    "minLength": ("MIN_LENGTH", "limit"),
    "maxLength": ("MAX_LENGTH", "limit"),
    "pattern": ("PATTERN", "pattern"),
    "minimum": ("MINIMUM", "limit"),
    "maximum": ("MAXIMUM", "limit"),
    "exclusiveMinimum": ("EXCLUSIVE_MINIMUM", "limit"),
    "exclusiveMaximum": ("EXCLUSIVE_MAXIMUM", "limit"),
    "multipleOf": ("MULTIPLE_OF", "multiple"),
    "minItems": ("MIN_ITEMS", "limit"),
    "maxItems": ("MAX_ITEMS", "limit"),
    "uniqueItems": ("UNIQUE_ITEMS", None),
    "contains": ("CONTAINS", None),
    "minProperties": ("MIN_PROPERTIES", "limit"),
    "maxProperties": ("MAX_PROPERTIES", "limit"),
    "unevaluatedProperties": ("UNEVALUATED_PROPERTY", None),
    "unevaluatedItems": ("UNEVALUATED_ITEM", None),
    "additionalItems": ("ADDITIONAL_ITEM", None),
    "items": ("ADDITIONAL_ITEM", None),  # 2020-12 "items": false after prefixItems
    "anyOf": ("ANY_OF", None),
    "oneOf": ("ONE_OF", None),
    "not": ("NOT", None),
    "format": ("FORMAT", "format"),
}


def dotted(parts: Iterable[Any]) -> str:
    """``employee.resident_id`` from a jsonschema path (``deque(['employee', 'resident_id'])``)."""
    return ".".join(str(p) for p in parts)


def _join(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def findings_for(err: ValidationError, severities: frozenset[Severity]) -> Iterator[Finding]:
    """The findings one top-level ValidationError stands for (format findings filtered by severity)."""
    field = dotted(err.absolute_path)
    keyword, value, instance = err.validator, err.validator_value, err.instance
    if isinstance(err.cause, FindingsRaised):
        for f in err.cause.findings:
            if f.severity in severities:
                yield f.at(field)
        return
    if "error" not in severities:
        yield from _format_findings_in(err, severities)
        return
    if keyword == "required" and isinstance(instance, Mapping):
        for name in value:
            if name not in instance:
                yield error("REQUIRED", _join(field, name), property=name)
    elif keyword in ("dependentRequired", "dependencies") and isinstance(instance, Mapping):
        for trigger, needed in value.items():
            if trigger in instance and isinstance(needed, list | str):
                for name in [needed] if isinstance(needed, str) else needed:
                    if name not in instance:
                        yield error("REQUIRED", _join(field, name), property=name, because_of=trigger)
    elif keyword == "additionalProperties" and isinstance(instance, Mapping):
        for name in _extra_properties(instance, err.schema):
            yield error("ADDITIONAL_PROPERTY", _join(field, name), property=name)
    elif keyword == "enum" and isinstance(value, list):
        names = err.schema.get("enumNames") if isinstance(err.schema, Mapping) else None
        labels = names if isinstance(names, list) and len(names) == len(value) else value
        yield error("ENUM", field, allowed=value, labels=labels)
    elif keyword in ("oneOf", "anyOf") and _const_choices(value):
        choices = value
        yield error(
            "ENUM",
            field,
            allowed=[b["const"] for b in choices],
            labels=[b.get("title", b["const"]) for b in choices],
        )
    elif keyword is None or err.schema is False:  # a `false` schema: nothing may be here
        yield error("NOT_ALLOWED", field)
    elif keyword in KEYWORD_CODES:
        code, param = KEYWORD_CODES[keyword]
        if keyword == "type" and isinstance(value, str):
            value = [value]
        yield error(code, field, **({param: value} if param else {}))
    else:
        yield error("INVALID", field, keyword=keyword)


def _format_findings_in(err: ValidationError, severities: frozenset[Severity]) -> Iterator[Finding]:
    """Warnings and notes hidden inside a combinator's failed branches."""
    for sub in err.context or ():
        if isinstance(sub.cause, FindingsRaised):
            yield from (
                f.at(dotted(sub.absolute_path)) for f in sub.cause.findings if f.severity in severities
            )
        else:
            yield from _format_findings_in(sub, severities)


def _extra_properties(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [k for k in instance if k not in declared and not any(re.search(p, k) for p in patterns)]


def _const_choices(branches: Any) -> bool:
    """True for a ``oneOf``/``anyOf`` written as labelled constants (react-jsonschema-form's enum style)."""
    return (
        isinstance(branches, list)
        and bool(branches)
        and all(isinstance(b, Mapping) and "const" in b for b in branches)
    )
