"""Build the policy pack's DMN files from the source tables in workflows/policies/source/.

A designer edits a CSV table; this script writes one DMN 1.3 file per decision next to the folder:

    python scripts/build_policy_pack.py            # write workflows/policies/*.dmn
    python scripts/build_policy_pack.py --check    # exit 1 when a committed file is not up to date

Row conventions (docs/policy-pack.md): ``region`` is ``*`` (a national rule, written out as one row per
province of divisions.csv plus a last row for any other region code), a 2-digit province code or a
4-digit city code; ``effective_from``/``effective_to`` are inclusive ISO dates or empty (open).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "workflows" / "policies"
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMNDI_NS = "https://www.omg.org/spec/DMN/20191111/DMNDI/"
DC_NS = "http://www.omg.org/spec/DMN/20180521/DC/"
NATIONAL_REGION = "000000"
CASE_DATE = "str(case_date or today())[:10]"  # today(): the engine clock's date in Asia/Shanghai
COMMON_FIELDS = ("region", "effective_from", "effective_to", "source", "verified", "note")


class PackError(Exception):
    """A source table is wrong; the message names the file and line."""


@dataclass(frozen=True)
class Column:
    """A key (input) or value (output) column of a decision, with its type and allowed values."""

    name: str
    label: str
    type: str  # "string" | "integer" | "number" | "boolean"
    choices: tuple[str, ...] = ()
    optional: bool = False  # a value column that may be empty (None)


@dataclass(frozen=True)
class DecisionSpec:
    """What one decision reads and answers, and how the source table becomes its rules."""

    id: str
    name: str
    hit_policy: str
    keys: tuple[Column, ...]
    values: tuple[Column, ...]
    description: str


@dataclass
class SourceRow:
    """One row of a source table, checked and typed."""

    line: int
    region: str
    keys: dict[str, str]
    start: str
    end: str
    values: dict[str, object]
    source: str
    verified: bool
    note: str

    @property
    def level(self) -> str:
        """How specific the row is: national, province or city."""
        return {1: "national", 2: "province", 4: "city"}[len(self.region)]

    def identity(self, spec: DecisionSpec) -> tuple[str, ...]:
        """What the row answers for besides region and dates (for COLLECT also its first value)."""
        ident = tuple(self.keys[k.name] for k in spec.keys)
        return ident + ((str(self.values[spec.values[0].name]),) if spec.hit_policy == "COLLECT" else ())


@dataclass
class Rule:
    """One rule of the generated table."""

    row: SourceRow
    province: str | None  # 2-digit code; None for the last-resort national rule
    rule_region: str
    level: str
    verified: bool
    description: str
    excluded_cities: list[str] = field(default_factory=list)


CASE_TYPES = ("transfer", "enrolment", "stop_contribution", "card")
CATEGORIES = ("employee", "migrant_worker", "flexible")
STAGES = ("pension_acceptance", "pension_funds", "pension_completion", "medical_outgoing",
          "medical_incoming", "separation_handover", "enrolment")

SPECS: dict[str, DecisionSpec] = {
    spec.id: spec
    for spec in (
        DecisionSpec(
            "policy_materials", "办理材料清单", "COLLECT",
            (Column("case_type", "Case type", "string", CASE_TYPES),
             Column("person_category", "Person category", "string", CATEGORIES)),
            (Column("material", "Material", "string"), Column("required", "Required", "boolean"),
             Column("alternative_to", "Alternative to", "string", optional=True)),
            "Materials a case needs, per case type, region and person category (every matching row).",
        ),
        DecisionSpec(
            "policy_base_bounds", "缴费基数上下限", "FIRST", (),
            (Column("base_lower", "Lower limit (CNY/month)", "number", optional=True),
             Column("base_upper", "Upper limit (CNY/month)", "number", optional=True)),
            "Monthly contribution base limits of the region at the case date (None: not in the pack).",
        ),
        DecisionSpec(
            "policy_filing_window", "减员申报期", "FIRST", (),
            (Column("window_first_day", "Window first day", "integer"),
             Column("window_last_day", "Window last day", "integer"),
             Column("removal_takes_effect", "Removal takes effect", "string", ("same_month", "next_month"))),
            "Days of the month when removals are filed, and when a removal takes effect.",
        ),
        DecisionSpec(
            "policy_sla", "经办时限", "FIRST",
            (Column("sla_stage", "SLA stage", "string", STAGES),),
            (Column("sla_workdays", "Working days", "integer", optional=True),
             Column("sla_days", "Calendar days", "integer", optional=True)),
            "Official deadline of a stage: working days or calendar days.",
        ),
        DecisionSpec(
            "policy_card", "社保卡照片规格", "FIRST", (),
            (Column("photo_width", "Photo width (px)", "integer"),
             Column("photo_height", "Photo height (px)", "integer"),
             Column("photo_min_kb", "Photo min size (KB)", "integer"),
             Column("photo_max_kb", "Photo max size (KB)", "integer"),
             Column("photo_min_age", "Photo from age", "integer")),
            "Social security card photo specification and the age from which a photo is needed.",
        ),
    )
}


# -- reading -----------------------------------------------------------------------------------------


def load_divisions(source_dir: Path) -> dict[str, str]:
    """The 31 provincial-level divisions of divisions.csv: 2-digit code -> name."""
    path = source_dir / "divisions.csv"
    with path.open(encoding="utf-8", newline="") as f:
        divisions = {r["code"].strip(): r["name"].strip() for r in csv.DictReader(f)}
    bad = [c for c in divisions if len(c) != 2 or not c.isdigit()]
    if bad:
        raise PackError(f"{path.name}: codes must have two digits: {', '.join(bad)}")
    return divisions


def _date(text: str, where: str) -> str:
    if not text:
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise PackError(f"{where}: {text!r} is not a date YYYY-MM-DD") from None


def _value(column: Column, text: str, where: str) -> object:
    if text == "":
        if column.optional:
            return "" if column.type == "string" else None
        raise PackError(f"{where}: {column.name} must not be empty")
    if column.choices and text not in column.choices:
        raise PackError(f"{where}: {column.name} {text!r} is not one of {', '.join(column.choices)}")
    if column.type == "boolean":
        if text not in ("true", "false"):
            raise PackError(f"{where}: {column.name} must be true or false, not {text!r}")
        return text == "true"
    if column.type in ("integer", "number"):
        if not text.isdigit():
            raise PackError(f"{where}: {column.name} must be a whole number, not {text!r}")
        return int(text)
    return text


def _key(column: Column, text: str, where: str) -> str:
    for part in text.split("|") if text else ():
        if part not in column.choices:
            raise PackError(f"{where}: {column.name} {part!r} is not one of {', '.join(column.choices)}")
    return text


def read_rows(spec: DecisionSpec, source_dir: Path, divisions: dict[str, str]) -> list[SourceRow]:
    """The checked rows of ``<decision id>.csv``.

    :raises PackError: naming the file and line of the first problem.
    """
    path = source_dir / f"{spec.id}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        expected = {*COMMON_FIELDS, *(k.name for k in spec.keys), *(v.name for v in spec.values)}
        if set(reader.fieldnames or ()) != expected:
            raise PackError(f"{path.name}: columns must be {', '.join(sorted(expected))}")
        rows = []
        for number, raw in enumerate(reader, start=2):
            where = f"{path.name}:{number}"
            cells = {k: (v or "").strip() for k, v in raw.items()}
            region = cells["region"]
            if not (region == "*" or (len(region) in (2, 4) and region.isdigit() and region[:2] in divisions)):
                raise PackError(f"{where}: region must be *, a province code of divisions.csv or a 4-digit city code")
            row = SourceRow(
                line=number, region=region,
                keys={k.name: _key(k, cells[k.name], where) for k in spec.keys},
                start=_date(cells["effective_from"], where), end=_date(cells["effective_to"], where),
                values={v.name: _value(v, cells[v.name], where) for v in spec.values},
                source=cells["source"], verified=_value(Column("verified", "", "boolean"), cells["verified"], where) is True,
                note=cells["note"],
            )
            if not row.source:
                raise PackError(f"{where}: every row needs a source")
            if row.verified and ("[?]" in row.source or "[L]" in row.source):
                raise PackError(f"{where}: a row sourced as [?] or [L] cannot be verified")
            if row.start and row.end and row.start > row.end:
                raise PackError(f"{where}: effective_from is after effective_to")
            rows.append(row)
    _check_rows(spec, rows, path.name)
    return rows


def _check_rows(spec: DecisionSpec, rows: list[SourceRow], name: str) -> None:
    seen: dict[tuple[str, ...], list[SourceRow]] = {}
    for row in rows:
        same = seen.setdefault((row.region, *row.identity(spec)), [])
        for other in same:
            if (not row.end or not other.start or other.start <= row.end) and (
                not other.end or not row.start or row.start <= other.end
            ):
                raise PackError(f"{name}:{row.line}: its dates overlap line {other.line} for the same region and key")
        same.append(row)
    if spec.id == "policy_sla":
        for row in rows:
            if (row.values["sla_workdays"] is None) == (row.values["sla_days"] is None):
                raise PackError(f"{name}:{row.line}: give exactly one of sla_workdays and sla_days")
    if spec.hit_policy == "COLLECT":
        for row in rows:
            alt = row.values["alternative_to"]
            if alt and not any(o.values["material"] == alt and o.keys["case_type"] == row.keys["case_type"] for o in rows):
                raise PackError(f"{name}:{row.line}: alternative_to {alt!r} is no material of this case type")


# -- expanding into rules ----------------------------------------------------------------------------


def expand(spec: DecisionSpec, rows: list[SourceRow], divisions: dict[str, str]) -> list[Rule]:
    """The rules in evaluation order: per province its city, province and national rows, then the
    national rows once more for any region outside the 31 provinces (never verified there)."""
    rules: list[Rule] = []
    collect = spec.hit_policy == "COLLECT"
    for code, name in divisions.items():
        local = [r for r in rows if r.region != "*" and r.region[:2] == code]
        for level in ("city", "province"):
            for row in (r for r in local if r.level == level):
                rule = Rule(row, code, row.region.ljust(6, "0"), level, row.verified, f"{name} {row.region}: {row.note}")
                if collect and level == "province":
                    rule.excluded_cities = _overriding_cities(spec, row, local)
                rules.append(rule)
        for row in (r for r in rows if r.region == "*"):
            if collect and any(r.level == "province" and r.identity(spec) == row.identity(spec) for r in local):
                continue  # the province's own row replaces the national one
            rule = Rule(row, code, code + "0000", "national", row.verified, f"{name}: national rule. {row.note}")
            if collect:
                rule.excluded_cities = _overriding_cities(spec, row, local)
            rules.append(rule)
    for row in (r for r in rows if r.region == "*"):
        rules.append(Rule(row, None, NATIONAL_REGION, "national", False,
                          f"Any other region code (outside the 31 provinces): national rule, not verified there. {row.note}"))
    return rules


def _overriding_cities(spec: DecisionSpec, row: SourceRow, local: list[SourceRow]) -> list[str]:
    return sorted({r.region for r in local if r.level == "city" and r.identity(spec) == row.identity(spec)})


# -- writing DMN -------------------------------------------------------------------------------------


def _literal(value: object) -> str:
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _xml(text: str, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return text.replace('"', "&quot;") if attribute else text


def _key_entry(text: str) -> str:
    if not text:
        return "-"
    parts = text.split("|")
    return _literal(parts[0]) if len(parts) == 1 else "in [" + ", ".join(map(_literal, parts)) + "]"


def _entries(spec: DecisionSpec, rule: Rule, divisions: dict[str, str]) -> list[str]:
    row = rule.row
    if rule.province is not None:
        province = _literal(rule.province)
    else:
        province = "-" if spec.hit_policy == "FIRST" else "not in [" + ", ".join(map(_literal, divisions)) + "]"
    if rule.level == "city":
        city = _literal(row.region)
    elif rule.excluded_cities:
        city = "not in [" + ", ".join(map(_literal, rule.excluded_cities)) + "]"
    else:
        city = "-"
    return [
        *(_key_entry(row.keys[k.name]) for k in spec.keys),
        province,
        city,
        f'>= "{row.start}"' if row.start else "-",
        f'<= "{row.end}"' if row.end else "-",
    ]


def _outputs(spec: DecisionSpec, rule: Rule) -> list[str]:
    values = [rule.row.values[v.name] for v in spec.values]
    return [_literal(v) for v in (*values, rule.row.source, rule.verified, rule.level, rule.rule_region)]


def render(spec: DecisionSpec, rules: list[Rule], divisions: dict[str, str]) -> str:
    """The DMN 1.3 document of one decision (with a diagram shape so modellers open it)."""
    d = spec.id
    inputs = [(k.name, k.label, k.name) for k in spec.keys] + [
        ("province", "Province (first 2 digits of region)", "str(region)[:2]"),
        ("city", "City (first 4 digits of region)", "str(region)[:4]"),
        ("effective_from", "Effective from (case_date >=)", CASE_DATE),
        ("effective_to", "Effective to (case_date <=)", CASE_DATE),
    ]
    outputs = [(v.name, v.label, v.type) for v in spec.values] + [
        ("source", "Source", "string"), ("verified", "Verified", "boolean"),
        ("level", "Level", "string"), ("rule_region", "Rule region", "string"),
    ]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<definitions xmlns="{DMN_NS}" xmlns:dmndi="{DMNDI_NS}" xmlns:dc="{DC_NS}" '
        f'id="{d}_definitions" name="{_xml(spec.name, True)}" namespace="urn:shebao-flow:policy-pack">',
        f'  <decision id="{d}" name="{_xml(spec.name, True)}">',
        f"    <description>{_xml(spec.description)} Generated by scripts/build_policy_pack.py from "
        f"workflows/policies/source/{d}.csv: edit the table, not this file.</description>",
        f'    <decisionTable id="{d}_table" hitPolicy="{spec.hit_policy}">',
    ]
    for name, label, expression in inputs:
        out.append(f'      <input id="{d}_in_{name}" label="{_xml(label, True)}">'
                   f'<inputExpression id="{d}_in_{name}_expr" typeRef="string"><text>{_xml(expression)}</text>'
                   "</inputExpression></input>")
    for name, label, type_ref in outputs:
        out.append(f'      <output id="{d}_out_{name}" label="{_xml(label, True)}" name="{d}.{name}" typeRef="{type_ref}" />')
    for number, rule in enumerate(rules, start=1):
        rid = f"{d}_r{number:04d}"
        out.append(f'      <rule id="{rid}">')
        out.append(f"        <description>{_xml(rule.description.strip())}</description>")
        for i, text in enumerate(_entries(spec, rule, divisions), start=1):
            out.append(f'        <inputEntry id="{rid}_i{i}"><text>{_xml(text)}</text></inputEntry>')
        for i, text in enumerate(_outputs(spec, rule), start=1):
            out.append(f'        <outputEntry id="{rid}_o{i}"><text>{_xml(text)}</text></outputEntry>')
        out.append("      </rule>")
    out += [
        "    </decisionTable>",
        "  </decision>",
        "  <dmndi:DMNDI>",
        f'    <dmndi:DMNDiagram id="{d}_diagram">',
        f'      <dmndi:DMNShape id="{d}_shape" dmnElementRef="{d}">',
        '        <dc:Bounds height="80" width="180" x="160" y="100" />',
        "      </dmndi:DMNShape>",
        "    </dmndi:DMNDiagram>",
        "  </dmndi:DMNDI>",
        "</definitions>",
        "",
    ]
    return "\n".join(out)


def build(source_dir: Path = POLICIES / "source") -> dict[str, bytes]:
    """Every DMN file of the pack by file name, built from the tables in ``source_dir``.

    :raises PackError: when a table is wrong.
    """
    divisions = load_divisions(source_dir)
    files = {}
    for spec in SPECS.values():
        rules = expand(spec, read_rows(spec, source_dir, divisions), divisions)
        files[f"{spec.id}.dmn"] = render(spec, rules, divisions).encode("utf-8")
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """Write the DMN files, or with --check report those that differ from the tables; 1 on a difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    parser.add_argument("--source", type=Path, default=POLICIES / "source")
    parser.add_argument("--out", type=Path, default=POLICIES)
    args = parser.parse_args(argv)
    try:
        files = build(args.source)
    except PackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = [n for n, data in files.items() if not (args.out / n).is_file() or (args.out / n).read_bytes() != data]
    if args.check:
        for name in stale:
            print(f"out of date: {args.out / name} (run python scripts/build_policy_pack.py)", file=sys.stderr)
        return 1 if stale else 0
    for name in stale:
        (args.out / name).write_bytes(files[name])
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
