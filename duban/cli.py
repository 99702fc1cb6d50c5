"""Command-line tools: database setup, demo data, users, backup, plan parsing and import, the
reminder worker."""

import argparse
import datetime as dt
import getpass
import json
import logging
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import Engine
from sqlmodel import select

from duban.core import backup, clock
from duban.core.db import head_revision, make_engine, session_scope, upgrade
from duban.core.errors import DubanError
from duban.core.logs import configure_logging
from duban.core.permissions import Actor
from duban.core.settings import get_settings
from duban.fields import categories
from duban.intake import drafts, importer, matching
from duban.intake.parse import reader
from duban.intake.parse.model import PlanParseError
from duban.org import users
from duban.reminders import worker
from duban.seed import demo, large
from models import Department

log = logging.getLogger(__name__)


def _engine() -> Engine:
    return make_engine(get_settings().database_url)


def cmd_init_db(args: argparse.Namespace) -> int:
    engine = _engine()
    upgrade(engine)
    print("数据库已升级到最新版本。")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """What `make run` does first: migrate, delete interrupted plan imports, preset the common
    督办事项来源 on a first run, then seed the demo if empty (demo mode only)."""
    s = get_settings()
    engine = _engine()
    upgrade(engine)
    with session_scope(engine) as session:
        categories.ensure_defaults(session)
        discarded = importer.clean_abandoned_imports(session)
        if discarded:
            print(
                f"已清理 {len(discarded)} 个中断的方案导入（编号 {'、'.join(map(str, discarded))}）。"
            )
        if s.is_demo and demo.database_is_empty(session):
            counts = demo.seed_demo(session)
            print(f"已生成演示数据：{counts}")
        elif demo.database_is_empty(session):
            print("数据库为空。生产模式不生成演示账号，请用 create-user 创建管理员。")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    s = get_settings()
    if not s.is_demo:
        print("错误：生产模式（DUBAN_MODE=production）下不能生成演示数据。", file=sys.stderr)
        return 2
    engine = _engine()
    upgrade(engine)
    with session_scope(engine) as session:
        empty = demo.database_is_empty(session)
    if not empty:
        if not args.reset:
            print("错误：数据库已有数据；如需清空后重建，请加 --reset。", file=sys.stderr)
            return 2
        demo.reset(engine)
    with session_scope(engine) as session:
        t0 = time.perf_counter()
        counts = large.seed_large(session) if args.scale == "large" else demo.seed_demo(session)
    print(
        f"已生成{'压测' if args.scale == 'large' else '演示'}数据（{time.perf_counter() - t0:.1f} 秒）："
    )
    for k, v in counts.items():
        print(f"  {k}: {v}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
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


def cmd_set_password(args: argparse.Namespace) -> int:
    password = args.password or getpass.getpass("新密码：")
    with session_scope(_engine()) as session:
        users.set_password_cli(session, args.username, password)
    print(f"已重置 {args.username} 的密码并解除锁定。")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """One archive: the database snapshot, every evidence file, a manifest with hashes."""
    s = get_settings()
    out = Path(args.out)
    res = backup.create_backup(_engine(), s.upload_dir, out)
    m = res.manifest
    rows = sum(m["tables"].values())
    print(
        f"已备份到 {out}（{out.stat().st_size / 1024 / 1024:.1f} MB）：数据库 {len(m['tables'])} 张表"
        f" {rows} 行（迁移版本 {m['schema_revision'] or '—'}），附件文件 {len(m['files'])} 个。"
    )
    for label, shas in (("丢失", res.missing), ("已损坏", res.damaged)):
        if shas:
            print(
                f"警告：{len(shas)} 个附件文件{label}，未能备份（清单中已记录）：{'、'.join(shas[:5])}",
                file=sys.stderr,
            )
    return 1 if res.missing or res.damaged else 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Into an empty database and upload folder (or --force); every hash checked first."""
    s = get_settings()
    engine = _engine()
    res = backup.restore_backup(engine, s.upload_dir, Path(args.archive), force=args.force)
    m = res.manifest
    print(
        f"已从 {args.archive}（{m['created_at']} 备份）恢复：数据库 {len(m['tables'])} 张表"
        f" {sum(m['tables'].values())} 行，附件文件 {len(m['files'])} 个，校验全部通过。"
    )
    if m["schema_revision"] != head_revision():
        print(
            f"提示：备份的数据库版本为 {m['schema_revision']}，请运行 python -m duban init-db 升级。"
        )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run due jobs and send due messages: once (--once), or every --interval seconds until
    SIGTERM. --now runs one pass as if it were that moment (the clock is frozen for it)."""
    engine = _engine()
    if args.once or args.now:
        if args.now:
            with clock.frozen(args.now):
                summary = worker.run_once(engine, now=args.now)
        else:
            summary = worker.run_once(engine)
        print(summary.line())
        return 1 if summary.jobs_failed else 0
    worker.run_forever(engine, interval=args.interval)
    return 0


# ---------------------------------------------------------------- plans


def cmd_parse_plan(args: argparse.Namespace) -> int:
    """Print the plan as JSON; writes nothing."""
    try:
        plan = reader.parse_plan_file(args.file, year=args.year)
    except PlanParseError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(plan.to_json_dict(), ensure_ascii=False, indent=2))
    return 0


