"""Notice templates (Jinja, sandboxed): the committed defaults, the office's edits, rendering."""

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from sqlmodel import Session

from duban.core import audit
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.core.settings import ROOT
from duban.core.stored import save_versioned
from duban.notices import rules as notice_rules
from models import NoticeKind, NoticeTemplate

TEMPLATE_DIR = ROOT / "data" / "templates" / "notices"


def _env() -> SandboxedEnvironment:
    # Sandboxed: templates are edited in the browser by the office.
    return SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False
    )


def default_template(kind: str) -> str:
    return (TEMPLATE_DIR / f"{NoticeKind(kind).value}.j2").read_text(encoding="utf-8")


def template_source(session: Session, kind: str) -> tuple[str, bool, int]:
    """(text, overridden?, version) of the template in effect for `kind`."""
    row = session.get(NoticeTemplate, NoticeKind(kind).value)
    if row is not None:
        return row.body, True, row.version
    return default_template(kind), False, 0


def _template_line(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_template(source: str, context: dict) -> str:
    """Render, or refuse with the line that is wrong (nothing half-written comes out)."""
    try:
        tpl = _env().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationFailed(f"模板第 {exc.lineno} 行有语法错误：{exc.message}") from exc
    try:
        out = tpl.render(**context)
    except jinja2.UndefinedError as exc:
        line = _template_line(exc)
        where = f"第 {line} 行" if line else ""
        raise ValidationFailed(f"模板{where}引用了不存在的内容：{exc.message}") from exc
    except jinja2.TemplateError as exc:  # includes SecurityError from the sandbox
        line = _template_line(exc)
        where = f"第 {line} 行" if line else ""
        raise ValidationFailed(f"模板{where}无法生成：{exc}") from exc
    except (TypeError, ValueError, AttributeError, ZeroDivisionError) as exc:
        line = _template_line(exc)
        where = f"第 {line} 行" if line else ""
        raise ValidationFailed(f"模板{where}无法生成：{exc}") from exc
    return "\n".join(x.rstrip() for x in out.strip().splitlines())


def _sample_task(i: int) -> dict:
    return {
        "code": f"二({i})",
        "title": f"示例任务{i}",
        "role": "牵头",
        "deadline": "2026年10月9日",
        "original_deadline": "2026年9月9日",
        "extended": i == 1,
        "overdue_wd": 12,
        "due_in_wd": 3,
        "progress": "40%",
        "reasons": "逾期12个工作日",
        "state": "已逾期12个工作日，当前进度40%",
        "situation": "逾期12个工作日",
        "pending_closure": False,
        "pending_extension": False,
        "lead": "市示例局",
    }


def sample_context(kind: str) -> dict:
    """Data shaped like a real draft's, to preview and test a template before saving it."""
    units = [
        {"name": "市示例局", "facts": "逾期未办结任务2项，最长逾期12个工作日"},
        {"name": "示例区人民政府", "facts": "承担任务5项，已办结5项，按期办结率100%"},
    ]
    urgings = [
        {
            "doc_number": f"督办〔2026〕{i}号",
            "issued_on": f"2026-11-{i + 10}",
            "issued_text": f"2026年11月{i + 10}日",
            "level": "yellow",
            "level_label": "黄色督办",
            "reply_due": f"2026-11-{i + 17}",
            "replied_on": None,
            "ignored": True,
        }
        for i in (3, 5)
    ]
    rules = notice_rules.DEFAULT_RULES
    figures = {
        "total": 32,
        "completed_in_period": 2,
        "completed": 10,
        "on_time": 9,
        "on_time_rate": "90.0%",
        "open": 20,
        "overdue": 5,
        "red": 6,
        "yellow": 4,
        "extended": 3,
    }
    return {
        "today": "2026年11月23日",
        "issuer": rules["issuer"],
        "plan_title": "进一步推行政务服务“零跑腿”工作",
        "unit": "市示例局",
        "units": units,
        "tasks": [_sample_task(1), _sample_task(2)],
        "n_overdue": 2,
        "n_lagging": 0,
        "n_closing": 1,
        "ignored": urgings,
        "escalated": True,
        "urgings": urgings,
        "red_notices": 2,
        "overdue": 2,
        "by_rule": True,
        "as_of": "2026年11月23日",
        "agreed": True,
        "contact": "张三",
        "phone": "0571-87051234",
        "basis": "《示例市督查问责办法》第十二条",
        "due_in_wd": 5,
        "level": "red",
        "level_label": "红色督办",
        "earlier": ["督办〔2026〕3号", "督办〔2026〕5号"],
        "reply_due": "2026年11月30日",
        "period_label": "2026年10月",
        "period_start": "2026年10月1日",
        "period_end": "2026年10月31日",
        "previous": "通报〔2026〕1号",
        "figures": figures,
        "changes": {k: "比上期增加1项" for k in figures if k != "on_time_rate"},
        "praised": units[1:],
        "criticised": units[:1],
        "praise_rule": notice_rules.praise_rule_text(rules),
        "criticism_rule": notice_rules.criticism_rule_text(rules),
        "new_problems": [{"unit": "市示例局", "task": "二(一)示例任务1", "text": "接口未打通。"}],
        "extended": [_sample_task(1)],
        "facts": "逾期任务2项；红色督办2次未按期反馈",
        "time": "2026年11月26日（星期四）上午9:00",
        "place": "市政务服务中心三楼会议室",
        "attendees": "单位主要负责同志、分管负责同志",
        "sanction": "对相关责任人进行诫勉谈话",
        "missed": [
            {
                "task_id": 3,
                "code": "二(3)",
                "title": "示例任务3",
                "cycle": "每周五",
                "dues": ["2026-11-13", "2026-11-20"],
                "n": 2,
                "dues_text": "2026年11月13日、11月20日",
            }
        ],
        "missed_units": [{"name": "市示例局", "facts": "1项任务未按期报送进展（共2期）"}],
    }


def check_template(kind: str, source: str) -> str:
    """Parse and render against sample data; returns the preview or raises ValidationFailed."""
    if not source.strip():
        raise ValidationFailed("模板不能为空。")
    return render_template(source, sample_context(kind))


def save_template(
    session: Session, *, actor: Actor, kind: str, source: str, expected_version: int | None
) -> NoticeTemplate:
    """Store the office's template for `kind` (checked first); StaleEdit on a stale editor."""
    require(actor, "settings.manage")
    kind = NoticeKind(kind).value
    check_template(kind, source)
    with write(session):
        return save_versioned(
            session,
            NoticeTemplate,
            kind,
            actor=actor,
            values={"body": source},
            expected_version=expected_version,
            action="notice_template.update",
        )


def reset_template(session: Session, *, actor: Actor, kind: str) -> None:
    """Back to the committed default file."""
    require(actor, "settings.manage")
    with write(session):
        row = session.get(NoticeTemplate, NoticeKind(kind).value)
        if row is None:
            return
        before = audit.snapshot(row)
        audit.record(
            session,
            actor,
            "notice_template.reset",
            object_type="notice_template",
            object_id=row.kind,
            before=before,
            after={},
        )
        session.delete(row)
