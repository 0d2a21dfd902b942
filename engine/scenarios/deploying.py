"""Deploying a process library for a scenario run: all at once, or folder by folder when that fails."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.definitions import file_kind
from engine.errors import EngineError


def library_files(root: Path) -> dict[str, bytes]:
    """Deployable files (BPMN, DMN, forms) under ``root`` by relative path, leaving out ``scenarios/``."""
    files: dict[str, bytes] = {}
    for f in sorted(root.rglob("*")):
        parts = f.relative_to(root).parts
        if any(p.startswith(".") for p in parts) or "scenarios" in parts[:-1]:
            continue
        if f.is_file() and file_kind(f.name):
            files["/".join(parts)] = f.read_bytes()
    return files


def deploy_library(engine: Any, root: Path) -> dict[str, str]:
    """Deploy everything under ``root``; returns the folders that would not deploy, with the reason.

    The library is deployed as a whole first. When that is refused, folders are deployed one by one,
    repeating while any succeeds (a caller needs its callees deployed first), so that one broken
    process fails only its own scenarios.

    :raises FileNotFoundError: when ``root`` has no deployable files.
    """
    files = library_files(root)
    if not files:
        raise FileNotFoundError(f"{root}: no .bpmn, .dmn or form .json files to deploy")
    try:
        engine.deploy(files, name=f"scenarios: {root}")
        return {}
    except EngineError:
        pass
    groups: dict[str, dict[str, bytes]] = {}
    for path, data in files.items():
        folder = path.split("/", 1)[0] if "/" in path else ""
        groups.setdefault(folder, {})[path] = data
    pending = dict(sorted(groups.items(), key=lambda kv: (not _decisions_only(kv[1]), kv[0])))
    errors: dict[str, str] = {}
    progress = True
    while pending and progress:
        progress = False
        for folder, group in list(pending.items()):
            try:
                engine.deploy(group, name=f"scenarios: {root}/{folder}")
            except EngineError as exc:
                errors[folder] = _reason(exc)
                continue
            progress = True
            errors.pop(folder, None)
            del pending[folder]
    return errors


def _decisions_only(group: Mapping[str, bytes]) -> bool:
    return all(file_kind(p) == "dmn" for p in group)


def _reason(exc: EngineError) -> str:
    return str(exc)
