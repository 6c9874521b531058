"""A password a lead chose must be replaced at the next sign-in: users.must_change_password; a model's
certification has no attempt: certifications.attempt_id becomes nullable.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.alter_column("attempt_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # A certification without an attempt (a model's, `calibration certify-model --store`) cannot be
    # kept by the older schema: it is deleted.
    op.execute(sa.text("DELETE FROM certifications WHERE attempt_id IS NULL"))
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.alter_column("attempt_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
