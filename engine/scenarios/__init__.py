"""Scenario tests of BPMN processes (``shebao test``): the file format, a runner, coverage.

Generic: nothing here knows social insurance, the web layer or the connectors; the application
plugs in its wiring and external services through :class:`~engine.scenarios.host.ScenarioHost`.
"""

from engine.scenarios.host import ScenarioHost, ScenarioStepError
from engine.scenarios.loading import collect, load, load_all
from engine.scenarios.model import Scenario, ScenarioFileError, Step
from engine.scenarios.runner import RunReport, ScenarioResult, ScenarioRunner

__all__ = [
    "RunReport",
    "Scenario",
    "ScenarioFileError",
    "ScenarioHost",
    "ScenarioResult",
    "ScenarioRunner",
    "ScenarioStepError",
    "Step",
    "collect",
    "load",
    "load_all",
]
