"""Deployable bundles: parse and check BPMN, DMN and form files before anything is stored.

This is the pure half of deployment (no database). :func:`parse_bundle` reads every file safely,
checks what a running instance would otherwise trip over later (unknown operators, missing forms,
called processes and decisions, refused expressions, schema errors) and collects every problem into
one :class:`engine.errors.InvalidDefinition`. It also says which files each process version needs
and their content hash, so an unchanged redeploy is recognised. :func:`load_specs` and
:func:`parse_decision` build what the runtime executes from deployed files.
"""

from __future__ import annotations

import ast
import hashlib
import json
import posixpath
import re
import threading
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, NoReturn, Protocol

from jsonschema.exceptions import SchemaError
from jsonschema.validators import Draft7Validator, validator_for
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.errors import EvaluationError, EvaluationRefused, InvalidDefinition
from engine.spiff import EngineParser, use_engine_clock
from engine.xmlsafe import DEFAULT_MAX_BYTES, parse_xml
from engine.xmlsafe import MESSAGES as XML_MESSAGES

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")
MILESTONE_PROPERTY = "milestone"

# Codes of every problem a deployment can report, with the text people read (Simplified Chinese
# first); the safe parser's codes are included. Every problem carries ``file``, ``line`` and
# ``element`` besides the parameters named in its text.
MESSAGES: dict[str, dict[str, str]] = {
    **XML_MESSAGES,
    "INVALID_PATH": {
        "zh": "文件路径 {file} 无效：必须是不含“..”的相对路径。",
        "en": "File path {file} is invalid: it must be relative and must not contain '..'.",
    },
    "NO_EXECUTABLE_PROCESS": {
        "zh": "BPMN 文件 {file} 中没有可执行的流程（isExecutable=\"true\"）。",
        "en": "BPMN file {file} has no executable process (isExecutable=\"true\").",
    },
    "DUPLICATE_PROCESS": {
        "zh": "流程 ID {process_id} 在 {file} 第 {line} 行重复定义。",
        "en": "Process id {process_id} is defined again in {file} at line {line}.",
    },
    "UNKNOWN_OPERATOR": {
        "zh": "服务任务 {element}（{file} 第 {line} 行）使用了未注册的操作 {operator}。",
        "en": "Service task {element} ({file}, line {line}) uses the unregistered operator {operator}.",
    },
    "MISSING_OPERATOR": {
        "zh": "服务任务 {element}（{file} 第 {line} 行）没有指定操作。",
        "en": "Service task {element} ({file}, line {line}) names no operator.",
    },
    "MISSING_FORM_FILE": {
        "zh": "用户任务 {element}（{file} 第 {line} 行）引用的表单文件 {form_file} 不在部署包中。",
        "en": "User task {element} ({file}, line {line}) refers to form file {form_file}, which is not in the bundle.",
    },
    "INVALID_FORM_FILE": {
        "zh": "表单文件 {file} 第 {line} 行不是有效的 JSON：{reason}",
        "en": "Form file {file} is not valid JSON at line {line}: {reason}",
    },
    "INVALID_FORM_SCHEMA": {
        "zh": "表单文件 {file} 不是有效的 JSON Schema：{reason}",
        "en": "Form file {file} is not a valid JSON Schema: {reason}",
    },
    "MISSING_CALLED_PROCESS": {
        "zh": "调用活动 {element}（{file} 第 {line} 行）调用的流程 {called_element} 未部署也不在部署包中。",
        "en": "Call activity {element} ({file}, line {line}) calls process {called_element}, which is "
        "neither deployed nor in the bundle.",
    },
    "MISSING_DECISION": {
        "zh": "业务规则任务 {element}（{file} 第 {line} 行）使用的决策 {decision_id} 未部署也不在部署包中。",
        "en": "Business-rule task {element} ({file}, line {line}) uses decision {decision_id}, which is "
        "neither deployed nor in the bundle.",
    },
    "NO_DECISION": {
        "zh": "DMN 文件 {file} 中没有决策表。",
        "en": "DMN file {file} has no decision table.",
    },
    "MULTIPLE_DECISIONS": {
        "zh": "DMN 文件 {file} 含有多个决策；每个文件只能有一个决策。",
        "en": "DMN file {file} has more than one decision; each file holds one decision.",
    },
    "DUPLICATE_DECISION": {
        "zh": "决策 ID {decision_id} 在 {file} 第 {line} 行重复定义。",
        "en": "Decision id {decision_id} is defined again in {file} at line {line}.",
    },
    "EXPRESSION_REFUSED": {
        "zh": "{element}（{file} 第 {line} 行）的表达式或脚本不被允许：{reason}",
        "en": "The expression or script of {element} ({file}, line {line}) is not allowed: {reason}",
    },
    "EXPRESSION_INVALID": {
        "zh": "{element}（{file} 第 {line} 行）的表达式或脚本有语法错误：{reason}",
        "en": "The expression or script of {element} ({file}, line {line}) has a syntax error: {reason}",
    },
    "SCHEMA_INVALID": {
        "zh": "{file} 第 {line} 行不符合 BPMN/DMN 规范：{reason}",
        "en": "{file} does not follow the BPMN/DMN schema at line {line}: {reason}",
    },
    "DEFINITION_INVALID": {
        "zh": "{file} 第 {line} 行（{element}）无法解析：{reason}",
        "en": "{file} cannot be parsed at line {line} ({element}): {reason}",
    },
    # warnings
    "NO_LANES": {
        "zh": "流程 {element}（{file}）没有泳道；其用户任务不会分配给任何角色。",
        "en": "Process {element} ({file}) has no lanes; its user tasks are assigned to no role.",
    },
    "USER_TASK_WITHOUT_LANE": {
        "zh": "用户任务 {element}（{file} 第 {line} 行）不在任何泳道中。",
        "en": "User task {element} ({file}, line {line}) is in no lane.",
    },
    "UNUSED_FILE": {
        "zh": "文件 {file} 未被任何用户任务使用。",
        "en": "File {file} is used by no user task.",
    },
    "IGNORED_FILE": {
        "zh": "文件 {file} 不是 .bpmn、.dmn 或 .json 文件，已忽略。",
        "en": "File {file} is not a .bpmn, .dmn or .json file and was ignored.",
    },
}


