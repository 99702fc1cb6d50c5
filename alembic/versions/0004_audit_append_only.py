"""audit_log is append-only: a trigger refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:30:00

The application only ever inserts audit rows. A trigger makes the database refuse the rest,
whatever the SQL comes from. It stops the application's own role on PostgreSQL unless that
role owns the table (an owner can drop the trigger): for a log the application cannot
rewrite at all, run migrations as the owner and the app as a role granted only SELECT and
INSERT on audit_log (README, security). `seed-demo --reset` drops and re-creates the tables
instead of deleting rows. On SQLite a table rebuilt by a batch migration loses its triggers:
a later migration that rebuilds audit_log must create them again (CREATE_SQLITE below).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_log is append-only (审计日志只能追加，不能修改或删除)"

CREATE_POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}: %', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
    """,
]
DROP_POSTGRESQL = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
]

# SQLite has no TRUNCATE; a DELETE without WHERE fires the trigger too (the truncate
# optimisation is off for a table with triggers).
CREATE_SQLITE = [
    f"""
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]
DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
]


def _run(statements: list[str]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(CREATE_POSTGRESQL)
    else:
        _run(CREATE_SQLITE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(DROP_POSTGRESQL)
    else:
        _run(DROP_SQLITE)