def cmd_import_plan(args: argparse.Namespace) -> int:
    """Show what the file would import; with --commit, import it."""
    path = Path(args.file)
    if not path.is_file():
        raise PlanParseError(f"找不到文件：{path}")
    if path.stat().st_size > reader.MAX_BYTES:
        raise PlanParseError("文件过大，方案文件不能超过 10 MB")
    data = path.read_bytes()
    draft, errors = importer.load_draft(data, path.name, year=args.year)
    errors = errors + drafts.validate_draft(draft)
    with session_scope(_engine()) as session:
        matches = matching.match_units(session, draft.unit_names())
        _print_draft(draft, matches, errors)
        if errors:
            print(f"错误：有 {len(errors)} 处需要修改，未导入。", file=sys.stderr)
            return 2
        prev = importer.find_previous_import(session, data)
        if prev is not None and not args.force:
            message = importer.reimport_message(prev).replace("勾选“仍然导入”", "加 --force")
            print(f"错误：{message}", file=sys.stderr)
            return 2
        unmatched = [n for n, m in matches.items() if not m.matched]
        mapping: dict[str, Any] = {}
        if unmatched:
            if args.create_units:
                mapping = {n: matching.CREATE for n in unmatched}
            elif args.drop_unmatched:
                mapping = {n: matching.DROP for n in unmatched}
            elif args.commit:
                print(
                    f"错误：{len(unmatched)} 个单位未匹配（{'、'.join(unmatched[:10])}）；"
                    "请先在单位管理中添加，或加 --create-units 新建、--drop-unmatched 不导入。",
                    file=sys.stderr,
                )
                return 2
        if not args.commit:
            print("预览完成（未写入数据库）；加 --commit 导入。")
            return 0
        res = importer.commit_import(
            session,
            actor=Actor.system(),
            draft=draft,
            mapping=mapping,
            source_name=path.name,
            source_bytes=data,
            force=args.force,
        )
    print(_imported_line(res))
    return 0


def _print_draft(
    draft: drafts.ImportDraft,
    matches: dict[str, matching.UnitMatch],
    errors: list[drafts.RowError],
) -> None:
    """The preview: header, tasks, how each unit name matched, warnings and errors."""
    print(f"方案名称：{draft.title or '（未识别）'}")
    print(
        f"发文单位：{draft.issuer or '—'}　文号：{draft.doc_number or '—'}"
        f"　成文日期：{draft.issued_on or '—'}"
    )
    no_deadline = sum(1 for t in draft.tasks if t.deadline is None)
    if draft.phases:
        print(f"阶段：{'、'.join(draft.phases)}")
    print(f"任务：{len(draft.tasks)} 项（未识别完成时限 {no_deadline} 项）")
    for t in draft.tasks:
        units = "、".join(t.lead_units) or "—"
        others = "、".join(t.responsible_units)
        line = f"  {t.code or '·'} {t.title[:40]}　牵头：{units}"
        line += f"　责任：{others}" if others else ""
        line += f"　时限：{t.deadline or '—'}" + (f"　阶段：{t.phase}" if t.phase else "")
        print(line)
    if matches:
        print("单位对应：")
        for name, m in matches.items():
            if m.matched:
                print(f"  {name} → {m.department_name}（{matching.METHOD_LABELS[m.method]}）")
            else:
                cands = "、".join(n for _, n in m.candidates[:3])
                print(f"  {name} → 未匹配" + (f"（可能是：{cands}）" if cands else ""))
    for w in draft.warnings:
        print(f"提示：{w}")
    for e in errors:
        print(f"错误：{e}")