class ExpressionChecker(Protocol):
    """What deployment needs of the restricted evaluator: compile-time checks that raise on refusal."""

    def check_expression(self, source: str) -> Any:
        """Raise :class:`EvaluationRefused` (or ``SyntaxError``) if ``source`` may not be evaluated."""
        ...

    def check_script(self, source: str) -> Any:
        """Raise :class:`EvaluationRefused` (or ``SyntaxError``) if ``source`` may not be run."""
        ...


@dataclass(frozen=True)
class Problem:
    """One error or warning about a file, with where it is and a code for translation."""

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    element: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The problem as ``{file, line, element, message, code, params}``."""
        return asdict(self)


@dataclass(frozen=True)
class UserTaskInfo:
    """A user task: its lane (the role whose inbox gets it) and its form files."""

    id: str
    name: str | None
    lane: str | None
    form_schema: str | None  # bundle path of the JSON Schema file
    form_ui_schema: str | None  # bundle path of the UI schema file


@dataclass(frozen=True)
class ServiceTaskInfo:
    """A service task and the operator it calls."""

    id: str
    name: str | None
    lane: str | None
    operator: str | None


@dataclass(frozen=True)
class Milestone:
    """An element that marks a stage of the case (spiffworkflow property ``milestone``)."""

    element: str
    name: str


@dataclass
class ProcessInfo:
    """An executable process of the bundle and the version its files make."""

    id: str
    name: str
    bpmn_path: str
    content_hash: str  # sha256 over the sorted (path, sha256 of content) of ``files``
    files: list[str]  # every BPMN and form file this version needs, sorted
    lanes: list[str] = field(default_factory=list)
    user_tasks: list[UserTaskInfo] = field(default_factory=list)
    service_tasks: list[ServiceTaskInfo] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    called_processes: list[str] = field(default_factory=list)
    decisions: dict[str, str] = field(default_factory=dict)  # business-rule task id -> decision id

    @property
    def details(self) -> dict[str, Any]:
        """What the inbox and the console show about this version, as plain JSON-ready data."""
        data = asdict(self)
        for key in ("id", "name", "bpmn_path", "content_hash", "files"):
            data.pop(key)
        return data


@dataclass(frozen=True)
class DecisionInfo:
    """A decision of the bundle; its version is the hash of its DMN file."""

    id: str
    name: str
    path: str
    content_hash: str  # sha256 of the DMN file


@dataclass
class Bundle:
    """What a valid bundle holds: processes and decisions by id, parsed form files, warnings."""

    processes: dict[str, ProcessInfo]
    decisions: dict[str, DecisionInfo]
    forms: dict[str, Any]
    warnings: list[Problem]


# -- reading the XML ---------------------------------------------------------------------------------


def _q(local: str, ns: str = BPMN_NS) -> str:
    return f"{{{ns}}}{local}"


def _text(node: etree._Element | None) -> str | None:
    if node is None or node.text is None or not node.text.strip():
        return None
    return node.text.strip()


def _extension(element: etree._Element, name: str) -> etree._Element | None:
    return element.find(f"{_q('extensionElements')}/{_q(name, SPIFF_NS)}")


def _properties(element: etree._Element) -> dict[str, str]:
    props = _extension(element, "properties")
    if props is None:
        return {}
    return {p.get("name", ""): p.get("value", "") for p in props.iter(_q("property", SPIFF_NS))}


def _owner_id(node: etree._Element | None) -> str | None:
    """The id of the model element a node belongs to: itself or its nearest ancestor with an id.

    Extension elements (whose ``id`` is an operator or parameter name) and event definitions (not
    shown by modellers) are skipped.
    """
    while node is not None:
        qname = etree.QName(node)
        if node.get("id") and qname.namespace != SPIFF_NS and not qname.localname.endswith("EventDefinition"):
            return node.get("id")
        node = node.getparent()
    return None


@dataclass
class _Source:
    """A piece of code in a file: what to check it as, and where to point when it is refused."""

    kind: str  # "expression" or "script"
    text: str
    node: etree._Element


@dataclass
class _Facts:
    """What one <bpmn:process> says, read from the XML."""

    info: ProcessInfo
    element: etree._Element
    executable: bool
    calls: list[tuple[etree._Element, str | None]] = field(default_factory=list)
    rules: list[tuple[etree._Element, str | None]] = field(default_factory=list)
    services: list[etree._Element] = field(default_factory=list)
    forms: list[tuple[etree._Element, str, str]] = field(default_factory=list)  # (user task, property, path)


def _read_process(element: etree._Element, path: str) -> _Facts:
    pid = element.get("id", "")
    info = ProcessInfo(id=pid, name=element.get("name") or pid, bpmn_path=path, content_hash="", files=[])
    facts = _Facts(info, element, element.get("isExecutable", "true") == "true")
    lane_of: dict[str, str] = {}
    for lane in element.iter(_q("lane")):
        name = lane.get("name")
        if name:
            info.lanes += [name] if name not in info.lanes else []
            lane_of.update({ref.text.strip(): name for ref in lane.findall(_q("flowNodeRef")) if ref.text})

    def lane_for(node: etree._Element) -> str | None:  # inside an embedded subprocess: the subprocess's lane
        while node is not None and node is not element:
            if node.get("id") in lane_of:
                return lane_of[node.get("id")]
            node = node.getparent()
        return None

    folder = posixpath.dirname(path)
    for node in element.iter(etree.Element):
        tag, nid = etree.QName(node).localname, node.get("id", "")
        if etree.QName(node).namespace != BPMN_NS:
            continue
        props = _properties(node)
        if MILESTONE_PROPERTY in props:
            info.milestones.append(Milestone(nid, props[MILESTONE_PROPERTY]))
        if tag == "userTask":
            resolved = {p: posixpath.normpath(posixpath.join(folder, props[p])) for p in FORM_PROPERTIES if props.get(p)}
            facts.forms += [(node, p, resolved[p]) for p in resolved]
            info.user_tasks.append(
                UserTaskInfo(nid, node.get("name"), lane_for(node), *(resolved.get(p) for p in FORM_PROPERTIES))
            )
        elif tag == "serviceTask":
            operator = _extension(node, "serviceTaskOperator")
            facts.services.append(node)
            info.service_tasks.append(
                ServiceTaskInfo(nid, node.get("name"), lane_for(node), operator.get("id") if operator is not None else None)
            )
        elif tag == "callActivity":
            facts.calls.append((node, node.get("calledElement") or None))
            if node.get("calledElement") and node.get("calledElement") not in info.called_processes:
                info.called_processes.append(node.get("calledElement"))
        elif tag == "businessRuleTask":
            decision = _text(_extension(node, "calledDecisionId"))
            facts.rules.append((node, decision))
            if decision:
                info.decisions[nid] = decision
    return facts


def _bpmn_sources(root: etree._Element) -> Iterator[_Source]:
    """Every expression and script in a BPMN document that the engine evaluates at run time."""
    expressions = {"conditionExpression", "condition", "timeDate", "timeDuration", "timeCycle",
                   "loopCardinality", "completionCondition", "loopCondition"}
    retrieval = _q("correlationPropertyRetrievalExpression")
    for node in root.iter(etree.Element):
        qname = etree.QName(node)
        text = _text(node)
        if qname.namespace == BPMN_NS:
            in_retrieval = qname.localname in ("formalExpression", "messagePath") and node.getparent().tag == retrieval
            if (qname.localname in expressions or in_retrieval) and text:
                yield _Source("expression", text, node)
            elif qname.localname == "script" and text:
                yield _Source("script", text, node)
        elif qname.namespace == SPIFF_NS:
            if qname.localname in ("preScript", "postScript") and text:
                yield _Source("script", text, node)
            elif qname.localname == "messagePayload" and text:
                yield _Source("expression", text, node)
            elif qname.localname == "parameter" and (node.get("value") or "").strip():
                yield _Source("expression", node.get("value").strip(), node)


_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def _dmn_sources(root: etree._Element) -> Iterator[_Source]:
    """Every DMN cell as the expression the DMN engine will evaluate (input entries joined to inputs)."""
    ns = etree.QName(root).namespace
    for table in root.iter(_q("decisionTable", ns)):
        inputs: list[str | None] = []
        for column in table.findall(_q("input", ns)):
            node = column.find(f"{_q('inputExpression', ns)}/{_q('text', ns)}")
            inputs.append(_text(node))
            if node is not None and _text(node):
                yield _Source("expression", _text(node) or "", node)
        for rule in table.findall(_q("rule", ns)):
            for index, entry in enumerate(rule.findall(_q("inputEntry", ns))):
                node = entry.find(_q("text", ns))
                text, given = _text(node), inputs[index] if index < len(inputs) else None
                if node is not None and text and text != "-" and given:
                    yield _Source("expression", _joined_entry(given, text), node)
            for entry in rule.findall(_q("outputEntry", ns)):
                node = entry.find(_q("text", ns))
                if node is not None and _text(node):
                    yield _Source("expression", _text(node) or "", node)


def _joined_entry(input_expression: str, entry: str) -> str:
    """The expression SpiffWorkflow's DMNEngine evaluates for one input entry."""
    entry = _QUESTION_MARK.sub("dmninputexpr", entry)
    if "dmninputexpr" in entry:
        return entry  # evaluated with the input's value bound to ``dmninputexpr``
    try:
        ast.parse(entry)
    except SyntaxError:
        return input_expression + entry
    return f"({input_expression}) == ({entry})"


