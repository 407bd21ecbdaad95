"""The subscriber list: each address with its state and the record of its consent."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("key", sa.String(320), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("consent", sa.Text, nullable=False, server_default=""),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("consented", sa.String(32), nullable=False),
        sa.Column("confirmed", sa.String(32), nullable=False, server_default=""),
        sa.Column("soft_bounces", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("updated", sa.String(32), nullable=False),
    )
    op.create_index("subscribers_by_state", "subscribers", ["state", "created"])


def downgrade() -> None:
    op.drop_index("subscribers_by_state", "subscribers")
    op.drop_table("subscribers")
