"""Safe XML parsing: hostile or broken files are refused with the file and line, and nothing is read."""

from __future__ import annotations

import pytest
from lxml import etree

from engine.errors import InvalidDefinition
from engine.xmlsafe import MESSAGES, parse_xml

FILE = "transfer/transfer.bpmn"


def refusal(data: bytes, **kwargs: int) -> InvalidDefinition:
    with pytest.raises(InvalidDefinition) as caught:
        parse_xml(data, FILE, **kwargs)
    return caught.value


def test_a_well_formed_document_becomes_an_lxml_tree_with_line_numbers() -> None:
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">\n'
        b"  <!-- a modeller comment -->\n"
        b'  <bpmn:process id="p" name="\xe8\xbd\xac\xe7\xa7\xbb &amp; more" isExecutable="true" />\n'
        b"</bpmn:definitions>\n"
    )
    root = parse_xml(data, FILE)
    assert isinstance(root, etree._Element)
    process = root[0]
    assert process.get("name") == "转移 & more"
    assert process.sourceline == 4
    assert [child.tag for child in root] == [process.tag]  # comments are dropped


def test_a_file_over_the_size_cap_is_refused_before_parsing() -> None:
    malformed_and_large = b"<!DOCTYPE a>\n<a>" + b"x" * 200
    error = refusal(malformed_and_large, max_bytes=100)
    assert error.code == "FILE_TOO_LARGE"
    assert error.file == FILE
    assert error.params["size"] == len(malformed_and_large) and error.params["limit"] == 100


def test_the_default_cap_is_two_million_bytes() -> None:
    assert refusal(b"<a>" + b" " * 2_000_000 + b"</a>").code == "FILE_TOO_LARGE"


def test_a_billion_laughs_payload_is_refused_at_its_doctype_line() -> None:
    data = (
        b'<?xml version="1.0"?>\n'
        b"<!DOCTYPE lolz [\n"
        b' <!ENTITY lol "lol">\n'
        b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        b' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
        b"]>\n"
        b"<lolz>&lol3;</lolz>\n"
    )
    error = refusal(data)
    assert (error.code, error.file, error.line) == ("XML_DTD_FORBIDDEN", FILE, 2)


def test_an_external_entity_reading_a_local_file_is_refused() -> None:
    data = (
        b'<?xml version="1.0"?>\n'
        b"\n"
        b'<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
        b"<foo>&xxe;</foo>\n"
    )
    error = refusal(data)
    assert (error.code, error.file, error.line) == ("XML_DTD_FORBIDDEN", FILE, 3)
    assert "root:" not in str(error)


def test_an_external_dtd_is_refused_and_named() -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE foo SYSTEM "http://127.0.0.1:9/evil.dtd">\n<foo/>\n'
    error = refusal(data)
    assert (error.code, error.line) == ("XML_DTD_FORBIDDEN", 2)
    assert error.params["system_id"] == "http://127.0.0.1:9/evil.dtd"


def test_a_parameter_entity_is_refused() -> None:
    data = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE foo [ <!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote; ]>\n'
        b"<foo/>\n"
    )
    error = refusal(data)
    assert (error.code, error.line) == ("XML_DTD_FORBIDDEN", 2)


def test_a_reference_to_an_undeclared_entity_is_refused_with_its_name() -> None:
    data = b'<?xml version="1.0"?>\n<a>\n  <b>caf&eacute;</b>\n</a>\n'
    error = refusal(data)
    assert (error.code, error.file, error.line) == ("XML_ENTITY_FORBIDDEN", FILE, 3)
    assert error.params["entity"] == "eacute"


def test_an_xinclude_is_refused_even_though_it_would_not_be_processed() -> None:
    data = (
        b'<?xml version="1.0"?>\n'
        b'<a xmlns:xi="http://www.w3.org/2001/XInclude">\n'
        b"  <b/>\n"
        b'  <xi:include href="file:///etc/passwd" parse="text"/>\n'
        b"</a>\n"
    )
    error = refusal(data)
    assert (error.code, error.file, error.line) == ("XML_XINCLUDE_FORBIDDEN", FILE, 4)


def test_malformed_xml_is_refused_with_the_line_of_the_mistake() -> None:
    data = b'<?xml version="1.0"?>\n<a>\n  <b>\n  </c>\n</a>\n'
    error = refusal(data)
    assert (error.code, error.file, error.line) == ("XML_MALFORMED", FILE, 4)
    assert error.params["reason"] == "mismatched tag"


def test_an_empty_file_is_malformed() -> None:
    assert refusal(b"").code == "XML_MALFORMED"


def test_bytes_that_are_not_utf8_are_refused_at_their_line() -> None:
    data = '<?xml version="1.0"?>\n<a>\n  <b>转移</b>\n</a>\n'.encode("gbk")
    error = refusal(data)
    assert (error.code, error.file, error.line) == ("XML_NOT_UTF8", FILE, 3)


def test_a_declared_encoding_other_than_utf8_is_refused() -> None:
    error = refusal(b'<?xml version="1.0" encoding="GB2312"?>\n<a/>\n')
    assert (error.code, error.line) == ("XML_NOT_UTF8", 1)


def test_utf16_is_refused() -> None:
    assert refusal('<?xml version="1.0"?><a/>'.encode("utf-16")).code == "XML_NOT_UTF8"


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_xml(b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\n<a/>', FILE).tag == "a"


def test_every_refusal_code_has_chinese_and_english_text() -> None:
    raised = {
        refusal(b"<a>" + b"x" * 200 + b"</a>", max_bytes=100).code,
        refusal(b"<!DOCTYPE a>\n<a/>").code,
        refusal(b"<a>&x;</a>").code,
        refusal(b'<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="x"/></a>').code,
        refusal(b"<a>").code,
        refusal(b"<a>\xff</a>").code,
    }
    assert raised <= set(MESSAGES)
    for texts in MESSAGES.values():
        assert texts["zh"] and texts["en"]
