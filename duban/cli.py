"""Command-line tools: database setup, demo data, users, backup, plan parsing."""

import argparse
import getpass
import shutil
import sqlite3
import sys
import time
from pathlib import Path

from duban.core.errors import DubanError
from duban.core.logs import configure_logging
from duban.core.settings import get_settings


def _engine():
    from duban.core.db import make_engine

    return make_engine(get_settings().database_url)


def cmd_init_db(args) -> int:
    from duban.core.db import upgrade

    engine = _engine()
    upgrade(engine)
    print("数据库已升级到最新版本。")
    return 0


def cmd_prepare(args) -> int:
    """What `make run` does first: migrate, then seed the demo if empty (demo mode only)."""
    from duban.core.db import session_scope, upgrade
    from duban.seed import demo

    s = get_settings()
    engine = _engine()
    upgrade(engine)
    with session_scope(engine) as session:
        if s.is_demo and demo.database_is_empty(session):
            counts = demo.seed_demo(session)
            print(f"已生成演示数据：{counts}")
        elif demo.database_is_empty(session):
            print("数据库为空。生产模式不生成演示账号，请用 create-user 创建管理员。")
    return 0


def cmd_seed_demo(args) -> int:
    from duban.core.db import session_scope, upgrade
    from duban.seed import demo, large

    s = get_settings()
    if not s.is_demo:
        print("错误：生产模式（DUBAN_MODE=production）下不能生成演示数据。", file=sys.stderr)
        return 2
    engine = _engine()
    upgrade(engine)
    with session_scope(engine) as session:
        if not demo.database_is_empty(session):
            if not args.reset:
                print("错误：数据库已有数据；如需清空后重建，请加 --reset。", file=sys.stderr)
                return 2
            demo.reset(session)
        t0 = time.perf_counter()
        counts = large.seed_large(session) if args.scale == "large" else demo.seed_demo(session)
    print(
        f"已生成{'压测' if args.scale == 'large' else '演示'}数据（{time.perf_counter() - t0:.1f} 秒）："
    )
    for k, v in counts.items():
        print(f"  {k}: {v}")
    return 0


def cmd_create_user(args) -> int:
    from sqlmodel import select

    from duban.core.db import session_scope
    from duban.core.permissions import Actor
    from duban.org import users
    from models import Department

    password = args.password or getpass.getpass("密码：")
    engine = _engine()
    with session_scope(engine) as session:
        dept_id = None
        if args.department:
            dept = session.exec(
                select(Department).where(Department.name == args.department)
            ).first()
            if dept is None:
                print(f"错误：单位“{args.department}”不存在。", file=sys.stderr)
                return 2
            dept_id = dept.id
        users.create_user(
            session,
            actor=Actor.system(),
            username=args.username,
            display_name=args.name or args.username,
            role=args.role,
            department_id=dept_id,
            password=password,
        )
    print(f"已创建用户 {args.username}（{args.role}）。")
    return 0


def cmd_set_password(args) -> int:
    from duban.core.db import session_scope
    from duban.org import users

    password = args.password or getpass.getpass("新密码：")
    with session_scope(_engine()) as session:
        users.set_password_cli(session, args.username, password)
    print(f"已重置 {args.username} 的密码并解除锁定。")
    return 0


def cmd_backup(args) -> int:
    s = get_settings()
    engine = _engine()
    out = Path(args.out)
    if engine.url.get_backend_name() != "sqlite":
        u = engine.url
        print("PostgreSQL 请使用 pg_dump 备份，例如：")
        print(
            f"  PGPASSWORD=*** pg_dump -h {u.host or 'localhost'} -p {u.port or 5432} "
            f"-U {u.username} -Fc -f {out} {u.database}"
        )
        return 0
    src = engine.url.database
    if not src or not Path(src).exists():
        print(f"错误：数据库文件不存在：{src}", file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".part")
    # sqlite3's online backup API copies a consistent snapshot even while the app writes.
    with sqlite3.connect(src) as s_conn, sqlite3.connect(tmp) as d_conn:
        s_conn.backup(d_conn)
    shutil.move(tmp, out)
    print(f"已备份到 {out}（{out.stat().st_size // 1024} KB）。{s.database_url and ''}")
    return 0


def cmd_parse_plan(rest: list[str]) -> int:
    from duban.intake.parse import cli_parse_plan

    return cli_parse_plan(rest)


def cmd_import_plan(rest: list[str]) -> int:
    from duban.intake.importer import cli_import_plan

    return cli_import_plan(rest)


PASSTHROUGH = {"parse-plan": cmd_parse_plan, "import-plan": cmd_import_plan}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m duban", description="督办台命令行工具")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="创建或升级数据库到最新迁移").set_defaults(fn=cmd_init_db)
    sub.add_parser("prepare", help="升级数据库；演示模式下空库自动生成演示数据").set_defaults(
        fn=cmd_prepare
    )
    sp = sub.add_parser("seed-demo", help="生成演示数据（demo）或压测数据（large）")
    sp.add_argument("--scale", choices=["demo", "large"], default="demo")
    sp.add_argument("--reset", action="store_true", help="先清空现有数据")
    sp.set_defaults(fn=cmd_seed_demo)
    cu = sub.add_parser("create-user", help="创建用户")
    cu.add_argument("username")
    cu.add_argument("--role", required=True, choices=["leader", "office", "inspector", "dept_head"])
    cu.add_argument("--name")
    cu.add_argument("--department", help="所属单位全称（责任单位负责人必填）")
    cu.add_argument("--password", help="不填则交互输入")
    cu.set_defaults(fn=cmd_create_user)
    spw = sub.add_parser("set-password", help="重置用户密码并解除锁定")
    spw.add_argument("username")
    spw.add_argument("--password")
    spw.set_defaults(fn=cmd_set_password)
    bk = sub.add_parser(
        "backup", help="备份数据库（SQLite 一致性快照；PostgreSQL 给出 pg_dump 命令）"
    )
    bk.add_argument("out")
    bk.set_defaults(fn=cmd_backup)
    sub.add_parser("parse-plan", help="解析实施方案文件，输出 JSON（不写库）", add_help=False)
    sub.add_parser("import-plan", help="解析并导入实施方案（--commit 才写库）", add_help=False)
    return p


def main(argv: list[str]) -> int:
    try:
        level = get_settings().log_level
    except DubanError:
        level = "INFO"  # a command that needs the settings reports the configuration error
    configure_logging(level)
    if argv and argv[0] in PASSTHROUGH:
        return PASSTHROUGH[argv[0]](argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except DubanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
