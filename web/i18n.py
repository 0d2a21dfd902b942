"""Language of the web: Flask-Babel, Simplified Chinese by default, an English catalog, codes to texts.

The gettext catalogs ``web/translations/<locale>/LC_MESSAGES/messages.po`` are the ONE source of
texts the web shows: page texts (msgid: the English source text) and every code that engine,
casework, forms and connectors return (msgid: the code, e.g. ``GAP_FORECAST``; the text takes
``{param}`` placeholders). The ``.po`` files are compiled in memory the first time a locale is
needed (and again when a file changes), so there is no ``.mo`` file to build, commit or forget.

The locale of a request: the user's choice (session, then the ``shebao_lang`` cookie, both set by
the language switch), then the browser's Accept-Language, then Simplified Chinese.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale

from connectors.masking import scrub
from forms.messages import fill, render_param, separator

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DEFAULT_LOCALE = "zh_Hans_CN"
LOCALES = ("zh_Hans_CN", "en")
LANG_COOKIE = "shebao_lang"
SESSION_KEY = "lang"
# What the language switch shows, in each language's own words.
LANGUAGE_NAMES = {"zh_Hans_CN": "简体中文", "en": "English"}
# Accept-Language tags -> our locales.
_ACCEPT = {"zh": "zh_Hans_CN", "zh-cn": "zh_Hans_CN", "zh-hans": "zh_Hans_CN", "zh-hans-cn": "zh_Hans_CN", "en": "en"}

_lock = threading.Lock()
_compiled: dict[str, tuple[tuple[int, int], Translations]] = {}


def po_path(locale: str) -> Path:
    """Where the catalog of ``locale`` lives."""
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"


def catalog(locale: str) -> Translations | NullTranslations:
    """The compiled translations of ``locale`` (recompiled when its .po file changed)."""
    path = po_path(normalize_locale(locale))
    try:
        st = path.stat()
    except FileNotFoundError:
        return NullTranslations()
    stamp = (st.st_mtime_ns, st.st_size)
    with _lock:
        hit = _compiled.get(str(path))
        if hit and hit[0] == stamp:
            return hit[1]
        with path.open("rb") as fh:
            cat = read_po(fh, locale=normalize_locale(locale))
        buf = BytesIO()
        write_mo(buf, cat, use_fuzzy=False)
        buf.seek(0)
        compiled = Translations(fp=buf, domain="messages")
        _compiled[str(path)] = (stamp, compiled)
        return compiled


def normalize_locale(value: str | None) -> str:
    """One of :data:`LOCALES` for a locale name or language tag (``en-GB`` -> ``en``); default zh."""
    if not value:
        return DEFAULT_LOCALE
    text = str(value).replace("_", "-").lower()
    if text in _ACCEPT:
        return _ACCEPT[text]
    if text.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def select_locale() -> str:
    """The locale for the current request: the user's choice, then Accept-Language, then zh."""
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = session.get(SESSION_KEY) or request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return str(chosen)
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    return normalize_locale(best) if best else DEFAULT_LOCALE


def current_locale() -> str:
    """The locale in force (one of :data:`LOCALES`)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    loc = get_locale()
    return normalize_locale(str(loc)) if loc else DEFAULT_LOCALE


class _PoDomain(Domain):
    """A Flask-Babel domain whose translations come from the .po files, compiled in memory."""

    def get_translations(self) -> Translations | NullTranslations:
        return catalog(current_locale())


class _Babel(Babel):
    _domain = _PoDomain()

    @property
    def domain_instance(self) -> Domain:
        return self._domain


def init_i18n(app: Flask) -> None:
    """Attach Flask-Babel to ``app`` with our locale selection and the code-translating helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    _Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["t_code"] = lambda code, params=None, context=None: translate_code(code, params, context=context)
    app.jinja_env.globals.update(
        current_locale=current_locale,
        language_names=LANGUAGE_NAMES,
        translate_code=translate_code,
        html_lang=lambda: "en" if current_locale() == "en" else "zh-CN",
    )