# -- problems ----------------------------------------------------------------------------------------


def _problem(code: str, message: str, file: str | None, node: etree._Element | None = None, **params: Any) -> Problem:
    line = params.pop("line", None) or (node.sourceline if node is not None else None)
    element = params.pop("element", None) or (_owner_id(node) if node is not None else None)
    return Problem(code, message, file, line, element, params)


def _from_invalid(exc: InvalidDefinition) -> Problem:
    params = {k: v for k, v in exc.params.items() if k not in ("file", "line", "element")}
    return Problem(exc.code, exc.message, exc.file, exc.line, exc.element, params)


def _raise(errors: list[Problem]) -> NoReturn:
    errors = sorted(errors, key=lambda p: (p.file or "", p.line or 0))
    first = errors[0]
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    raise InvalidDefinition(
        first.message + more,
        code=first.code,
        file=first.file,
        line=first.line,
        element=first.element,
        errors=[p.as_dict() for p in errors],
    )


def _locate(element_id: str, trees: Mapping[str, etree._Element], prefer: str | None) -> tuple[str | None, int | None]:
    """(file, line) of the element with this id, looking in ``prefer`` first."""
    for path in sorted(trees, key=lambda p: p != prefer):
        found = trees[path].xpath("//*[@id=$id]", id=element_id)
        if found:
            return path, found[0].sourceline
    return prefer, None


