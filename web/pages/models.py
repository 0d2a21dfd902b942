"""The pages' own tables: form drafts and which notifications a user has seen (migration w0002)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db.models import UTCDateTime
from web.auth.models import WebBase


class FormDraft(WebBase):
    """A form someone started and saved without submitting (data encrypted with the data key)."""

    __tablename__ = "web_form_drafts"
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    draft_key: Mapped[str] = mapped_column(String(200), primary_key=True)  # a task id or "start:<kind>"
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationSeen(WebBase):
    """A notification a user has seen (by its key, e.g. ``task:<id>`` or ``warning:<case>:<code>``)."""

    __tablename__ = "web_notifications_seen"
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
