"""Finding and reading scenario files: YAML without surprises, checked against the format's schema.

Malformed files are reported all at once, each problem naming the file, the line where known and the
key path (``steps[3].complete``). Unknown keys, duplicate keys and non-string keys are errors.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from engine.clock import parse_duration
from engine.scenarios.model import Scenario, ScenarioFileError, Step
from engine.scenarios.schema import STEP_KINDS, STEP_SCHEMAS, TOP_SCHEMA

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 200_000  # after expanding YAML aliases
SUFFIXES = (".yaml", ".yml")
CHINA = timezone(timedelta(hours=8))

_TOP = Draft202012Validator(TOP_SCHEMA)
_STEPS = {kind: Draft202012Validator(schema) for kind, schema in STEP_SCHEMAS.items()}


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                continue  # refused later as a non-string key
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def collect(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Scenario files under the given paths: files as given; in folders, ``*.yaml`` under ``scenarios/``.

    :raises FileNotFoundError: when a path does not exist.
    """
    found: list[Path] = []
    for given in paths:
        p = Path(given)
        if p.is_file():
            found.append(p)
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                parts = f.relative_to(p).parts
                hidden = any(part.startswith(".") for part in parts)
                in_scenarios = p.name == "scenarios" or "scenarios" in parts[:-1]
                if f.is_file() and f.suffix in SUFFIXES and in_scenarios and not hidden:
                    found.append(f)
        else:
            raise FileNotFoundError(f"{given}: no such file or folder")
    unique: dict[Path, Path] = {}
    for f in found:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def load_all(files: Iterable[Path], root: Path | None = None) -> list[Scenario]:
    """Read and validate every file.

    :raises ScenarioFileError: listing the problems of every malformed file.
    """
    scenarios: list[Scenario] = []
    problems: list[dict[str, Any]] = []
    for f in files:
        try:
            scenarios.append(load(f, root))
        except ScenarioFileError as exc:
            problems += exc.params["errors"]
    if problems:
        raise ScenarioFileError(problems)
    return scenarios


def load(path: Path, root: Path | None = None) -> Scenario:
    """Read one scenario file.

    ``root`` is the process library to deploy; by default the file must lie in
    ``<root>/<process folder>/scenarios/``.

    :raises ScenarioFileError: naming the file, line and key path of each problem.
    """
    name = _display(path)

    def fail(message: str, key: str | None = None, line: int | None = None) -> ScenarioFileError:
        return ScenarioFileError([{"file": name, "line": line, "key": key, "message": message}])

    root, folder = _placement(path, root, fail)
    if path.suffix not in SUFFIXES:
        raise fail("a scenario file ends in .yaml or .yml")
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise fail(f"larger than {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text (byte {exc.start})") from exc
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        doc = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise fail(str(exc.problem or exc.context or exc), line=mark.line + 1 if mark else None) from exc
    except yaml.YAMLError as exc:
        raise fail(str(exc)) from exc
    finally:
        loader.dispose()
    if not isinstance(doc, dict):
        raise fail("the file must be a mapping with at least `process`")
    budget = [MAX_NODES]
    doc = _plain(doc, "", budget, fail)
    lines = _step_lines(node)
    problems = [p for e in _TOP.iter_errors(doc) for p in _problems(name, [], e, lines)]
    steps: list[Step] = []
    for i, item in enumerate(doc.get("steps") or []):
        if not isinstance(item, dict):
            continue  # reported by the top-level schema
        kinds = [k for k in STEP_KINDS if k in item]
        line = lines.get(("steps", i))
        if len(kinds) != 1:
            found = ", ".join(kinds) or "none"
            problems.append({"file": name, "line": line, "key": f"steps[{i}]",
                             "message": f"a step has exactly one of {', '.join(STEP_KINDS)} (found: {found})"})
            continue
        errs = [p for e in _STEPS[kinds[0]].iter_errors(item) for p in _problems(name, ["steps", i], e, lines)]
        if not errs and kinds[0] == "advance":
            errs += _duration_problem(name, i, item["advance"], line)
        problems += errs
        steps.append(Step(number=i + 1, kind=kinds[0], spec=item, line=line))
    clock = None
    if isinstance(doc.get("clock"), str):
        try:
            clock = parse_clock(doc["clock"])
        except ValueError as exc:
            problems.append({"file": name, "line": lines.get(("clock",)), "key": "clock", "message": str(exc)})
    if problems:
        raise ScenarioFileError(sorted(problems, key=lambda p: (p.get("line") or 0, p.get("key") or "")))
    return Scenario(
        path=path,
        name=name,
        root=root,
        folder=folder,
        process=doc["process"],
        title=doc.get("title", ""),
        clock=clock,
        sandbox=doc.get("sandbox") or {},
        start=doc.get("start") or {},
        steps=tuple(steps),
        expect=doc.get("expect") or {},
        expect_line=lines.get(("expect",)),
    )


