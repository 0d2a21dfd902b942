"""Validators for the numbers casework relies on: resident ID, unified social credit code, bank card.

Pure functions over strings (standard library and python-stdnum), so that forms, OCR and the
domain can all use them. Results carry message codes with parameters, never sentences; their
Simplified Chinese and English texts and :func:`describe` live in :mod:`casework.identifier_texts`
(re-exported here). Results that hold a resident ID or bank card number show it masked in their
``repr``.

Resident IDs follow GB 11643-1999 (area code, birth date, sequence, ISO 7064 MOD 11-2 check
character). Only stdnum's check-digit and birth-date functions are used: ``stdnum.cn.ric.validate()``
also rejects area codes that are missing from its table, which real IDs of older workers carry. An
unknown area code is therefore a note, not an error.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from stdnum import luhn, numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

# Re-exported: OCR and the forms' format registry read the texts here.
from casework.identifier_texts import MESSAGES as MESSAGES
from casework.identifier_texts import describe as describe

SHANGHAI = ZoneInfo("Asia/Shanghai")
EARLIEST_BIRTH_DATE = date(1870, 1, 1)
BANK_CARD_MIN_DIGITS, BANK_CARD_MAX_DIGITS = 16, 19
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
_DIGITS = "0123456789"
_YEAR_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Issue:
    """One error, warning or note about a number: a message code and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)


def _masked_repr(obj: object, masked: str, extra: str = "") -> str:
    return f"{type(obj).__name__}(value={masked!r}{extra})"


@dataclass(frozen=True, repr=False)
class ResidentIdResult:
    """Outcome of :func:`validate_resident_id`; birth date, sex and area are set only when valid."""

    value: str  # normalised: no spaces, upper-case X
    errors: tuple[Issue, ...] = ()
    notes: tuple[Issue, ...] = ()
    birth_date: date | None = None
    sex: Literal["male", "female"] | None = None
    area_code: str | None = None
    area_name: str | None = None  # e.g. "北京市 市辖区 朝阳区" when the area code is in the table

    @property
    def valid(self) -> bool:
        """True when the number has no errors (notes do not count)."""
        return not self.errors

    @property
    def masked(self) -> str:
        """The number masked for display and logs."""
        return mask_resident_id(self.value)

    def __repr__(self) -> str:
        return _masked_repr(self, self.masked, f", errors={self.errors!r}, notes={self.notes!r}")


@dataclass(frozen=True)
class CreditCodeResult:
    """Outcome of :func:`validate_credit_code`.

    ``check_character_ok`` is None when the structure is already wrong. ``override_possible`` says that
    the only problem is the check character, which HR may confirm for pilot-era codes.
    """

    value: str
    errors: tuple[Issue, ...] = ()
    check_character_ok: bool | None = None
    expected_check_character: str | None = None

    @property
    def valid(self) -> bool:
        """True when structure and check character are right."""
        return not self.errors

    @property
    def override_possible(self) -> bool:
        """True when the structure is right and only the check character differs."""
        return self.check_character_ok is False and len(self.errors) == 1


@dataclass(frozen=True, repr=False)
class BankCardResult:
    """Outcome of :func:`validate_bank_card`; a Luhn failure is a warning, never an error."""

    value: str  # digits only
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    unionpay: bool = False  # UnionPay card numbers start with 62
    luhn_ok: bool | None = None  # None when the number is not even 16-19 digits

    @property
    def valid(self) -> bool:
        """True when the number has no errors (warnings do not count)."""
        return not self.errors

    @property
    def masked(self) -> str:
        """The number masked for display and logs."""
        return mask_bank_card(self.value)

    def __repr__(self) -> str:
        return _masked_repr(self, self.masked, f", errors={self.errors!r}, warnings={self.warnings!r}")


@dataclass(frozen=True)
class YearMonthResult:
    """Outcome of :func:`validate_year_month`."""

    value: str
    errors: tuple[Issue, ...] = ()
    year: int | None = None
    month: int | None = None

    @property
    def valid(self) -> bool:
        """True when the value is a ``YYYY-MM`` year and month."""
        return not self.errors


