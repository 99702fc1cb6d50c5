"""Strings of the leadership dashboard and of the warning-rules / holiday admin tab."""

STRINGS = {
    # filters
    "dash.filters": ("筛选", "Filters"),
    "dash.f_plan": ("实施方案", "Plan"),
    "dash.f_phase": ("阶段", "Phase"),
    "dash.f_dept": ("单位", "Unit"),
    "dash.f_role": ("分工", "Role"),
    "dash.f_from": ("完成时限自", "Deadline from"),
    "dash.f_to": ("完成时限至", "Deadline to"),
    "dash.f_all": ("全部", "All"),
    "dash.role_lead": ("牵头", "Lead"),
    "dash.role_responsible": ("责任", "Responsible"),
    "dash.f_reset": ("重置", "Reset"),
    "dash.asof": (
        "数据截至 {today}（{weekday}） · 指标卡下方小字为较一周前（{before}）的变化",
        "As of {today} ({weekday}) · small figures under the cards: change since {before}",
    ),
    "dash.share_hint": (
        "筛选条件已写入网址，复制浏览器地址即可分享当前视图。",
        "Filters are kept in the URL: copy the address to share this view.",
    ),
    # KPI cards
    "dash.kpi.total": ("任务总数", "Tasks"),
    "dash.kpi.completed": ("已办结", "Completed"),
    "dash.kpi.on_time_rate": ("按期率", "On time"),
    "dash.kpi.overdue": ("逾期", "Overdue"),
    "dash.kpi.due_soon": ("临期", "Due soon"),
    "dash.kpi.stagnant": ("停滞", "Stagnant"),
    "dash.kpi.progress_gap": ("较序时", "vs. expected"),
    "dash.kpi.help.total": (
        "已交办、未撤销的任务（含子任务）。",
        "Assigned, not cancelled tasks (incl. subtasks).",
    ),
    "dash.kpi.help.on_time_rate": (
        "已办结任务中在完成时限（含批准延期）内办结的比例。",
        "Share of completed tasks finished by their (approved) deadline.",
    ),
    "dash.kpi.help.overdue": (
        "超过完成时限仍未办结的任务。",
        "Open tasks past their deadline.",
    ),
    "dash.kpi.help.due_soon": (
        "距完成时限不超过 {n} 个工作日的在办任务。",
        "Open tasks due within {n} working days.",
    ),
    "dash.kpi.help.stagnant": (
        "连续 {n} 个工作日以上未填报进展的在办任务。",
        "Open tasks without a report for {n}+ working days.",
    ),
    "dash.kpi.help.progress_gap": (
        "在办任务平均进度 {actual}%，平均序时进度 {expected}%（差值为百分点）。",
        "Open tasks: mean progress {actual}%, mean expected {expected}% (difference in points).",
    ),
    "dash.na": ("—", "—"),
    "dash.points": ("点", "pt"),
    "dash.since_last_week": ("较上周", "w/w"),
    # sections
    "dash.red_title": ("红灯任务：哪些逾期、谁逾期、为什么", "Red tasks: what, who, why"),
    "dash.red_caption": (
        "共 {n} 项红灯任务，按逾期工作日排序；点选一行进入任务详情。",
        "{n} red tasks, worst first; select a row to open the task.",
    ),
    "dash.red_more": (
        "仅显示前 {shown} 项，完整清单见 Excel 导出。",
        "Showing the first {shown}; the Excel export has all.",
    ),
    "dash.red_none": ("当前筛选条件下没有红灯任务。", "No red tasks for these filters."),
    "dash.col.code": ("编号", "Code"),
    "dash.col.title": ("任务", "Task"),
    "dash.col.lead": ("牵头单位", "Lead unit"),
    "dash.col.late_units": ("亮红灯单位", "Units in red"),
    "dash.col.deadline": ("完成时限", "Deadline"),
    "dash.col.original": ("原完成时限", "Original deadline"),
    "dash.col.overdue_wd": ("逾期工作日", "Working days overdue"),
    "dash.col.progress": ("进度", "Progress"),
    "dash.col.expected": ("序时进度", "Expected"),
    "dash.col.reasons": ("原因", "Reasons"),
    "dash.col.open": ("详情", "Open"),
    "dash.open_task": ("查看", "Open"),
    "dash.dept_title": ("各单位亮灯情况", "Lights by unit"),
    "dash.dept_sort": ("排序", "Sort by"),
    "dash.sort.overdue": ("逾期数", "Overdue"),
    "dash.sort.on_time": ("按期办结率", "On-time rate"),
    "dash.sort.name": ("单位名称", "Name"),
    "dash.col.unit": ("单位", "Unit"),
    "dash.col.assignments": ("分工任务", "Assignments"),
    "dash.col.lead_lights": ("牵头 红黄绿蓝", "Lead R/Y/G/B"),
    "dash.col.resp_lights": ("责任 红黄绿蓝", "Resp. R/Y/G/B"),
    "dash.col.overdue": ("逾期", "Overdue"),
    "dash.col.on_time_rate": ("按期办结率", "On-time rate"),
    "dash.col.extensions": ("延期次数", "Extensions"),
    "dash.heat_title": ("单位 × 阶段 红灯分布", "Red share: units × phases"),
    "dash.gantt_title": ("任务时间轴", "Timeline"),
    "dash.gantt_caption": (
        "显示最需关注的 {shown} 项（共 {n} 项）：红灯在前，再按完成时限。竖线为原完成时限，◆ 为节点，虚线为今天。",
        "The {shown} most urgent of {n} tasks: red first, then by deadline. Tick = original"
        " deadline, ◆ = milestone, dashed line = today.",
    ),
    "dash.trend_title": ("推进趋势", "Trend"),
    "dash.targets_title": ("量化指标", "Targets"),
    "dash.col.target": ("指标", "Target"),
    "dash.col.baseline": ("基线", "Baseline"),
    "dash.col.target_value": ("目标值", "Target value"),
    "dash.col.current": ("当前值", "Current"),
    "dash.col.achieved": ("完成度", "Achieved"),
    "dash.col.path": ("走势", "Trajectory"),
    "dash.col.on_track": ("状态", "Status"),
    "dash.on_track": ("✅ 达标/符合序时", "✅ on track"),
    "dash.off_track": ("⚠️ 落后", "⚠️ behind"),
    "dash.no_reading": ("— 暂无读数", "— no reading"),
    "dash.targets_none": ("当前筛选条件下没有量化指标。", "No targets for these filters."),
    "dash.export": ("导出", "Export"),
    "dash.export_xlsx": ("下载 Excel（当前筛选）", "Download Excel (current filters)"),
    "dash.export_xlsx_help": (
        "导出当前筛选条件下的全部数字（红灯任务不截断）。筛选条件：{filter}。"
        "文件的“说明”表写明筛选条件、导出时间和导出人。",
        "Every figure for the current filters (the whole red list). The workbook (in Chinese) "
        "records the filters, the time and who exported it in its notes sheet.",
    ),
    "dash.export_png": ("生成图表 PNG", "Render charts as PNG"),
    "dash.download_png": ("下载图表 PNG（ZIP）", "Download charts (ZIP)"),
    "dash.png_missing": (
        "本机未安装 Chromium，无法导出 PNG。",
        "Chromium is not installed here: PNG export is unavailable.",
    ),
    "dash.empty": (
        "当前筛选条件下没有任务。可清除筛选，或先在“方案导入”中导入实施方案。",
        "No tasks for these filters. Clear the filters, or import a plan first.",
    ),
    # admin tab: rules and calendar
    "rules.tab": ("预警规则与节假日", "Warning rules & holidays"),
    "rules.title": ("红黄绿灯预警规则", "Warning rules"),
    "rules.caption": (
        "规则修改后立即对驾驶舱和所有页面生效；每次保存都记入操作日志。",
        "Changes apply at once everywhere; each save is audited.",
    ),
    "rules.save": ("保存规则", "Save rules"),
    "rules.reset": ("恢复默认值", "Restore defaults"),
    "rules.saved": ("预警规则已保存。", "Rules saved."),
    "rules.defaults_note": (
        "当前使用默认规则（尚未保存过）。",
        "Defaults in effect (never saved).",
    ),
    "rules.cal_title": ("节假日与调休", "Holidays & make-up working days"),
    "rules.cal_caption": (
        "此表优先于国家法定节假日数据（`chinese-calendar`，覆盖至 {last} 年）。"
        "录入“放假”的日期不计工作日，录入“上班”的日期（调休）计为工作日。",
        "This table wins over the official calendar (`chinese-calendar`, known through {last})."
        " 'Off' days are not working days; 'work' days (make-up working days) are.",
    ),
    "rules.cal_year": ("年份", "Year"),
    "rules.cal_day": ("日期", "Date"),
    "rules.cal_is_workday": ("上班（调休）", "Working day"),
    "rules.cal_name": ("名称", "Name"),
    "rules.cal_save": ("保存节假日表", "Save table"),
    "rules.cal_saved": ("已保存 {n} 处修改。", "{n} changes saved."),
    "rules.cal_nochange": ("没有修改。", "No changes."),
    "rules.cal_known": (
        "{year} 年：国家日历数据已覆盖，本表中的日期会覆盖它。",
        "{year}: covered by the official calendar; rows here override it.",
    ),
    "rules.cal_custom": (
        "{year} 年：按本表 {n} 条记录 + 周一至周五计算。",
        "{year}: computed from {n} rows here + Monday–Friday.",
    ),
    "rules.cal_invalid": ("第 {row} 行：请填写日期。", "Row {row}: date required."),
    "dash.no_phase": ("未分阶段", "No phase"),
    "dash.computing": ("正在计算……", "Computing…"),
    # Charts (duban/monitoring/charts.py): legends, axes, hover labels. Plotly's %{…} stay.
    "chart.light.red": ("红灯", "Red"),
    "chart.light.yellow": ("黄灯", "Yellow"),
    "chart.light.green": ("绿灯", "Green"),
    "chart.light.grey": ("未开始/中止", "Not started / suspended"),
    "chart.light.blue": ("已办结", "Completed"),
    "chart.no_units": ("当前筛选条件下没有单位", "No unit matches the filters"),
    "chart.no_data": ("当前筛选条件下没有数据", "No data for the filters"),
    "chart.no_deadlines": (
        "当前筛选条件下没有带完成时限的任务",
        "No task with a deadline matches the filters",
    ),
    "chart.no_trend": ("暂无趋势数据", "No trend data yet"),
    "chart.no_readings": ("暂无指标读数", "No target readings yet"),
    "chart.assignments": ("分工任务数", "Assignments"),
    "chart.bars_hover": ("%{y}：%{x} 项", "%{y}: %{x}"),
    "chart.heat_cell": ("红{red}/共{n}", "{red} red of {n}"),
    "chart.red_share": ("红灯占比%", "Red share %"),
    "chart.heat_hover": (
        "%{y} · %{x}<br>%{text}<br>红灯占比 %{z:.0f}%<extra></extra>",
        "%{y} · %{x}<br>%{text}<br>Red share %{z:.0f}%<extra></extra>",
    ),
    "chart.gantt_hover": (
        "%{y}<br>牵头：%{customdata[0]}<br>完成时限：%{customdata[1]}"
        "<br>进度：%{customdata[2]:.0f}%<extra></extra>",
        "%{y}<br>Lead: %{customdata[0]}<br>Deadline: %{customdata[1]}"
        "<br>Progress: %{customdata[2]:.0f}%<extra></extra>",
    ),
    "chart.original_deadline": ("原完成时限", "Original deadline"),
    "chart.original_hover": (
        "%{y}<br>原完成时限：%{x}<extra>已延期</extra>",
        "%{y}<br>Original deadline: %{x}<extra>Extended</extra>",
    ),
    "chart.milestone": ("节点", "Milestone"),
    "chart.milestone_hover": (
        "%{y}<br>节点：%{text}<br>%{x}<extra></extra>",
        "%{y}<br>Milestone: %{text}<br>%{x}<extra></extra>",
    ),
    "chart.today": ("今天", "Today"),
    "chart.completed_week": ("本周办结", "Completed in the week"),
    "chart.completed_hover": (
        "%{x} 当周办结 %{y} 项<extra></extra>",
        "%{x}: %{y} completed that week<extra></extra>",
    ),
    "chart.overdue_week": ("周末逾期", "Overdue at week's end"),
    "chart.overdue_hover": (
        "%{x} 逾期 %{y} 项<extra></extra>",
        "%{x}: %{y} overdue<extra></extra>",
    ),
    "chart.tasks": ("任务数", "Tasks"),
    "chart.expected": ("序时进度", "Expected progress"),
    "chart.expected_hover": (
        "%{x} 序时 %{y:.0f}%<extra></extra>",
        "%{x} expected %{y:.0f}%<extra></extra>",
    ),
    "chart.actual": ("实际进度", "Actual progress"),
    "chart.actual_hover": (
        "%{x} 实际 %{y:.0f}%<extra></extra>",
        "%{x} actual %{y:.0f}%<extra></extra>",
    ),
    "chart.mean_progress": ("平均进度 %", "Mean progress %"),
    "chart.target_hover": (
        "%{y}<br>当前 %{customdata[0]:g}%{customdata[2]}，目标 "
        "%{customdata[1]:g}%{customdata[2]}<br>完成度 %{x:.0f}%<extra></extra>",
        "%{y}<br>Current %{customdata[0]:g}%{customdata[2]}, target "
        "%{customdata[1]:g}%{customdata[2]}<br>Achieved %{x:.0f}%<extra></extra>",
    ),
    "chart.achieved_axis": ("完成度 %（基线→目标）", "Achieved % (baseline → target)"),
}