# -- codes --------------------------------------------------------------------------------------------


def _lookup(trans: Translations | NullTranslations, code: str, context: str | None) -> str | None:
    if context:
        text = trans.upgettext(context, code)
        if text != code:
            return text
    text = trans.ugettext(code)
    return None if text == code else text


_MEDIA_LABELS = {"image/jpeg": "JPG", "image/png": "PNG", "application/pdf": "PDF", "image/gif": "GIF", "image/webp": "WebP"}


def _media(trans: Translations | NullTranslations, value: str) -> str:
    """A media type for people: ``JPG``, ``PDF``; an unknown one in words."""
    if value in _MEDIA_LABELS:
        return _MEDIA_LABELS[value]
    if value.endswith("/*"):
        return _lookup(trans, "MEDIA_ANY_" + value[:-2], None) or value
    return _lookup(trans, "MEDIA_UNKNOWN", None) or value if value == "application/octet-stream" else value


def _render_value(trans: Translations | NullTranslations, code: str, key: str, value: Any, lang: str) -> Any:
    if key in ("content_type", "accept"):
        items = value if isinstance(value, list | tuple) else [value]
        return separator(lang).join(_media(trans, str(v)) for v in items)
    if isinstance(value, bool):
        return _lookup(trans, "WORD_YES" if value else "WORD_NO", None) or str(value)
    if key in ("region", "old_region") and isinstance(value, str):
        return _region(value)
    return render_param(
        code,
        key,
        value,
        lang,
        item=lambda v: _render_item(trans, v),
        type_word=lambda name: _lookup(trans, f"JSON_TYPE_{name}", None) or name,
        or_word=_lookup(trans, "WORD_OR", None),
    )


_PLACEHOLDER_IN_BRACKETS = re.compile(r"\s*[（(]\{[a-z_]+\}[）)]")
_PLACEHOLDER = re.compile(r"\s*\{[a-z_]+\}")


def _bare(text: str) -> str:
    """A text whose parameters are unknown, without its placeholders (a short form of a nested code)."""
    return _PLACEHOLDER.sub("", _PLACEHOLDER_IN_BRACKETS.sub("", text))


def _render_item(trans: Translations | NullTranslations, item: Any) -> Any:
    """A list item or string parameter: a known code, material or decision is translated; numbers masked."""
    if isinstance(item, Mapping) and "code" in item:
        params = item.get("params") or {}
        text = translate_code(str(item["code"]), params, _trans=trans)
        return text if params else _bare(text)
    if isinstance(item, str):
        if item.isupper() and item.replace("_", "").isalnum():
            found = _lookup(trans, item, None)
            if found:
                return _bare(found)
        if item.replace("_", "").isalnum():
            for prefix in ("MATERIAL_", "DECISION_", "OCR_DOC_"):
                label = _lookup(trans, prefix + item.upper() if prefix == "MATERIAL_" else prefix + item, None)
                if label:
                    return label
        return scrub(item)
    return scrub(item)


def _region(value: Any) -> Any:
    """A 6-digit division code with its province's name: ``440300（广东省）``."""
    from casework.divisions import province_name

    name = province_name(value) if isinstance(value, str) and value.isdigit() else ""
    return f"{value}（{name}）" if name else value


def translate_code(
    code: str,
    params: Mapping[str, Any] | None = None,
    *,
    context: str | None = None,
    locale: str | None = None,
    _trans: Translations | NullTranslations | None = None,
) -> str:
    """The text of a code with its parameters in the request's (or ``locale``'s) language.

    ``context`` names the catalog section for the few codes two packages use with different meanings
    (e.g. ``deploy`` for a deployment's ``FILE_TOO_LARGE``). An unknown code comes back as the code;
    a missing parameter stays as ``{name}``. Resident IDs and card numbers in parameters are masked.
    """
    lang = locale or current_locale()
    trans = _trans or catalog(lang)
    template = _lookup(trans, code, context)
    if template is None:
        return code
    return fill(template, {k: _render_value(trans, code, k, v, lang) for k, v in (params or {}).items()})