def normalise(value: str) -> str:
    """Full-width characters to ASCII (NFKC), whitespace removed, letters upper-cased."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def _bad_positions(value: str, allowed: Callable[[int, str], bool]) -> list[int]:
    return [i + 1 for i, ch in enumerate(value) if not allowed(i, ch)]


# --- resident ID ----------------------------------------------------------------------------------


def _today() -> date:
    return datetime.now(SHANGHAI).date()


def _resident_id_char_ok(index: int, ch: str) -> bool:
    return ch in _DIGITS or (index == 17 and ch == "X")


def validate_resident_id(value: str, *, today: date | None = None) -> ResidentIdResult:
    """Check a resident ID number: length, characters, a real past birth date, the check character."""
    number = normalise(value)
    if len(number) != 18:
        if len(number) == 15 and number.isdigit():
            return ResidentIdResult(number, (Issue("RESIDENT_ID_FIRST_GENERATION"),))
        return ResidentIdResult(
            number, (Issue("RESIDENT_ID_LENGTH", {"expected": 18, "actual": len(number)}),)
        )
    bad = _bad_positions(number, _resident_id_char_ok)
    if bad:
        return ResidentIdResult(number, (Issue("RESIDENT_ID_CHARACTERS", {"positions": bad}),))
    errors: list[Issue] = []
    birth: date | None = None
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        errors.append(Issue("RESIDENT_ID_BIRTH_DATE"))
    else:
        if birth > (today or _today()):
            errors.append(Issue("RESIDENT_ID_BIRTH_DATE_FUTURE"))
        elif birth < EARLIEST_BIRTH_DATE:
            errors.append(
                Issue("RESIDENT_ID_BIRTH_DATE_TOO_EARLY", {"earliest": EARLIEST_BIRTH_DATE.isoformat()})
            )
    expected = ric.calc_check_digit(number)  # takes all 18 characters and ignores the last
    if number[17] != expected:
        errors.append(Issue("RESIDENT_ID_CHECK_CHARACTER", {"expected": expected, "got": number[17]}))
    if errors:
        return ResidentIdResult(number, tuple(errors))
    area = number[:6]
    area_name = _area_name(area)
    notes = () if area_name else (Issue("RESIDENT_ID_AREA_UNKNOWN", {"area_code": area}),)
    sex: Literal["male", "female"] = "male" if int(number[14:17]) % 2 else "female"
    return ResidentIdResult(number, (), notes, birth, sex, area, area_name)


def _area_name(area_code: str) -> str | None:
    """Province, prefecture and county of a 6-digit area code from stdnum's table, or None."""
    found = numdb.get("cn/loc").info(area_code)[0][1]
    if not found:
        return None
    return " ".join(found[k] for k in ("province", "prefecture", "county") if found.get(k))


def mask_resident_id(value: str) -> str:
    """Keep the area code and the last four characters: ``110105********002X``."""
    number = normalise(value)
    if len(number) < 15:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# --- unified social credit code -------------------------------------------------------------------


def _credit_code_char_ok(index: int, ch: str) -> bool:
    # Positions 3-8 are the administrative division code; the rest use the 31-character alphabet.
    # (stdnum's validate() also requires digits at positions 1-2, refusing e.g. N- or Y-authority codes.)
    return ch in _DIGITS if 2 <= index <= 7 else ch in CREDIT_CODE_ALPHABET


def validate_credit_code(value: str) -> CreditCodeResult:
    """Check a unified social credit code: 18 characters, its alphabet, the MOD 31 check character."""
    code = normalise(value).replace("-", "")
    if len(code) != 18:
        return CreditCodeResult(code, (Issue("CREDIT_CODE_LENGTH", {"expected": 18, "actual": len(code)}),))
    bad = _bad_positions(code, _credit_code_char_ok)
    if bad:
        return CreditCodeResult(code, (Issue("CREDIT_CODE_CHARACTERS", {"positions": bad}),))
    expected = uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        issue = Issue("CREDIT_CODE_CHECK_CHARACTER", {"expected": expected, "got": code[17]})
        return CreditCodeResult(code, (issue,), False, expected)
    return CreditCodeResult(code, (), True, expected)


