"""The send log: each recipient's state for each issue, as bulletin 0.1 kept it."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recipients",
        sa.Column("issue", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(320), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("updated", sa.String(32), nullable=False),
    )
    op.create_index("recipients_by_state", "recipients", ["issue", "state"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("meta")
    op.drop_index("recipients_by_state", "recipients")
    op.drop_table("recipients")
