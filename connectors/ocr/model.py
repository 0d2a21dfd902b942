"""Plain result types of the reader: findings, the seal check, a document reading, a photo check."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SealStatus = Literal["present", "faint", "missing"]


@dataclass(frozen=True)
class Finding:
    """One thing the reader has to say about a document: a stable code, its parameters, a severity.

    ``error``: the material cannot be used as it is; ``warning``: a person should look;
    ``info``: said for the record (e.g. a value repaired with the check character).
    """

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "error"

    def as_dict(self) -> dict[str, Any]:
        """The finding as a JSON-able dict."""
        return {"code": self.code, "params": dict(self.params), "severity": self.severity}


@dataclass(frozen=True)
class Repair:
    """A value the reader corrected with the check character: which field, from what, which positions."""

    field: str
    original: str
    value: str
    positions: tuple[int, ...]  # 1-based positions of the changed characters

    def as_dict(self) -> dict[str, Any]:
        """The repair as a JSON-able dict."""
        return {"field": self.field, "original": self.original, "value": self.value, "positions": list(self.positions)}


@dataclass(frozen=True)
class SealCheck:
    """Whether a red seal is on the document, how strong it is, and whether it covers the issuer's name."""

    status: SealStatus
    overlaps_issuer: bool | None = None  # None: no seal, or the issuer's name was not found on the page
    page: int | None = None  # 1-based page of the seal
    box: tuple[int, int, int, int] | None = None  # (left, top, right, bottom) in page pixels
    ring_coverage: float = 0.0  # share of the rim's angular sectors that carry red ink
    strength: float = 0.0  # share of the seal's red pixels that are strongly saturated

    def as_dict(self) -> dict[str, Any]:
        """The seal check as a JSON-able dict."""
        out = asdict(self)
        out["box"] = list(self.box) if self.box else None
        return out


@dataclass
class DocumentReading:
    """What the reader made of one file: its type, fields, findings, repairs and the seal check."""

    type: str | None  # one of doctypes.DOCUMENT_TYPES, or None when it could not be told
    confidence: float  # 0..1, how clearly the text points to that type
    fields: dict[str, Any]
    findings: list[Finding]
    repaired: list[Repair]
    pages: int
    seal: SealCheck | None
    ocr_confidence: float = 0.0  # mean word confidence reported by tesseract, 0..100
    text: str = field(default="", repr=False)  # the recognised text (holds full ID numbers: never log it)

    def codes(self) -> list[str]:
        """The finding codes, in order."""
        return [f.code for f in self.findings]

    def as_dict(self, *, include_text: bool = False) -> dict[str, Any]:
        """The reading as a JSON-able dict (fields keep full ID numbers; mask before logging)."""
        out: dict[str, Any] = {
            "type": self.type,
            "confidence": round(self.confidence, 3),
            "fields": dict(self.fields),
            "findings": [f.as_dict() for f in self.findings],
            "repaired": [r.as_dict() for r in self.repaired],
            "pages": self.pages,
            "seal": self.seal.as_dict() if self.seal else None,
            "ocr_confidence": round(self.ocr_confidence, 1),
        }
        if include_text:
            out["text"] = self.text
        return out


@dataclass(frozen=True)
class CaseContext:
    """What the case already knows, to check a document against; every part is optional."""

    name: str | None = None
    id_number: str | None = None
    employer: str | None = None
    credit_code: str | None = None
    separation_from: date | None = None  # the separation date must fall in [from, to]
    separation_to: date | None = None
    expected_type: str | None = None
    today: date | None = None  # dates after this are reported as in the future; default: today

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CaseContext:
        """Build a context from JSON-ish data (dates as YYYY-MM-DD strings).

        :raises ValueError: on an unknown key or a malformed date.
        """
        if not data:
            return cls()
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown case context keys: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("separation_from", "separation_to", "today") and isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    raise ValueError(f"case context {key!r} is not a YYYY-MM-DD date: {value!r}") from None
            values[key] = value
        return cls(**values)


@dataclass(frozen=True)
class PhotoSpec:
    """The ID-photo specification for card applications; local limits differ, so every part is a setting."""

    width: int = 358
    height: int = 441
    dpi: int = 350
    format: str = "JPEG"
    mode: str = "RGB"  # 24-bit colour
    min_kb: float = 14.0
    max_kb: float = 40.0
    # The background is the photo's border band: this share of its pixels must be near-white.
    border_fraction: float = 0.06
    white_min_level: int = 225  # every channel at least this bright
    white_max_spread: int = 25  # max(channel) - min(channel) at most this (no tint)
    white_min_share: float = 0.90


@dataclass(frozen=True)
class PhotoMeasurement:
    """What was measured on a photo."""

    width: int | None
    height: int | None
    dpi: tuple[float, float] | None
    format: str | None
    mode: str | None
    file_kb: float
    background_white_share: float | None


@dataclass(frozen=True)
class PhotoCheck:
    """Whether an ID photo meets the specification, with a finding per reason it does not."""

    ok: bool
    findings: list[Finding]
    measured: PhotoMeasurement
    spec: PhotoSpec

    def as_dict(self) -> dict[str, Any]:
        """The check as a JSON-able dict."""
        measured = asdict(self.measured)
        if self.measured.dpi is not None:
            measured["dpi"] = list(self.measured.dpi)
        return {
            "ok": self.ok,
            "findings": [f.as_dict() for f in self.findings],
            "measured": measured,
            "spec": asdict(self.spec),
        }