# --- bank card and year-month ---------------------------------------------------------------------


def validate_bank_card(value: str) -> BankCardResult:
    """Check a bank card number: 16-19 digits; a Luhn failure is a warning."""
    number = normalise(value).replace("-", "")
    bad = _bad_positions(number, lambda _i, ch: ch in _DIGITS)
    if bad or not number:
        return BankCardResult(number, (Issue("BANK_CARD_CHARACTERS", {"positions": bad}),))
    unionpay = number.startswith("62")
    if not BANK_CARD_MIN_DIGITS <= len(number) <= BANK_CARD_MAX_DIGITS:
        params = {"min": BANK_CARD_MIN_DIGITS, "max": BANK_CARD_MAX_DIGITS, "actual": len(number)}
        return BankCardResult(number, (Issue("BANK_CARD_LENGTH", params),), unionpay=unionpay)
    luhn_ok = luhn.is_valid(number)
    warnings = () if luhn_ok else (Issue("BANK_CARD_LUHN"),)
    return BankCardResult(number, (), warnings, unionpay, luhn_ok)


def mask_bank_card(value: str) -> str:
    """Keep the first and last four digits, group by four: ``6222 **** **** 1234``."""
    number = normalise(value).replace("-", "")
    if len(number) <= 8:
        return "*" * len(number)
    middle = "*" * (len(number) - 8)
    groups = [number[:4], *(middle[i : i + 4] for i in range(0, len(middle), 4)), number[-4:]]
    return " ".join(groups)


def validate_year_month(value: str) -> YearMonthResult:
    """Check a ``YYYY-MM`` year and month (month 01-12)."""
    text = value.strip()
    if not _YEAR_MONTH.fullmatch(text):
        return YearMonthResult(text, (Issue("YEAR_MONTH_FORMAT"),))
    return YearMonthResult(text, (), int(text[:4]), int(text[5:]))


# --- OCR repair -----------------------------------------------------------------------------------

# What OCR reads instead of a digit, keyed by the raw (case-sensitive) character.
_AS_DIGIT = {
    **dict.fromkeys("OoQDU", "0"),
    **dict.fromkeys("IilL|!", "1"),
    **dict.fromkeys("Zz", "2"),
    **dict.fromkeys("Ss", "5"),
    **dict.fromkeys("Gb", "6"),
    "T": "7",
    "B": "8",
    **dict.fromkeys("gq", "9"),
    "A": "4",
}
_AS_X = dict.fromkeys("xX×ХхK", "X")  # includes Cyrillic Kha and the multiplication sign
# Characters outside the credit-code alphabet and what they usually are.
_INTO_CREDIT_ALPHABET = {"I": "1", "O": "0", "S": "5", "Z": "2", "V": "UY", "|": "1", "!": "1"}
# Valid characters OCR confuses with each other; tried one position at a time when nothing else fits.
_LOOKALIKES = {
    "0": "689DQU",
    "1": "7L",
    "2": "Z",
    "3": "8",
    "4": "A",
    "5": "6",
    "6": "05G8",
    "7": "1T",
    "8": "036B",
    "9": "0",
    "B": "8",
    "D": "0",
    "G": "6",
    "Q": "0",
    "U": "0",
    "A": "4",
    "T": "7",
    "L": "1",
}
_MAX_CANDIDATES = 256


