"""Low-code: custom task fields (task.custom), 督办事项来源 (task_category, task.category_id), saved views, saved charts and their pins

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-11 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "custom_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("help", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("custom_field", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_field_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "saved_chart",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("shared_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("saved_chart", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_chart_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_saved_chart_shared_role"), ["shared_role"], unique=False
        )

    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("shared_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("page", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("saved_view", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_view_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_saved_view_shared_role"), ["shared_role"], unique=False
        )

    op.create_table(
        "chart_pin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chart_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chart_id"],
            ["saved_chart.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chart_id", "user_id", "role"),
    )
    with op.batch_alter_table("chart_pin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chart_pin_chart_id"), ["chart_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chart_pin_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_chart_pin_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category_id", sa.Integer(), nullable=True))
        # existing tasks get no values: an empty object
        batch_op.add_column(
            sa.Column("custom", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.create_index(batch_op.f("ix_task_category_id"), ["category_id"], unique=False)
        batch_op.create_foreign_key("fk_task_category_id", "task_category", ["category_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_constraint("fk_task_category_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_task_category_id"))
        batch_op.drop_column("custom")
        batch_op.drop_column("category_id")

    with op.batch_alter_table("chart_pin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chart_pin_user_id"))
        batch_op.drop_index(batch_op.f("ix_chart_pin_role"))
        batch_op.drop_index(batch_op.f("ix_chart_pin_chart_id"))

    op.drop_table("chart_pin")
    with op.batch_alter_table("saved_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_view_shared_role"))
        batch_op.drop_index(batch_op.f("ix_saved_view_owner_id"))

    op.drop_table("saved_view")
    with op.batch_alter_table("saved_chart", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_chart_shared_role"))
        batch_op.drop_index(batch_op.f("ix_saved_chart_owner_id"))

    op.drop_table("saved_chart")
    with op.batch_alter_table("custom_field", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_field_plan_id"))

    op.drop_table("custom_field")
    op.drop_table("task_category")
