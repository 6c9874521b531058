"""Item and annotator model (IRT) fits stored with their guideline version: item_model_fits.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_model_fits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guideline_version_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=10), nullable=False),
        sa.Column("n_answers", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("estimates", sa.JSON(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guideline_version_id"],
            ["guideline_versions.id"],
            name=op.f("fk_item_model_fits_guideline_version_id_guideline_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_model_fits")),
    )
    with op.batch_alter_table("item_model_fits", schema=None) as batch_op:
        batch_op.create_index("ix_item_model_fits_version_at", ["guideline_version_id", "fitted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("item_model_fits", schema=None) as batch_op:
        batch_op.drop_index("ix_item_model_fits_version_at")
    op.drop_table("item_model_fits")
