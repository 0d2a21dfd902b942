"""Safe parsing of deployable XML (BPMN, DMN): size cap, UTF-8 only, no DTD, no entities, no XInclude.

A file is screened by defusedxml first (expat with DOCTYPE, entity declarations and external
references refused), then parsed by lxml with a hardened parser, because SpiffWorkflow's parser
takes lxml trees. Every refusal is an :class:`engine.errors.InvalidDefinition` naming the file and,
where one exists, the line; nothing else happens.
"""

from __future__ import annotations

import re
from pyexpat import ErrorString
from pyexpat import errors as expat_errors
from xml.etree.ElementTree import ParseError, TreeBuilder

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from lxml import etree

from engine.errors import InvalidDefinition

DEFAULT_MAX_BYTES = 2_000_000

XINCLUDE_NAMESPACES = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")

# Codes of the refusals below, with the text people read (Simplified Chinese first).
MESSAGES: dict[str, dict[str, str]] = {
    "FILE_TOO_LARGE": {
        "zh": "文件 {file} 大小为 {size} 字节，超过上限 {limit} 字节。",
        "en": "File {file} is {size} bytes, over the limit of {limit} bytes.",
    },
    "XML_NOT_UTF8": {
        "zh": "文件 {file} 第 {line} 行不是 UTF-8 编码；可部署的文件必须使用 UTF-8。",
        "en": "File {file} is not UTF-8 at line {line}; deployable files must be UTF-8.",
    },
    "XML_DTD_FORBIDDEN": {
        "zh": "文件 {file} 第 {line} 行含有 DOCTYPE 声明；不允许使用 DTD、实体声明或外部 DTD。",
        "en": "File {file} has a DOCTYPE declaration at line {line}; DTDs, entity declarations "
        "and external DTDs are not allowed.",
    },
    "XML_ENTITY_FORBIDDEN": {
        "zh": "文件 {file} 第 {line} 行使用了实体 {entity}；不允许使用实体。",
        "en": "File {file} uses the entity {entity} at line {line}; entities are not allowed.",
    },
    "XML_XINCLUDE_FORBIDDEN": {
        "zh": "文件 {file} 第 {line} 行使用了 XInclude；不允许包含其他文件。",
        "en": "File {file} uses XInclude at line {line}; including other files is not allowed.",
    },
    "XML_MALFORMED": {
        "zh": "文件 {file} 第 {line} 行不是格式正确的 XML：{reason}",
        "en": "File {file} is not well-formed XML at line {line}: {reason}",
    },
}

_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_UTF8_NAMES = {"utf-8", "utf8"}
_UTF8_BOM = b"\xef\xbb\xbf"


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,  # SpiffWorkflow's parsers iterate children and trip over comment nodes
        remove_pis=True,
    )


def parse_xml(data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML into an lxml element tree, refusing anything unsafe or malformed.

    :raises InvalidDefinition: with ``file``, ``line`` and one of the codes in :data:`MESSAGES`.
    """
    if len(data) > max_bytes:
        raise InvalidDefinition(
            f"file is {len(data)} bytes, over the limit of {max_bytes}",
            code="FILE_TOO_LARGE",
            file=filename,
            size=len(data),
            limit=max_bytes,
        )
    _check_utf8(data, filename)
    _screen(data, filename)
    try:
        root = etree.fromstring(data, parser=_hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise _malformed(filename, exc.lineno, exc.msg or str(exc)) from None
    _refuse_xinclude(root, filename)
    return root


def _check_utf8(data: bytes, filename: str) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidDefinition(
            f"not UTF-8 (byte {exc.start})", code="XML_NOT_UTF8", file=filename, line=line
        ) from None
    declared = _XML_DECLARATION.match(data.removeprefix(_UTF8_BOM))
    if declared and declared.group(1).decode("ascii").lower() not in _UTF8_NAMES:
        raise InvalidDefinition(
            f"declares encoding {declared.group(1).decode('ascii')!r}; only UTF-8 is accepted",
            code="XML_NOT_UTF8",
            file=filename,
            line=1,
        )


def _screen(data: bytes, filename: str) -> None:
    """Run expat through defusedxml: DOCTYPE, entity declarations and external references raise."""
    screen = DefusedXMLParser(target=TreeBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        screen.feed(data)
        screen.close()
    except DTDForbidden as exc:
        raise InvalidDefinition(
            "DOCTYPE declarations are not allowed (no DTD, no entity declarations, no external DTD)",
            code="XML_DTD_FORBIDDEN",
            file=filename,
            line=screen.parser.CurrentLineNumber,
            doctype=exc.name,
            system_id=exc.sysid,
        ) from None
    except (EntitiesForbidden, ExternalReferenceForbidden) as exc:  # pragma: no cover - a DOCTYPE comes first
        raise InvalidDefinition(
            "entities and external references are not allowed",
            code="XML_ENTITY_FORBIDDEN",
            file=filename,
            line=screen.parser.CurrentLineNumber,
            entity=getattr(exc, "name", None),
        ) from None
    except ParseError as exc:
        line = exc.position[0]
        if exc.code == expat_errors.codes[expat_errors.XML_ERROR_UNDEFINED_ENTITY]:
            raise InvalidDefinition(
                "entity references are not allowed",
                code="XML_ENTITY_FORBIDDEN",
                file=filename,
                line=line,
                entity=_entity_at(data, line),
            ) from None
        raise _malformed(filename, line, ErrorString(exc.code)) from None


def _entity_at(data: bytes, line: int) -> str | None:
    """The first entity reference on ``line`` other than the five XML predefines, for the message."""
    text = data.decode("utf-8").splitlines()[line - 1] if line else ""
    for match in re.finditer(r"&([A-Za-z_][\w.-]*);", text):
        if match.group(1) not in {"amp", "lt", "gt", "quot", "apos"}:
            return match.group(1)
    return None


def _refuse_xinclude(root: etree._Element, filename: str) -> None:
    for namespace in XINCLUDE_NAMESPACES:
        for element in root.iter(f"{{{namespace}}}*"):
            raise InvalidDefinition(
                "XInclude is not allowed",
                code="XML_XINCLUDE_FORBIDDEN",
                file=filename,
                line=element.sourceline,
            )


def _malformed(filename: str, line: int | None, reason: str) -> InvalidDefinition:
    return InvalidDefinition(
        f"not well-formed XML: {reason}", code="XML_MALFORMED", file=filename, line=line, reason=reason
    )