def parse_clock(text: str) -> datetime:
    """A scenario's business time: an ISO date-time (China time when no offset), or a date at 10:00.

    :raises ValueError: when the text is neither.
    """
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(10, 0), CHINA)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO date or date-time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=CHINA)


def _placement(path: Path, root: Path | None, fail: Any) -> tuple[Path, str]:
    """(process library root, process folder) of a scenario file."""
    folder = path.parent.parent if path.parent.name == "scenarios" else path.parent
    if root is not None:
        try:
            rel = folder.resolve().relative_to(root.resolve())
        except ValueError:
            rel = Path(folder.name)
        return root, rel.parts[0] if rel.parts else folder.name
    if path.parent.name != "scenarios":
        raise fail("a scenario file lives in <process folder>/scenarios/ (or give the process library with --root)")
    return folder.parent, folder.name


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _plain(value: Any, key: str, budget: list[int], fail: Any) -> Any:
    """JSON-shaped data: dates as ISO strings, string keys only, bounded size."""
    budget[0] -= 1
    if budget[0] < 0:
        raise fail(f"more than {MAX_NODES} values after expanding aliases")
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            sub = f"{key}.{k}" if key else str(k)
            if not isinstance(k, str):
                raise fail(f"keys must be text; found {k!r}", key=sub)
            out[k] = _plain(v, sub, budget, fail)
        return out
    if isinstance(value, list):
        return [_plain(v, f"{key}[{i}]", budget, fail) for i, v in enumerate(value)]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        raise fail("NaN is not a value", key=key)
    return value


def _step_lines(node: Any) -> dict[tuple[Any, ...], int]:
    """1-based lines of the top-level keys and of each step."""
    lines: dict[tuple[Any, ...], int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        lines[(key_node.value,)] = key_node.start_mark.line + 1
        if key_node.value == "steps" and isinstance(value_node, yaml.SequenceNode):
            for i, item in enumerate(value_node.value):
                lines[("steps", i)] = item.start_mark.line + 1
    return lines


def _key_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _problems(name: str, prefix: list[Any], error: Any, lines: dict[tuple[Any, ...], int]) -> list[dict[str, Any]]:
    """Problems of one schema error; an unknown key is named by its own path."""
    parts = [*prefix, *error.absolute_path]
    line = lines.get(tuple(parts[:2])) if parts[:1] == ["steps"] else lines.get(tuple(parts[:1]))
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            return [
                {"file": name, "line": lines.get((k,), line) if not parts else line,
                 "key": _key_path([*parts, k]), "message": f"unknown key (allowed: {', '.join(allowed)})"}
                for k in extra
            ]
    return [{"file": name, "line": line, "key": _key_path(parts) or None, "message": error.message}]


def _duration_problem(name: str, index: int, text: str, line: int | None) -> list[dict[str, Any]]:
    try:
        parse_duration(text)
    except ValueError as exc:
        return [{"file": name, "line": line, "key": f"steps[{index}].advance", "message": str(exc)}]
    return []