def _from_library(exc: Exception, file: str | None, trees: Mapping[str, etree._Element]) -> Problem:
    """A SpiffWorkflow parsing failure as a problem with file, line and element where they can be found."""
    if isinstance(exc, ValidationException):
        reason = str(exc.args[0]) if exc.args else str(exc)
        file = exc.file_name or file
        element = exc.id or None
        line = exc.line_number if isinstance(exc.line_number, int) and exc.line_number > 0 else None
    else:
        reason, element, line = f"{type(exc).__name__}: {exc}", None, None
    if element and line is None:
        file, line = _locate(element, trees, file)
    return Problem("DEFINITION_INVALID", reason, file, line, element, {"reason": reason})


# -- schema validation --------------------------------------------------------------------------------

_SCHEMA_LOCK = threading.Lock()  # an lxml XMLSchema keeps its error log on itself
_DMN_VALIDATORS: dict[str, BpmnValidator] = {}
_SHORT_NAMES = {BPMN_NS: "bpmn", SPIFF_NS: "spiffworkflow", **{ns: "dmn" for ns in DMN_SCHEMAS}}
_MAX_SCHEMA_ERRORS = 20


def _shorten(message: str) -> str:
    for ns, prefix in _SHORT_NAMES.items():
        message = message.replace(f"{{{ns}}}", f"{prefix}:")
    return message


