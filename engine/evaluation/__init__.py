"""Restricted evaluation of the expressions and scripts in BPMN and DMN files.

Conditions, scripts, timer expressions and decision-table cells run through :class:`Evaluator`: a
syntax/name/attribute allowlist (with RestrictedPython's policy as a second check) refuses imports,
dunders, ``str.format`` and introspection before anything runs; guards injected into the code bound
its steps, time, value sizes, integer digits, call depth and memory growth while it runs. See
docs/evaluation.md.
"""

from engine.evaluation.evaluator import Evaluator
from engine.evaluation.limits import Limits
from engine.evaluation.messages import MESSAGES, message

__all__ = ["MESSAGES", "Evaluator", "Limits", "message"]
