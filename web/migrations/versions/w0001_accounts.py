"""web accounts: users, roles, scopes, API tokens, sessions, sign-in audit

Revision ID: w0001
Revises:
Depends on: 0001
"""

import sqlalchemy as sa
from alembic import op

import engine.db.models

revision = "w0001"
down_revision = None
branch_labels = ("web",)
depends_on = "0001"

UTC = engine.db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=True),
        sa.Column("person_id", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("totp_secret", sa.Text(), nullable=True),
        sa.Column("totp_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("password_changed_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_users")),
        sa.UniqueConstraint("username", name=op.f("uq_web_users_username")),
    )
    op.create_index(op.f("ix_web_users_person_id"), "web_users", ["person_id"], unique=False)
    op.create_table(
        "web_user_roles",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column(
            "role",
            sa.Enum("employee", "hr", "hr_lead", "designer", "admin", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["web_users.id"], name=op.f("fk_web_user_roles_user_id_web_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_web_user_roles")),
    )
    op.create_table(
        "web_user_scopes",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("employer_id", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["web_users.id"], name=op.f("fk_web_user_scopes_user_id_web_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "employer_id", "city", name=op.f("pk_web_user_scopes")),
    )
    op.create_table(
        "web_api_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=True),
        sa.Column("last_used_at", UTC, nullable=True),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["web_users.id"], name=op.f("fk_web_api_tokens_user_id_web_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_web_api_tokens_user_id"), "web_api_tokens", ["user_id"], unique=False)
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["web_users.id"], name=op.f("fk_web_sessions_user_id_web_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"], unique=False)
    op.create_table(
        "web_auth_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column(
            "event",
            sa.Enum(
                "login_ok", "login_failed", "login_throttled", "totp_failed", "logout", "token_created",
                "token_revoked", "password_set", "totp_enabled", "totp_disabled",
                name="autheventkind", native_enum=False, length=24,
            ),
            nullable=False,
        ),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_auth_events")),
    )
    op.create_index("ix_web_auth_events_limit", "web_auth_events", ["event", "username", "ip", "at"], unique=False)
    op.create_index("ix_web_auth_events_ip", "web_auth_events", ["event", "ip", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("web_auth_events")
    op.drop_table("web_sessions")
    op.drop_table("web_api_tokens")
    op.drop_table("web_user_scopes")
    op.drop_table("web_user_roles")
    op.drop_table("web_users")