def _imported_line(res: importer.ImportResult) -> str:
    return (
        f"已导入方案“{res.plan_title}”（编号 {res.plan_id}）：任务 {res.tasks} 项，"
        f"分工 {res.assignments} 条，节点 {res.milestones} 个，指标 {res.targets} 个"
        + (f"；新建单位 {len(res.created_departments)} 个" if res.created_departments else "")
        + "。任务为草稿状态，请在任务台账中交办。"
    )


# ---------------------------------------------------------------- the parser


def _moment(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=None, microsecond=0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"时间格式不正确：{value}（例如 2026-12-01T09:00）"
        ) from None


def _year(value: str) -> int:
    if not (value.isdigit() and len(value) == 4):
        raise argparse.ArgumentTypeError(f"年份无效：{value}")
    return int(value)


# argparse's own messages (Python 3.11), as the office reads them
_MESSAGES = [
    (re.compile(r"the following arguments are required: (.+)"), r"缺少参数 \1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"不认识的参数或选项 \1"),
    (re.compile(r"argument (\S+): expected one argument"), r"\1 后面缺少取值"),
    (
        re.compile(r"argument (\S+): invalid choice: (.+) \(choose from (.+)\)"),
        r"\1 不能取 \2（可选：\3）",
    ),
    (re.compile(r"argument (\S+): invalid \S+ value: (.+)"), r"\1 不能取 \2"),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"), r"选项 \1 有歧义，可能是 \2"),
    # a message of our own (the type functions above) is already Chinese
    (re.compile(r"argument \S+: (.*[\u4e00-\u9fff].*)"), r"\1"),
]


class _Parser(argparse.ArgumentParser):
    """argparse in Chinese: bad input is told as "错误：…" with the command's usage, exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument(
            "-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出"
        )

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "用法:", 1)

    def format_help(self) -> str:
        return (
            super()
            .format_help()
            .replace("usage:", "用法:", 1)
            .replace("\npositional arguments:\n", "\n参数:\n")
            .replace("\noptions:\n", "\n选项:\n")
        )

    def error(self, message: str) -> NoReturn:
        for pattern, chinese in _MESSAGES:
            if pattern.fullmatch(message):
                message = pattern.sub(chinese, message)
                break
        self.exit(2, f"错误：{message}\n{self.format_usage()}")


Command = Callable[[argparse.Namespace], int]


def _command(sub: Any, name: str, fn: Command, **kwargs: Any) -> argparse.ArgumentParser:
    """A subcommand's parser; the namespace carries the function and the parser itself."""
    parser: argparse.ArgumentParser = sub.add_parser(name, **kwargs)
    parser.set_defaults(fn=fn, parser=parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m duban", description="督办台命令行工具")
    sub = p.add_subparsers(dest="command", required=True, metavar="命令")
    _command(sub, "init-db", cmd_init_db, help="创建或升级数据库到最新迁移")
    _command(sub, "prepare", cmd_prepare, help="升级数据库；演示模式下空库自动生成演示数据")
    sp = _command(sub, "seed-demo", cmd_seed_demo, help="生成演示数据（demo）或压测数据（large）")
    sp.add_argument("--scale", choices=["demo", "large"], default="demo")
    sp.add_argument("--reset", action="store_true", help="先清空现有数据")
    cu = _command(sub, "create-user", cmd_create_user, help="创建用户")
    cu.add_argument("username")
    cu.add_argument("--role", required=True, choices=["leader", "office", "inspector", "dept_head"])
    cu.add_argument("--name")
    cu.add_argument("--department", help="所属单位全称（责任单位负责人必填）")
    cu.add_argument("--password", help="不填则交互输入")
    spw = _command(sub, "set-password", cmd_set_password, help="重置用户密码并解除锁定")
    spw.add_argument("username")
    spw.add_argument("--password")
    bk = _command(
        sub,
        "backup",
        cmd_backup,
        help="备份数据库和全部附件文件到一个归档（.tar.gz，含校验清单）",
        description="SQLite 用在线备份接口取一致快照；PostgreSQL 用 pg_dump（需安装同版本客户端）。",
    )
    bk.add_argument("out", metavar="归档文件", help="如 data/backups/duban-20260101.tar.gz")
    rs = _command(
        sub,
        "restore",
        cmd_restore,
        help="从备份归档恢复到空的数据库和附件目录（先校验全部文件）",
        description="目标为 DATABASE_URL 和 UPLOAD_DIR；非空时拒绝，除非加 --force（请先停止应用）。",
    )
    rs.add_argument("archive", metavar="归档文件")
    rs.add_argument(
        "--force", action="store_true", help="目标数据库或附件目录非空时仍然恢复（覆盖）"
    )
    wk = _command(
        sub,
        "worker",
        cmd_worker,
        help="后台任务：按工作日历执行提醒等定时任务，并发送邮件和群机器人消息",
        description="可同时运行多个（同一 PostgreSQL 上每条消息只发一次）；收到 SIGTERM 后完成当前一轮再退出。",
    )
    wk.add_argument("--once", action="store_true", help="只执行一轮后退出")
    wk.add_argument(
        "--now",
        type=_moment,
        metavar="时间",
        help="按此时间执行一轮（如 2026-12-01T09:00），用于检查",
    )
    wk.add_argument(
        "--interval", type=float, default=30, metavar="秒", help="两轮之间的间隔（默认 30）"
    )
    pp = _command(sub, "parse-plan", cmd_parse_plan, help="解析实施方案文件，输出 JSON（不写库）")
    pp.add_argument("file", metavar="文件", help="方案文件：.txt、.docx、.xlsx、.csv 或网页")
    pp.add_argument("--year", type=_year, metavar="年份", help="方案未写明年份时按此年份读日期")
    ip = _command(
        sub,
        "import-plan",
        cmd_import_plan,
        help="解析并导入实施方案（--commit 才写库）",
        description="不加 --commit 时只预览（不写库）；.xlsx 按任务表模板读取，其余按方案文件解析。",
    )
    ip.add_argument("file", metavar="文件", help="方案文件或任务表（.xlsx）")
    ip.add_argument("--year", type=_year, metavar="年份", help="方案未写明年份时按此年份读日期")
    ip.add_argument("--commit", action="store_true", help="写入数据库（不加则只预览）")
    ip.add_argument("--force", action="store_true", help="同一文件已导入过时仍然导入")
    ip.add_argument("--create-units", action="store_true", help="未匹配的单位新建为单位")
    ip.add_argument("--drop-unmatched", action="store_true", help="未匹配的单位不导入")
    return p


def _parse_args(argv: list[str]) -> argparse.Namespace:
    args, extras = build_parser().parse_known_args(argv)
    if extras:  # told by the subcommand's parser, with its own usage
        args.parser.error(f"不认识的参数或选项 {' '.join(extras)}")
    return args


def main(argv: list[str]) -> int:
    """Run one command; returns the exit code (2: bad input or refused, with a message)."""
    try:
        level = get_settings().log_level
    except DubanError:
        level = "INFO"  # a command that needs the settings reports the configuration error
    configure_logging(level)
    try:
        args = _parse_args(argv)
    except SystemExit as exc:  # -h printed the help, or the parser told what is wrong
        return exc.code if isinstance(exc.code, int) else 2
    try:
        fn: Command = args.fn
        return fn(args)
    except DubanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the office sees a message, the log the traceback
        log.exception("Command %s failed", args.command)
        print(f"错误：{args.command} 失败（{type(exc).__name__}：{exc}）", file=sys.stderr)
        return 2
