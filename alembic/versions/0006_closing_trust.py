"""Trust in closing actions: withdrawn notices, report corrections, 批示 on behalf, 撤销销号

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATUS = sa.Enum("draft", "issued", name="noticestatus")
_NEW_STATUS = sa.Enum("draft", "issued", "withdrawn", name="noticestatus")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


@contextmanager
def _rebuilding_tables() -> Iterator[None]:
    """SQLite adds a foreign key or changes a type by rebuilding the table (copy, DROP,
    RENAME) while other tables point at it: its documented way is with foreign keys off,
    which only takes effect outside a transaction, and a foreign_key_check before they are
    on again (https://www.sqlite.org/lang_altertable.html#otheralter). SQLite runs the DDL
    of earlier migrations outside a transaction already, so committing first changes nothing."""
    if not _sqlite():
        yield
        return
    raw = op.get_bind().connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"0006: foreign keys broken by the rebuild: {broken[:5]}")
        if raw.in_transaction:
            raw.commit()
    except BaseException:
        if raw.in_transaction:
            raw.rollback()
        raise
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def upgrade() -> None:
    if not _sqlite():
        # PostgreSQL keeps the vocabulary as a type: the new value joins it (never removed)
        op.execute("ALTER TYPE noticestatus ADD VALUE IF NOT EXISTS 'withdrawn'")
    with _rebuilding_tables():
        _upgrade_tables()
    with op.batch_alter_table("task") as batch_op:  # a plain ADD COLUMN, no rebuild
        batch_op.add_column(sa.Column("reopened_at", sa.DateTime(), nullable=True))


def _upgrade_tables() -> None:
    with op.batch_alter_table("notice") as batch_op:
        if _sqlite():
            batch_op.alter_column(
                "status", existing_type=_OLD_STATUS, type_=_NEW_STATUS, existing_nullable=False
            )
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("withdraw_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.create_foreign_key("fk_notice_withdrawn_by", "app_user", ["withdrawn_by"], ["id"])
    with op.batch_alter_table("progress_report") as batch_op:
        batch_op.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("correction_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.create_index("ix_progress_report_supersedes_id", ["supersedes_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_progress_report_supersedes_id", "progress_report", ["supersedes_id"], ["id"]
        )
    with op.batch_alter_table("instruction") as batch_op:
        batch_op.add_column(sa.Column("on_behalf_of", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_instruction_on_behalf_of", "app_user", ["on_behalf_of"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.drop_column("reopened_at")
    with _rebuilding_tables():
        _downgrade_tables()
    if not _sqlite():
        op.execute("ALTER TYPE noticestatus RENAME TO noticestatus_0006")
        _OLD_STATUS.create(op.get_bind())
        op.execute(
            "ALTER TABLE notice ALTER COLUMN status TYPE noticestatus"
            " USING status::text::noticestatus"
        )
        op.execute("DROP TYPE noticestatus_0006")


def _downgrade_tables() -> None:
    with op.batch_alter_table("instruction") as batch_op:
        batch_op.drop_constraint("fk_instruction_on_behalf_of", type_="foreignkey")
        batch_op.drop_column("on_behalf_of")
    with op.batch_alter_table("progress_report") as batch_op:
        batch_op.drop_constraint("fk_progress_report_supersedes_id", type_="foreignkey")
        batch_op.drop_index("ix_progress_report_supersedes_id")
        batch_op.drop_column("correction_reason")
        batch_op.drop_column("supersedes_id")
    # A withdrawn notice was issued: that is what the older schema can say of it.
    op.execute("UPDATE notice SET status = 'issued' WHERE status = 'withdrawn'")
    with op.batch_alter_table("notice") as batch_op:
        batch_op.drop_constraint("fk_notice_withdrawn_by", type_="foreignkey")
        batch_op.drop_column("withdraw_reason")
        batch_op.drop_column("withdrawn_by")
        batch_op.drop_column("withdrawn_at")
        if _sqlite():
            batch_op.alter_column(
                "status", existing_type=_NEW_STATUS, type_=_OLD_STATUS, existing_nullable=False
            )
