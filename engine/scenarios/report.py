"""The outcome of a scenario run as text lines or as plain data (``--json``)."""

from __future__ import annotations

from typing import Any

from engine.scenarios.coverage import ProcessCoverage
from engine.scenarios.runner import RunReport


def covered_processes(report: RunReport) -> list[ProcessCoverage]:
    """Processes with scenarios of their own, then those reached only through call activities."""
    out = [p for tally in report.tallies for p in tally.processes.values()]
    return sorted(out, key=lambda p: (p.scenarios == 0, p.graph.process_id))


def below_full(report: RunReport) -> list[str]:
    """Ids of processes with scenarios of their own whose coverage is below 100%."""
    return [p.graph.process_id for p in covered_processes(report) if p.scenarios and not p.complete]


def as_dict(report: RunReport) -> dict[str, Any]:
    """The report as plain data."""
    results = [r.as_dict() for r in report.results]
    passed = sum(1 for r in report.results if r.passed)
    return {
        "passed": report.passed,
        "summary": {"scenarios": len(results), "passed": passed, "failed": len(results) - passed},
        "scenarios": results,
        "coverage": [p.as_dict() for p in covered_processes(report)],
        "deploy_errors": report.deploy_errors,
    }


def coverage_line(p: ProcessCoverage) -> str:
    """``transfer: sequence flows 12/14 (86%), boundary events 3/3 (100%)``."""
    d = p.as_dict()
    f, b = d["sequence_flows"], d["boundary_events"]
    via = "" if p.scenarios else " (reached through call activities only)"
    return (
        f"{p.graph.process_id}: sequence flows {f['covered']}/{f['total']} ({f['percent']}%), "
        f"boundary events {b['covered']}/{b['total']} ({b['percent']}%){via}"
    )


def as_lines(report: RunReport) -> list[str]:
    """The report as text: one line per scenario, failures explained, then coverage per process."""
    lines: list[str] = []
    for folder, reason in report.deploy_errors.items():
        lines.append(f"DEPLOY ERROR  {folder or '.'}: {reason}")
    for r in report.results:
        title = f"  {r.scenario.title}" if r.scenario.title else ""
        lines.append(f"{'PASS' if r.passed else 'FAIL'}  {r.scenario.name}{title}")
        if r.failure:
            lines.append(f"      {r.failure.where}: {r.failure.message}")
    processes = covered_processes(report)
    if processes:
        lines.append("")
        lines.append("coverage:")
    for p in processes:
        lines.append("  " + coverage_line(p))
        if p.uncovered_flows():
            lines.append("    uncovered sequence flows: " + ", ".join(p.uncovered_flows()))
        if p.uncovered_boundary_events():
            lines.append("    uncovered boundary events: " + ", ".join(p.uncovered_boundary_events()))
    passed = sum(1 for r in report.results if r.passed)
    failed = len(report.results) - passed
    lines.append("")
    lines.append(f"{len(report.results)} scenario{'s' if len(report.results) != 1 else ''}: {passed} passed, {failed} failed")
    return lines
