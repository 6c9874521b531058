"""Images of published guideline versions: guideline_images (path, sha256, media type, size, bytes).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guideline_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guideline_version_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=50), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guideline_version_id"],
            ["guideline_versions.id"],
            name=op.f("fk_guideline_images_guideline_version_id_guideline_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guideline_images")),
        sa.UniqueConstraint(
            "guideline_version_id", "path", name=op.f("uq_guideline_images_guideline_version_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("guideline_images")
