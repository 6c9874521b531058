"""Revocable sessions, sign-in budgets, an annotator's own rounds: users.session_version and
deactivated_at; sign-in attempts by client; assignments indexed by annotator.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_sign_in_failures_client_at", ["client", "at"], unique=False)
        batch_op.create_index("ix_sign_in_failures_at", ["at"], unique=False)
    with op.batch_alter_table("assignments", schema=None) as batch_op:  # an annotator's own rounds
        batch_op.create_index(
            "ix_assignments_annotator", ["annotator_id", "round_id", "attempt_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_annotator")
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_failures_at")
        batch_op.drop_index("ix_sign_in_failures_client_at")
        batch_op.drop_column("client")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("session_version")
