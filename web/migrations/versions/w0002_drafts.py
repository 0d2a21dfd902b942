"""web pages: form drafts and seen notifications

Revision ID: w0002
Revises: w0001
"""

import sqlalchemy as sa
from alembic import op

import engine.db.models

revision = "w0002"
down_revision = "w0001"
branch_labels = None
depends_on = None

UTC = engine.db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_form_drafts",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("draft_key", sa.String(length=200), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "draft_key", name=op.f("pk_web_form_drafts")),
    )
    op.create_table(
        "web_notifications_seen",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("item_key", sa.String(length=300), nullable=False),
        sa.Column("seen_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "item_key", name=op.f("pk_web_notifications_seen")),
    )


def downgrade() -> None:
    op.drop_table("web_notifications_seen")
    op.drop_table("web_form_drafts")
