"""Drafts of forms: kept per user and task (or case start) until the form is submitted."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete

from web.context import engine
from web.pages.common import now
from web.pages.models import FormDraft


def load_draft(user_id: str, key: str) -> dict[str, Any] | None:
    """The saved draft of ``key`` for ``user_id``, or None."""
    eng = engine()
    with eng.db.reading() as uow:
        row = uow.session.get(FormDraft, (user_id, key))
        if row is None:
            return None
        stored = row.data
    data = json.loads(eng.cipher.decrypt_text(stored))
    return data if isinstance(data, dict) else None


def save_draft(user_id: str, key: str, data: dict[str, Any]) -> None:
    """Keep ``data`` as the draft of ``key`` (replacing an older one)."""
    eng = engine()
    text = eng.cipher.encrypt_text(json.dumps(data, ensure_ascii=False, default=str))
    with eng.db.unit_of_work() as uow:
        row = uow.session.get(FormDraft, (user_id, key))
        if row is None:
            uow.session.add(FormDraft(user_id=user_id, draft_key=key, data=text, updated_at=now()))
        else:
            row.data, row.updated_at = text, now()
        uow.commit()


def drop_draft(user_id: str, key: str) -> None:
    """Forget the draft of ``key`` (after the form was submitted)."""
    with engine().db.unit_of_work() as uow:
        uow.session.execute(delete(FormDraft).where(FormDraft.user_id == user_id, FormDraft.draft_key == key))
        uow.commit()