@dataclass(frozen=True, repr=False)
class RepairResult:
    """Outcome of an OCR repair.

    ``value`` is set only when exactly one candidate (or one clearly best) passes every check;
    ``positions`` are the 1-based positions changed beyond normalisation; ``candidates`` lists every
    passing candidate (several when ambiguous). ``code`` is one of:

    - REPAIR_NOT_NEEDED: the text was already valid (after normalisation);
    - REPAIRED: characters impossible at their position were read as the digit they resemble;
    - REPAIR_GUESSED: that was not enough, and swapping one valid character for a look-alike gave the
      single (or single best) passing value: a guess a person must confirm;
    - REPAIR_AMBIGUOUS: several values pass (see ``candidates``); REPAIR_FAILED: none does.
    """

    code: str
    value: str | None = None
    positions: tuple[int, ...] = ()
    candidates: tuple[str, ...] = ()

    @property
    def repaired(self) -> bool:
        """True when a single value was found (already valid or repaired)."""
        return self.value is not None

    def __repr__(self) -> str:  # never shows the numbers themselves
        return f"RepairResult(code={self.code!r}, positions={self.positions!r}, candidates={len(self.candidates)})"


def _repair(
    text: str,
    options_at: Callable[[int, str], str],
    accept: Callable[[str], bool],
    score: Callable[[str], int],
) -> RepairResult:
    raw = "".join(unicodedata.normalize("NFKC", text).split()).replace("-", "")
    if len(raw) != 18:
        return RepairResult("REPAIR_FAILED")
    options = [options_at(i, ch) for i, ch in enumerate(raw)]
    if not all(options):
        return RepairResult("REPAIR_FAILED")
    upper = raw.upper()
    first = list(itertools.islice(map("".join, itertools.product(*options)), _MAX_CANDIDATES))
    passing = [c for c in first if accept(c)]
    guessed = not passing
    if guessed:  # one confusion between two valid characters, one position at a time
        seen = set(first)
        for base in first:
            for i, ch in enumerate(base):
                for alt in _LOOKALIKES.get(ch, ""):
                    cand = base[:i] + alt + base[i + 1 :]
                    if alt in options_at(i, alt) and cand not in seen:
                        seen.add(cand)
                        if accept(cand):
                            passing.append(cand)
    if not passing:
        return RepairResult("REPAIR_FAILED")
    best = max(score(c) for c in passing)
    top = [c for c in passing if score(c) == best]
    if len(top) != 1:
        return RepairResult("REPAIR_AMBIGUOUS", candidates=tuple(passing))
    value = top[0]
    positions = tuple(i + 1 for i, (a, b) in enumerate(zip(upper, value, strict=True)) if a != b)
    code = "REPAIR_GUESSED" if guessed else "REPAIRED" if positions else "REPAIR_NOT_NEEDED"
    return RepairResult(code, value, positions, tuple(passing))


def _resident_id_options(index: int, ch: str) -> str:
    if ch in _DIGITS:
        return ch
    if index == 17 and ch in _AS_X:
        return "X"
    return _AS_DIGIT.get(ch, "")


def repair_resident_id(text: str, *, today: date | None = None) -> RepairResult:
    """Undo typical OCR confusions in a resident ID (digits where digits belong), checked by MOD 11-2."""
    day = today or _today()
    results: dict[str, ResidentIdResult] = {}

    def check(c: str) -> ResidentIdResult:
        if c not in results:
            results[c] = validate_resident_id(c, today=day)
        return results[c]

    return _repair(text, _resident_id_options, lambda c: check(c).valid, lambda c: 0 if check(c).notes else 1)


def _credit_code_options(index: int, ch: str) -> str:
    if 2 <= index <= 7:
        return ch if ch in _DIGITS else _AS_DIGIT.get(ch, "")
    up = ch.upper()
    if up in CREDIT_CODE_ALPHABET:
        return up
    return _INTO_CREDIT_ALPHABET.get(up, "")


def repair_credit_code(text: str) -> RepairResult:
    """Undo typical OCR confusions in a unified social credit code, checked by its MOD 31 character."""
    return _repair(text, _credit_code_options, lambda c: validate_credit_code(c).valid, lambda _c: 0)