def _element_at(root: etree._Element, line: int | None) -> str | None:
    for node in root.iter(etree.Element):
        if node.sourceline == line:
            return _owner_id(node)
    return None


def _schema_problems(root: etree._Element, path: str, kind: str) -> list[Problem]:
    """Validate against SpiffWorkflow's XSDs (BPMN with the spiffworkflow extension, or DMN)."""
    with _SCHEMA_LOCK:
        if kind == "bpmn":
            validator: BpmnValidator | None = VALIDATOR
        else:
            schema = DMN_SCHEMAS.get(etree.QName(root).namespace or "")
            if schema and schema not in _DMN_VALIDATORS:
                _DMN_VALIDATORS[schema] = BpmnValidator(schema)
            validator = _DMN_VALIDATORS.get(schema or "")
        if validator is None:
            return []
        try:
            validator.validate(root, path)
            return []
        except ValidationException as exc:
            log = [(e.line, e.message) for e in validator.validator.error_log if e.level_name == "ERROR"]
            entries = log[:_MAX_SCHEMA_ERRORS] or [(exc.line_number or None, str(exc))]
    return [
        Problem("SCHEMA_INVALID", _shorten(msg), path, line, _element_at(root, line), {"reason": _shorten(msg)})
        for line, msg in entries
    ]


# -- expressions ---------------------------------------------------------------------------------------


def _check_source(evaluator: ExpressionChecker, source: _Source, path: str) -> Problem | None:
    check = evaluator.check_script if source.kind == "script" else evaluator.check_expression
    try:
        check(source.text)
        return None
    except EvaluationRefused as exc:
        syntax = exc.code == "EVALUATION_SYNTAX_ERROR"
        code, reason, inner = ("EXPRESSION_INVALID" if syntax else "EXPRESSION_REFUSED"), exc.message, exc.params.get("line")
        extra = {"refusal": exc.code, "refusal_params": {k: v for k, v in exc.params.items() if k != "line"}}
    except (SyntaxError, EvaluationError) as exc:
        code, reason = "EXPRESSION_INVALID", str(getattr(exc, "msg", None) or exc)
        inner, extra = getattr(exc, "lineno", None) or getattr(exc, "params", {}).get("line"), {}
    raw = source.node.text or ""
    line = (source.node.sourceline or 0) + raw[: len(raw) - len(raw.lstrip())].count("\n")
    if source.kind == "script" and isinstance(inner, int) and inner > 0:
        line += inner - 1
    verb = "refused" if code == "EXPRESSION_REFUSED" else "invalid"
    return _problem(
        code, f"{source.kind} {verb}: {reason}", path, source.node,
        line=line or None, reason=reason, source=source.text[:200], **extra,
    )


# -- the bundle ----------------------------------------------------------------------------------------


def _kind(path: str) -> str | None:
    return {".bpmn": "bpmn", ".dmn": "dmn", ".json": "json"}.get(posixpath.splitext(path)[1].lower())


