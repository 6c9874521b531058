"""Lead administration: archived rounds, account invitations (no round, a role).

Users' ``deactivated_at`` comes with 0002 (sessions and sign-in limits).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=True))
        batch_op.alter_column("round_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.execute("DELETE FROM invitations WHERE round_id IS NULL")
        batch_op.alter_column("round_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("role")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
