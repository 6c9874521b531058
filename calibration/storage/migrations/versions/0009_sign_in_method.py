"""How a user signs in: users.sign_in_method, "local" (a password or invitation links) or "sso"
(single sign-on; no local password is added to such an account).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing users are "local": who signed in with single sign-on is recorded at their next sign-in.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sign_in_method", sa.String(length=20), server_default=sa.text("'local'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("sign_in_method")