def _valid_path(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and "\\" not in path and not path.startswith("/") and ".." not in parts and "" not in parts


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(files: Mapping[str, bytes]) -> str:
    """The version hash of a set of files: sha256 over each sorted path and the sha256 of its content."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{_sha256(files[path])}\n".encode())
    return digest.hexdigest()


def _read_json(path: str, data: bytes) -> tuple[Any, Problem | None]:
    try:
        return json.loads(data.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        line, reason = data.count(b"\n", 0, exc.start) + 1, "not UTF-8"
    except json.JSONDecodeError as exc:
        line, reason = exc.lineno, exc.msg
    return None, Problem("INVALID_FORM_FILE", f"not valid JSON: {reason}", path, line, None, {"reason": reason})


def _read_files(files: Mapping[str, bytes], errors: list[Problem], warnings: list[Problem]) -> tuple[
    dict[str, etree._Element], dict[str, etree._Element], dict[str, Any], dict[str, Problem]
]:
    bpmn: dict[str, etree._Element] = {}
    dmn: dict[str, etree._Element] = {}
    forms: dict[str, Any] = {}
    bad_json: dict[str, Problem] = {}
    for path in sorted(files):
        data, kind = files[path], _kind(path)
        if not _valid_path(path):
            errors.append(Problem("INVALID_PATH", "the path must be relative, without '..'", path))
        elif kind is None:
            warnings.append(Problem("IGNORED_FILE", "not a .bpmn, .dmn or .json file; ignored", path))
        elif kind == "json":
            if len(data) > DEFAULT_MAX_BYTES:
                errors.append(Problem("FILE_TOO_LARGE", f"file is {len(data)} bytes, over the limit of "
                                      f"{DEFAULT_MAX_BYTES}", path, None, None, {"size": len(data), "limit": DEFAULT_MAX_BYTES}))
                continue
            parsed, problem = _read_json(path, data)
            if problem is None:
                forms[path] = parsed
            else:
                bad_json[path] = problem
        else:
            try:
                (bpmn if kind == "bpmn" else dmn)[path] = parse_xml(data, path)
            except InvalidDefinition as exc:
                errors.append(_from_invalid(exc))
    return bpmn, dmn, forms, bad_json


def _read_processes(trees: Mapping[str, etree._Element], errors: list[Problem] | None) -> dict[str, _Facts]:
    """Every <bpmn:process> by id; with ``errors``, also refuse duplicates and files with no executable one."""
    found: dict[str, _Facts] = {}
    for path, root in trees.items():
        facts = [_read_process(el, path) for el in root.iter(_q("process"))]
        if errors is not None and not any(f.executable for f in facts):
            errors.append(_problem("NO_EXECUTABLE_PROCESS", "the file has no executable process", path, root))
        for f in facts:
            if f.info.id not in found:
                found[f.info.id] = f
            elif errors is not None:
                errors.append(_problem("DUPLICATE_PROCESS", f"process id {f.info.id!r} is defined twice", path,
                                       f.element, process_id=f.info.id))
    return found


def _read_decisions(trees: Mapping[str, etree._Element], files: Mapping[str, bytes],
                    errors: list[Problem] | None) -> dict[str, DecisionInfo]:
    """The decision of each DMN file by id; with ``errors``, also refuse files with none, several or duplicates."""
    found: dict[str, DecisionInfo] = {}
    for path, root in trees.items():
        ns = etree.QName(root).namespace
        decisions = root.findall(_q("decision", ns))
        if errors is not None:
            if not decisions or decisions[0].find(_q("decisionTable", ns)) is None:
                errors.append(_problem("NO_DECISION", "the file has no decision table", path, root))
            elif len(decisions) > 1:
                errors.append(_problem("MULTIPLE_DECISIONS", "one decision per DMN file", path, decisions[1]))
        for el in decisions[:1]:
            did = el.get("id", "")
            if did not in found:
                found[did] = DecisionInfo(did, el.get("name") or did, path, _sha256(files[path]))
            elif errors is not None:
                errors.append(_problem("DUPLICATE_DECISION", f"decision id {did!r} is defined twice", path, el,
                                       decision_id=did))
    return found


def _parse_deployed(files: Mapping[str, bytes], shadowed: Mapping[str, bytes]) -> dict[str, etree._Element]:
    """Already-deployed files the bundle does not replace; one that no longer parses is left out."""
    trees: dict[str, etree._Element] = {}
    for path, data in files.items():
        if path in shadowed:
            continue
        try:
            trees[path] = parse_xml(data, path)
        except InvalidDefinition:
            continue
    return trees


def _closure(pid: str, processes: Mapping[str, _Facts]) -> list[_Facts]:
    """The process and every process it calls, directly or not, that is known."""
    seen, todo = {pid}, [pid]
    out = []
    while todo:
        facts = processes.get(todo.pop())
        if facts is None:
            continue
        out.append(facts)
        for called in facts.info.called_processes:
            if called not in seen:
                seen.add(called)
                todo.append(called)
    return out


def _check_processes(
    processes: Mapping[str, _Facts], known: Mapping[str, _Facts], decisions: Container[str],
    operators: Container[str], forms: Container[str], bad_json: Mapping[str, Problem],
    errors: list[Problem], warnings: list[Problem],
) -> set[str]:
    """Check operators, forms, called processes, decisions and lanes; returns the form paths in use."""
    used: set[str] = set()
    for facts in processes.values():
        if not facts.executable:
            continue
        path = facts.info.bpmn_path
        for node in facts.services:
            operator = _extension(node, "serviceTaskOperator")
            name = operator.get("id") if operator is not None else None
            if not name:
                errors.append(_problem("MISSING_OPERATOR", "the service task names no operator", path, node))
            elif name not in operators:
                errors.append(_problem("UNKNOWN_OPERATOR", f"unknown operator {name!r}", path, node, operator=name))
        for node, prop, form in facts.forms:
            used.add(form)
            if form in bad_json:
                bad = bad_json[form]
                errors.append(Problem(bad.code, bad.message, bad.file, bad.line, node.get("id"),
                                      {**bad.params, "used_by": path, "property": prop}))
            elif form not in forms:
                errors.append(_problem("MISSING_FORM_FILE", f"form file {form!r} is not in the bundle", path, node,
                                       form_file=form, property=prop))
        for node, called in facts.calls:
            callee = known.get(called or "")
            if callee is None or not callee.executable:
                why = "is not executable" if callee else "is neither in the bundle nor deployed"
                errors.append(_problem("MISSING_CALLED_PROCESS", f"called process {called!r} {why}", path, node,
                                       called_element=called))
        for node, decision in facts.rules:
            if not decision or decision not in decisions:
                errors.append(_problem("MISSING_DECISION", f"decision {decision!r} is neither in the bundle nor "
                                       "deployed", path, node, decision_id=decision))
        if not facts.info.lanes:
            warnings.append(_problem("NO_LANES", "the process has no lanes", path, facts.element))
        else:
            for task in facts.info.user_tasks:
                if task.lane is None:
                    node = facts.element.xpath(".//*[@id=$id]", id=task.id)[0]
                    warnings.append(_problem("USER_TASK_WITHOUT_LANE", "the user task is in no lane", path, node))
    return used


def _check_forms(forms: Mapping[str, Any], processes: Mapping[str, _Facts], used: set[str],
                 bad_json: Mapping[str, Problem], errors: list[Problem], warnings: list[Problem]) -> None:
    schemas = {form for f in processes.values() for _, prop, form in f.forms if prop == FORM_PROPERTIES[0]}
    for path in sorted(schemas & set(forms)):
        try:
            validator_for(forms[path], default=Draft7Validator).check_schema(forms[path])
        except SchemaError as exc:
            errors.append(Problem("INVALID_FORM_SCHEMA", f"not a valid JSON Schema: {exc.message}", path, None, None,
                                  {"reason": exc.message, "path": "/".join(map(str, exc.absolute_path))}))
    errors.extend(p for path, p in bad_json.items() if path not in used)
    warnings.extend(Problem("UNUSED_FILE", "no user task uses this file", p) for p in sorted(set(forms) - used))


def _library_problems(bpmn: Mapping[str, etree._Element], dmn: Mapping[str, etree._Element],
                      process_ids: list[str]) -> list[Problem]:
    """Let SpiffWorkflow build every spec, as the runtime will, and report what it refuses."""
    parser = EngineParser()
    trees = {**bpmn, **dmn}
    problems: list[Problem] = []
    for path, root in dmn.items():
        _guard(problems, path, trees, partial(parser.add_dmn_xml, root, path))
    for path, root in bpmn.items():
        _guard(problems, path, trees, partial(parser.add_bpmn_xml, root, path))
    if problems:
        return problems
    for did, dmn_parser in parser.dmn_parsers.items():
        _guard(problems, dmn_parser.filename, trees, partial(parser.get_engine, did, None))
    for pid in process_ids:
        file = parser.get_process_parser(pid).filename
        _guard(problems, file, trees, partial(parser.get_subprocess_specs, pid))
    return problems


def _guard(problems: list[Problem], file: str | None, trees: Mapping[str, etree._Element],
           action: Callable[[], Any]) -> None:
    try:
        action()
    except Exception as exc:  # the library raises many kinds on bad input; each is a problem of that file
        problems.append(_from_library(exc, file, trees))


def parse_bundle(
    files: Mapping[str, bytes],
    *,
    operators: Container[str],
    evaluator: ExpressionChecker,
    available_decisions: Mapping[str, bytes] = {},  # noqa: B006 - read only
    available_processes: Mapping[str, bytes] = {},  # noqa: B006
    available_forms: Mapping[str, bytes] = {},  # noqa: B006
) -> Bundle:
    """Parse and check a bundle of BPMN, DMN and JSON form files, keyed by relative path.

    ``available_*`` are the newest deployed files (by path) that the bundle may call or use; a bundle
    file with the same path replaces the deployed one.

    :raises InvalidDefinition: listing every problem in ``params["errors"]`` as ``{file, line,
        element, message, code, params}``; the exception's own code, file and line are the first's.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    bpmn, dmn, forms, bad_json = _read_files(files, errors, warnings)
    processes = _read_processes(bpmn, errors)
    decisions = _read_decisions(dmn, files, errors)
    deployed_bpmn = _parse_deployed(available_processes, files)
    deployed_dmn = _parse_deployed(available_decisions, files)
    deployed = {pid: f for pid, f in _read_processes(deployed_bpmn, None).items() if pid not in processes}
    known = {**deployed, **processes}
    decision_ids = set(decisions) | set(_read_decisions(deployed_dmn, available_decisions, None))
    all_forms = set(forms) | set(bad_json) | {p for p in available_forms if p not in files}
    used = _check_processes(processes, known, decision_ids, operators, all_forms, bad_json, errors, warnings)
    _check_forms(forms, processes, used, bad_json, errors, warnings)
    for path, root in bpmn.items():
        errors.extend(p for s in _bpmn_sources(root) if (p := _check_source(evaluator, s, path)))
    for path, root in dmn.items():
        errors.extend(p for s in _dmn_sources(root) if (p := _check_source(evaluator, s, path)))
    for kind, trees in (("bpmn", bpmn), ("dmn", dmn)):
        for path, root in trees.items():
            errors.extend(_schema_problems(root, path, kind))
    executable = sorted(pid for pid, f in processes.items() if f.executable)
    contents = {**available_forms, **available_processes, **files}
    callees = {f.info.id: f for pid in executable for f in _closure(pid, known) if f.info.id not in processes}
    for facts in callees.values():  # a deployed process called from the bundle joins its version
        errors.extend(
            _problem("MISSING_FORM_FILE", f"form file {form!r} of deployed process {facts.info.id!r} is not available",
                     facts.info.bpmn_path, node, form_file=form, property=prop)
            for node, prop, form in facts.forms if form not in contents
        )
    if errors:
        _raise(errors)

    needed = {f.info.bpmn_path for pid in executable for f in _closure(pid, known)}
    library_bpmn = {**{p: deployed_bpmn[p] for p in sorted(needed - set(bpmn))}, **bpmn}
    library_dmn = {**deployed_dmn, **dmn}  # a bundle decision replaces a deployed one of the same id
    errors = _library_problems(library_bpmn, library_dmn, executable)
    if errors:
        _raise(errors)

    for pid in executable:
        closure = _closure(pid, known)
        paths = {f.info.bpmn_path for f in closure} | {form for f in closure for _, _, form in f.forms}
        info = processes[pid].info
        info.files = sorted(paths)
        info.content_hash = content_hash({p: contents[p] for p in paths})
    return Bundle(
        processes={pid: processes[pid].info for pid in executable},
        decisions=decisions,
        forms=forms,
        warnings=sorted(warnings, key=lambda p: (p.file or "", p.line or 0)),
    )


# -- what the runtime builds from deployed files -----------------------------------------------------


def load_specs(bpmn_files: Mapping[str, bytes], dmn_files: Mapping[str, bytes], process_id: str) -> tuple[Any, dict[str, Any]]:
    """Build ``(spec, subprocess_specs)`` of one deployed process version, timers on the engine clock.

    ``dmn_files`` must hold the decisions its business-rule tasks name (which version does not
    matter: decisions are resolved again at run time).

    :raises InvalidDefinition: when the files do not parse or do not define ``process_id``.
    """
    parser = EngineParser()
    trees: dict[str, etree._Element] = {}
    problems: list[Problem] = []
    for path, data in sorted(dmn_files.items()):
        trees[path] = parse_xml(data, path)
        _guard(problems, path, trees, partial(parser.add_dmn_xml, trees[path], path))
    for path, data in sorted(bpmn_files.items()):
        trees[path] = parse_xml(data, path)
        _guard(problems, path, trees, partial(parser.add_bpmn_xml, trees[path], path))
    if not problems:
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except Exception as exc:  # see _guard
            parsed = parser.get_process_parser(process_id)
            problems.append(_from_library(exc, parsed.filename if parsed else None, trees))
    if problems:
        _raise(problems)
    use_engine_clock([spec, *subprocess_specs.values()])
    return spec, subprocess_specs


def _add_engine(engines: dict[str, DMNEngine], parser: EngineParser, decision_id: str) -> None:
    engines[decision_id] = parser.get_engine(decision_id, None)


def parse_decision(dmn: bytes, filename: str) -> dict[str, DMNEngine]:
    """The DMN engine of each decision in one deployed DMN file, by decision id.

    :raises InvalidDefinition: when the file does not parse or holds no decision table.
    """
    root = parse_xml(dmn, filename)
    parser = EngineParser()
    problems: list[Problem] = []
    _guard(problems, filename, {filename: root}, partial(parser.add_dmn_xml, root, filename))
    engines: dict[str, DMNEngine] = {}
    for did in list(parser.dmn_parsers) if not problems else []:
        _guard(problems, filename, {filename: root}, partial(_add_engine, engines, parser, did))
    if problems:
        _raise(problems)
    return engines
