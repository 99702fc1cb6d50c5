"""UI strings of the assessment page (考核排名 and the published scorecard)."""

STRINGS = {
    "asm.period": ("考核期", "Period"),
    "asm.no_periods": (
        "还没有考核期。办公室可在上方新建月度、季度或年度考核期。",
        "No assessment period yet. The office can create a month, quarter or year above.",
    ),
    "asm.new_period": ("新建考核期", "New period"),
    "asm.kind": ("类型", "Kind"),
    "asm.day": ("包含日期（选该期内任意一天）", "Any day inside the period"),
    "asm.create": ("建立考核期", "Create period"),
    "asm.created": ("已建立考核期：{label}", "Period created: {label}"),
    "asm.status": (
        "{label}（{start} 至 {end}）· {status} · 统计至 {as_of}",
        "{label} ({start} – {end}) · {status} · counted to {as_of}",
    ),
    "asm.frozen_at": ("{at} 冻结发布，以下为快照，不随数据变化。", "Frozen {at}: a snapshot."),
    "asm.live_note": (
        "考核中：得分随数据实时计算；考核期结束、申诉处理完毕后由办公室冻结发布。",
        "Open: scores are live; the office freezes the period after appeals.",
    ),
    "asm.freeze": ("冻结并发布成绩单", "Freeze and publish"),
    "asm.freeze_confirm": (
        "我确认申诉已处理完毕，冻结后成绩不再变化",
        "Appeals are done; freeze for good",
    ),
    "asm.freeze_later": (
        "本期到 {end} 结束，结束并处理完申诉后可冻结发布。",
        "The period ends on {end}; freeze it after that and after the appeals.",
    ),
    "asm.freeze_need_confirm": ("请先勾选确认。", "Tick the confirmation first."),
    "asm.frozen_ok": ("已冻结发布：{label}", "Frozen and published: {label}"),
    "asm.tab_ranking": ("排名", "Ranking"),
    "asm.tab_units": ("单位明细", "Unit breakdown"),
    "asm.tab_appeals": ("申诉", "Appeals"),
    "asm.tab_formula": ("评分规则", "Formula"),
    "asm.tab_export": ("导出", "Export"),
    "asm.top": ("排名靠前", "Top"),
    "asm.bottom": ("排名靠后", "Bottom"),
    "asm.units_count": ("参评单位", "Units"),
    "asm.mean": ("平均得分", "Mean score"),
    "asm.prev": ("对比上期：{label}", "Compared with {label}"),
    "asm.no_prev": ("没有上一期可对比。", "No previous period to compare."),
    "asm.trend": ("得分走势", "Trend"),
    "asm.pick_unit": ("选择单位", "Unit"),
    "asm.pick_unit_none": ("— 选择单位查看得分明细 —", "— pick a unit for its score lines —"),
    "asm.score": ("得分", "Score"),
    "asm.rank_of": ("名次（共 {n} 个单位）", "Rank (of {n})"),
    "asm.raw": ("原始得分", "Raw points"),
    "asm.load": ("任务负荷", "Load"),
    "asm.factor": ("折算系数", "Factor"),
    "asm.delta": ("较上期", "vs previous"),
    "asm.calc": (
        "得分 {score:.2f} = 基础分 {base:g} + 原始得分 {raw:g} × 平均负荷 {ref:g} ÷ 本单位负荷 {load:g}"
        "（负荷下限 {floor:g}）",
        "Score {score:.2f} = base {base:g} + raw {raw:g} × mean load {ref:g} ÷ load {load:g}"
        " (floor {floor:g})",
    ),
    "asm.no_lines": ("本期没有加分或扣分事项。", "No points this period."),
    "asm.not_assessed": ("本单位本期没有参评数据。", "Your unit has no data this period."),
    "asm.appeal_title": ("对扣分提出申诉", "Appeal a deduction"),
    "asm.appeal_line": ("要申诉的扣分", "Deduction"),
    "asm.appeal_line_ph": ("— 选择要申诉的扣分 —", "— pick the deduction —"),
    "asm.appeal_line_missing": ("请选择要申诉的扣分。", "Pick the deduction you appeal."),
    "asm.appeal_reason": ("申诉理由（说明事实，可注明佐证）", "Reason"),
    "asm.appeal_submit": ("提交申诉", "Submit appeal"),
    "asm.appeal_sent": ("申诉已提交，等待办公室处理。", "Appeal submitted."),
    "asm.appeal_closed": ("考核期已冻结，申诉期已结束。", "Frozen: appeals are closed."),
    "asm.no_deductions": ("本期没有可申诉的扣分。", "No deductions to appeal."),
    "asm.appeals_none": ("暂无申诉。", "No appeals."),
    "asm.appeal_decide": ("处理", "Decide"),
    "asm.accept": ("采纳（撤销该扣分）", "Accept (withdraw)"),
    "asm.reject": ("驳回", "Reject"),
    "asm.decision_note": ("处理意见（驳回须写明理由）", "Note (required to reject)"),
    "asm.decided": ("已处理。", "Decided."),
    "asm.my_appeals": ("本单位的申诉", "Our appeals"),
    "asm.method": ("计分方法", "How scores are computed"),
    "asm.formula_save": ("保存评分规则", "Save formula"),
    "asm.formula_saved": ("评分规则已保存，考核中的各期即时按新规则计算。", "Formula saved."),
    "asm.formula_hint": (
        "扣分项填写“扣几分”（正数），加分项填写“加几分”；保存前会检查规则是否自相矛盾。"
        "修改只影响考核中的各期，已冻结的成绩不变。",
        "Deductions are entered as positive points taken off; contradictory rules are refused."
        " Frozen periods keep their scores.",
    ),
    "asm.formula_readonly": (
        "评分规则由领导小组办公室维护；已冻结的考核期使用冻结时的规则。",
        "The office maintains the formula; frozen periods keep theirs.",
    ),
    "asm.formula_frozen_note": (
        "本期已冻结，下表为冻结时使用的规则。",
        "This period is frozen: the table shows the formula it used.",
    ),
    "asm.export_xlsx": ("下载 Excel 成绩单", "Download Excel"),
    "asm.export_docx": ("生成通报 Word（DOCX）", "Bulletin (DOCX)"),
    "asm.export_docx_dl": ("下载通报 DOCX", "Download DOCX"),
    "asm.export_docx_wait": (
        "正式通报以冻结快照为准：冻结发布后可生成。",
        "The official bulletin comes from the frozen snapshot.",
    ),
    "asm.bulletin_hint": (
        "正式发布：把成绩单生成“工作进展通报”草稿，在“通知通报”中审核后签发，签发时编文号并送达各单位。",
        "Publish: make a bulletin draft in Notices; it gets its number when issued.",
    ),
    "asm.bulletin_make": ("生成成绩单通报草稿", "Draft the scorecard bulletin"),
    "asm.bulletin_draft": (
        "成绩单通报草稿已生成，请到“通知通报”审核签发（签发时编文号）。",
        "The bulletin draft is in Notices: review and issue it there.",
    ),
    "asm.bulletin_issued": (
        "成绩单通报已签发：{number}，已送达各单位。",
        "The scorecard bulletin is issued: {number}.",
    ),
    "asm.bulletin_go": ("前往通知通报", "Go to Notices"),
    "asm.kind.month": ("月度", "Month"),
    "asm.kind.quarter": ("季度", "Quarter"),
    "asm.kind.year": ("年度", "Year"),
    # Periods: the stored label is Chinese (it names the notices and exports); the English UI
    # names a system-made period from its dates.
    "asm.period_option": ("{icon} {label}（{status}）", "{icon} {label} ({status})"),
    "asm.period_status.open": ("考核中（可申诉）", "open (appeals allowed)"),
    "asm.period_status.frozen": ("已冻结发布", "frozen and published"),
    "asm.label.week": ("{start}至{end}", "{start} – {end}"),
    "asm.label.month": ("{y}年{m}月", "{month} {y}"),
    "asm.label.quarter": ("{y}年第{q}季度", "Q{q} {y}"),
    "asm.label.year": ("{y}年度", "{y}"),
    "month.1": ("1月", "January"),
    "month.2": ("2月", "February"),
    "month.3": ("3月", "March"),
    "month.4": ("4月", "April"),
    "month.5": ("5月", "May"),
    "month.6": ("6月", "June"),
    "month.7": ("7月", "July"),
    "month.8": ("8月", "August"),
    "month.9": ("9月", "September"),
    "month.10": ("10月", "October"),
    "month.11": ("11月", "November"),
    "month.12": ("12月", "December"),
    # Ranking
    "asm.name_score": ("{name}（{score}）", "{name} ({score})"),
    "asm.list_sep": ("、", ", "),
    "asm.unchanged": ("持平", "no change"),
    "asm.col.rank": ("名次", "Rank"),
    "asm.col.unit": ("单位", "Unit"),
    "asm.col.score": ("得分", "Score"),
    "asm.col.delta": ("较上期得分", "Score vs previous"),
    "asm.col.rank_change": ("名次变化", "Rank change"),
    "asm.col.raw": ("原始得分", "Raw points"),
    "asm.col.load": ("任务负荷", "Load"),
    "asm.col.factor": ("折算系数", "Factor"),
    "asm.col.lines": ("明细条数", "Lines"),
    # Score lines
    "asm.col.category": ("类别", "Category"),
    "asm.col.points": ("分值", "Points"),
    "asm.col.detail": ("说明", "Detail"),
    "asm.col.source": ("来源", "Source"),
    "asm.col.day": ("日期", "Date"),
    "asm.col.status": ("状态", "Status"),
    "asm.col.key": ("明细编号", "Line key"),
    "asm.col.task": ("任务", "Task"),
    "asm.open_task": ("打开任务", "Open task"),
    "asm.line_status.counted": ("计入", "counted"),
    "asm.line_status.withdrawn": ("申诉成立已撤销", "withdrawn on appeal"),
    "asm.line_original": ("（原 {points}）", " (was {points})"),
    "asm.line_report": (" · 填报 #{id}", " · report #{id}"),
    "asm.cat.on_time": ("按期完成", "On time"),
    "asm.cat.overdue": ("任务逾期", "Task overdue"),
    "asm.cat.urging": ("催办通知", "Urging notice"),
    "asm.cat.commendation": ("通报表扬", "Commendation"),
    "asm.cat.instruction": ("批示未按时答复", "Instruction not answered in time"),
    "asm.cat.inspection": ("督查结果", "Inspection result"),
    "asm.cat.rectification": ("整改逾期", "Rectification overdue"),
    "asm.role.lead": ("牵头", "lead"),
    "asm.role.responsible": ("责任", "responsible"),
    "asm.level.blue": ("蓝色", "blue"),
    "asm.level.yellow": ("黄色", "yellow"),
    "asm.level.red": ("红色", "red"),
    "asm.result.good": ("好", "good"),
    "asm.result.fairly_good": ("较好", "fairly good"),
    "asm.result.average": ("一般", "average"),
    "asm.result.poor": ("差", "poor"),
    # The pieces of a line's detail and source as scoring writes them ({…}: what it fills in).
    "asm.line.finished_by": (
        "{day} 完成（时限 {deadline}），",
        "finished {day} (deadline {deadline}), ",
    ),
    "asm.line.overdue": (
        "时限 {deadline}，本期逾期 {n} 个工作日 × {per}",
        "deadline {deadline}, {n} working days late this period × {per}",
    ),
    "asm.line.cap": ("，封顶 {cap}", ", capped at {cap}"),
    "asm.line.role": ("{role}×{w}", "{role} ×{w}"),
    "asm.line.finished": ("（{day} 完成）", " (finished {day})"),
    "asm.line.unfinished": ("（截至 {day} 未完成）", " (not finished by {day})"),
    "asm.line.urging": ("{level}催办，{day} 签发", "{level} urging notice issued {day}"),
    "asm.line.commended": ("{day} 通报表扬", "commended {day}"),
    "asm.line.instruction": (
        "{day} 批示，应于 {due} 前答复，",
        "instruction of {day}, answer due by {due}, ",
    ),
    "asm.line.answered_late": ("{day} 才答复", "answered only {day}"),
    "asm.line.unanswered": ("至今未答复", "not answered yet"),
    "asm.line.inspected": ("{day} 督查，结果“{result}”", "inspected {day}, result “{result}”"),
    "asm.line.rectification": ("整改期限 {day}，", "rectification due {day}, "),
    "asm.line.colon": ("：", ": "),
    "asm.line.comma": ("，", ", "),
    "asm.src.task": ("任务 {rest}", "Task {rest}"),
    "asm.src.notice": ("通知 {rest}", "Notice {rest}"),
    "asm.src.instruction": ("批示 #{id}（{task}）", "Instruction #{id} ({task})"),
    "asm.src.inspection": ("督查 #{id}", "Inspection #{id}"),
    "asm.src.finding": ("整改项 #{id}", "Rectification #{id}"),
    "asm.line_text": (
        "{category} {points}：{detail}（{source}）",
        "{category} {points}: {detail} ({source})",
    ),
    # Appeals
    "asm.col.appeal_id": ("编号", "No."),
    "asm.col.appeal_points": ("扣分", "Deduction"),
    "asm.col.appeal_line": ("明细", "Line"),
    "asm.col.appeal_reason": ("申诉理由", "Reason"),
    "asm.col.decision_note": ("处理意见", "Decision note"),
    "asm.appeal_status.pending": ("待处理", "pending"),
    "asm.appeal_status.accepted": ("已采纳（扣分撤销）", "accepted (deduction withdrawn)"),
    "asm.appeal_status.rejected": ("已驳回", "rejected"),
    "asm.appeal_head": ("**#{id} {name}**：{line}", "**#{id} {name}**: {line}"),
    # Charts
    "asm.chart.scores_title": ("{label}各单位得分", "Scores by unit, {label}"),
    "asm.chart.scores_hover": (  # a plotly template: read as it is, never formatted
        "%{y}<br>得分 %{x:.2f}（第 %{customdata[0]} 名）"
        "<br>原始得分 %{customdata[1]}，负荷 %{customdata[2]}<extra></extra>",
        "%{y}<br>Score %{x:.2f} (rank %{customdata[0]})"
        "<br>Raw points %{customdata[1]}, load %{customdata[2]}<extra></extra>",
    ),
    "asm.chart.trend_title": ("各单位得分走势", "Scores by unit over time"),
    "asm.chart.score": ("得分", "Score"),
    "asm.chart.units": ("单位数", "Units"),
    "asm.chart.mean": ("平均 {mean}", "Mean {mean}"),
    "asm.chart.distribution": ("得分分布", "Score distribution"),
    # The formula table
    "asm.col.item": ("项目", "Item"),
    "asm.col.value": ("分值/系数", "Points / factor"),
    "asm.col.explain": ("说明", "Explanation"),
    # The formula's fields (label, help) and the method in words (also the bulletin's text).
    "asm.field.base_score": ("基础分", "Base score"),
    "asm.field_help.base_score": ("每个单位的起点分", "Every unit's starting points"),
    "asm.field.on_time_completion": ("按期完成加分", "Bonus: completed on time"),
    "asm.field_help.on_time_completion": (
        "每项按期完成（销号）的任务，乘以分工权重",
        "Per task completed (signed off) by its deadline, times the role weight",
    ),
    "asm.field.overdue_per_day": ("逾期每工作日扣分", "Deduction per working day overdue"),
    "asm.field_help.overdue_per_day": (
        "本期内每逾期一个工作日，乘以分工权重",
        "Per working day late in the period, times the role weight",
    ),
    "asm.field.overdue_cap_per_task": ("单项任务逾期扣分封顶", "Overdue cap per task"),
    "asm.field_help.overdue_cap_per_task": (
        "每项任务每期逾期扣分的上限",
        "The most one task's lateness can take off in a period",
    ),
    "asm.field.urging_blue": ("蓝色催办扣分", "Deduction: blue urging notice"),
    "asm.field_help.urging_blue": (
        "本期签发给本单位的蓝色催办通知，每份",
        "Per blue urging notice issued to the unit in the period",
    ),
    "asm.field.urging_yellow": ("黄色催办扣分", "Deduction: yellow urging notice"),
    "asm.field_help.urging_yellow": ("黄色督办单，每份", "Per yellow urging notice"),
    "asm.field.urging_red": ("红色催办扣分", "Deduction: red urging notice"),
    "asm.field_help.urging_red": ("红色督办单，每份", "Per red urging notice"),
    "asm.field.unanswered_instruction": (
        "批示未按时答复扣分",
        "Deduction: instruction not answered in time",
    ),
    "asm.field_help.unanswered_instruction": (
        "领导批示在答复时限内本单位未答复，每条",
        "Per leader's instruction the unit did not answer within the time allowed",
    ),
    "asm.field.instruction_answer_days": (
        "批示答复时限（工作日）",
        "Time to answer an instruction (working days)",
    ),
    "asm.field_help.instruction_answer_days": (
        "批示下达后几个工作日内须答复",
        "Working days after an instruction within which the unit must answer",
    ),
    "asm.field.inspection_average": ("督查结果“一般”扣分", "Deduction: inspection “average”"),
    "asm.field_help.inspection_average": (
        "本期督查结果为一般，每次",
        "Per inspection in the period with the result “average”",
    ),
    "asm.field.inspection_poor": ("督查结果“差”扣分", "Deduction: inspection “poor”"),
    "asm.field_help.inspection_poor": (
        "本期督查结果为差，每次",
        "Per inspection in the period with the result “poor”",
    ),
    "asm.field.overdue_rectification": ("整改逾期扣分", "Deduction: rectification overdue"),
    "asm.field_help.overdue_rectification": (
        "整改期限届满未答复整改情况，每项",
        "Per rectification item not answered by its due date",
    ),
    "asm.field.commendation": ("通报表扬加分", "Bonus: commendation"),
    "asm.field_help.commendation": (
        "本期通报表扬本单位，每份",
        "Per commendation of the unit in the period",
    ),
    "asm.field.lead_weight": ("牵头单位权重", "Lead unit weight"),
    "asm.field_help.lead_weight": (
        "牵头任务计入负荷及任务类得分的系数",
        "Factor of a lead task in the load and in task points",
    ),
    "asm.field.responsible_weight": ("责任单位权重", "Responsible unit weight"),
    "asm.field_help.responsible_weight": (
        "责任任务的系数，不得高于牵头",
        "Factor of a responsible task; not above the lead weight",
    ),
    "asm.field.min_load": ("最低负荷", "Minimum load"),
    "asm.field_help.min_load": (
        "负荷低于此值时按此值折算，避免任务极少的单位被放大",
        "A lower load counts as this, so a unit with very few tasks is not magnified",
    ),
    "asm.method.1": (
        "各单位以基础分{base:g}分起算，考核期内每一项加分或扣分记为一条得分明细，"
        "并注明来源（任务、进展填报、督办通知、督查检查、整改事项），各单位可逐条核对。",
        "Every unit starts from a base of {base:g} points. Each bonus or deduction in the period is"
        " one score line naming its source (a task, a progress report, an urging notice, an"
        " inspection, a rectification item), so each unit can check them line by line.",
    ),
    "asm.method.2": (
        "任务落实：考核期内按期完成（在完成时限前报送完成情况且已销号）的任务，每项加"
        "{on_time:g}分；逾期未完成的任务，考核期内每逾期1个工作日扣"
        "{per_day:g}分，每项任务每期最多扣{cap:g}分。"
        "牵头任务按{lead:g}倍、责任任务按{resp:g}倍计分；"
        "逾期扣分按各单位各自报送的完成情况分别计算，由造成逾期的单位承担。"
        "工作日按国家法定节假日和调休安排计算。",
        "Tasks: each task completed on time in the period (reported finished by its deadline and"
        " signed off) adds {on_time:g} points; a task overdue and not finished takes off"
        " {per_day:g} points per working day late in the period, at most {cap:g} points per task"
        " and period. Lead tasks count ×{lead:g}, responsible tasks ×{resp:g}. Lateness is"
        " counted from each unit's own reports and charged to the unit that caused it. Working"
        " days follow the official holidays and make-up working days.",
    ),
    "asm.method.3": (
        "督办督查：考核期内签发的蓝色、黄色、红色督办通知，每份分别扣{blue:g}分、"
        "{yellow:g}分、{red:g}分；领导批示{answer_days}个工作日内"
        "未答复的，每条扣{instruction:g}分；督查结果为“一般”的扣"
        "{average:g}分、为“差”的扣{poor:g}分；整改事项到期未答复的，"
        "每项扣{rectification:g}分；受到通报表扬的，每份加{commendation:g}分。",
        "Urging and inspection: each blue, yellow or red urging notice issued in the period takes"
        " off {blue:g}, {yellow:g} or {red:g} points; each leader's instruction not answered"
        " within {answer_days} working days takes off {instruction:g}; an inspection result of"
        " “average” takes off {average:g} and “poor” {poor:g}; each rectification item not"
        " answered by its due date takes off {rectification:g}; each commendation adds"
        " {commendation:g} points.",
    ),
    "asm.method.4": (
        "任务负荷折算：为使任务量不同的单位可以比较，按各单位考核期内的任务负荷折算得分。"
        "任务负荷为各项在办任务的权重与分工权重（牵头{lead:g}、责任"
        "{resp:g}）乘积之和，负荷低于{min_load:g}的按{min_load:g}计；"
        "最终得分为基础分加上原始得分乘以全体单位平均负荷再除以本单位负荷，"
        "任务多的单位扣分多、加分也多，折算后与任务少的单位可以比较。",
        "Task load: so that units with different workloads compare, points are scaled by each"
        " unit's load in the period. The load is the sum over its open tasks of the task weight"
        " times the role weight (lead {lead:g}, responsible {resp:g}); a load below"
        " {min_load:g} counts as {min_load:g}. The score is the base plus the raw points times"
        " the mean load of all units divided by the unit's own load: a unit with many tasks"
        " loses and gains more points, and after scaling compares with a unit with few.",
    ),
    "asm.method.5": (
        "考核期结束后，各单位可对单条扣分提出申诉并说明理由；办公室采纳的，撤销该条扣分，"
        "不予采纳的，说明理由。申诉处理完毕后成绩冻结发布，以冻结时的结果为准，"
        "此后数据变动不影响已发布的成绩。",
        "When the period ends, a unit may appeal a single deduction with its reasons; if the"
        " office accepts, that deduction is withdrawn, if not, the office says why. Once the"
        " appeals are decided the scores are frozen and published: the frozen result stands, and"
        " later changes to the data do not alter it.",
    ),
}
