"""Strings of 方案导入 (imp.*)."""

STRINGS = {
    "imp.caption": (
        "上传实施方案（Word、文本、网页或 Excel 任务表），核对解析结果、对应单位后一次性导入；"
        "导入的任务为草稿状态，在任务台账中交办。",
        "Upload a plan (Word, text, web page or task sheet), check the result, match units, "
        "import in one step; tasks arrive as drafts to assign in the register.",
    ),
    "imp.tab_file": ("导入方案文件", "Import plan file"),
    "imp.tab_excel": ("Excel 任务表", "Excel task sheet"),
    "imp.upload": ("选择方案文件", "Plan file"),
    "imp.upload_help": (
        "支持 .docx、.txt（UTF-8/GBK）、.html、.xlsx、.csv。",
        ".docx, .txt (UTF-8/GBK), .html, .xlsx, .csv.",
    ),
    "imp.year": ("方案年份", "Plan year"),
    "imp.year_help": (
        "文中日期未写年份、且无法从成文日期或文号判断时使用；留空则自动识别。",
        "Used for dates without a year when the document does not tell; empty = auto.",
    ),
    "imp.year_auto": ("自动识别", "auto"),
    "imp.maybe": ("可能是：{names}", "Maybe: {names}"),
    "imp.year_hint": ("可在右上方“方案年份”中填写年份", "enter the plan year above"),
    "imp.unit_rest": (
        "下面未逐一选择的单位统一处理为",
        "Units left undecided below",
    ),
    "imp.step_sheet": ("② 检查结果（{n} 项任务）", "② Check ({n} tasks)"),
    "imp.sheet_preview": ("查看任务表内容", "Show the tasks"),
    "imp.step_commit_sheet": ("③ 导入", "③ Import"),
    "imp.done_short": ("导入完成", "Imported"),
    "imp.too_big": ("文件过大（{mb:.1f} MB），方案文件不能超过 10 MB。", "File too large."),
    "imp.parsing": ("正在解析方案…", "Parsing…"),
    "imp.parse_failed": ("无法导入该文件：{msg}", "Cannot import this file: {msg}"),
    "imp.warnings": ("解析提示（{n} 条）", "Parser notes ({n})"),
    "imp.step_header": ("① 方案信息", "① Plan"),
    "imp.title": ("方案名称", "Title"),
    "imp.issuer": ("发文单位", "Issuer"),
    "imp.doc_number": ("文号", "Document number"),
    "imp.issued_on": ("成文日期", "Issued on"),
    "imp.phases": ("实施阶段", "Phases"),
    "imp.phases_help": (
        "方案“实施步骤”中的阶段，用顿号“、”分隔；任务表“阶段”列填写其中之一。",
        "The plan's stages (实施步骤), separated by 、; a task's 阶段 names one of them.",
    ),
    "imp.phases_none": ("未识别到阶段", "No phases found"),
    "imp.step_tasks": ("② 任务（{n} 项，可直接修改）", "② Tasks ({n}, editable)"),
    "imp.tasks_help": (
        "多个单位用顿号“、”分隔；节点写作“2026-06-30 完成内容”、指标写作“网办率 ≥ 95%”，"
        "多条用分号“；”分隔。可增删行。",
        "Separate units with 、; milestones as '2026-06-30 text', targets as 'rate ≥ 95%', "
        "several separated by ；.",
    ),
    "imp.evidence": (
        "识别依据：单位和时限从哪里读出（{n} 项）",
        "Where units and deadlines came from ({n})",
    ),
    "imp.evidence_help": (
        "每项任务的原文；:orange-background[橙色]是读出单位的文字，:blue-background[蓝色]是读出完成时限"
        "的文字。没有标色的任务，单位或时限是空的，请在上表补填。",
        "Each task's words in the document: :orange-background[orange] gave its units, "
        ":blue-background[blue] its deadline. Nothing marked: fill it in above.",
    ),
    "imp.evidence_units": ("单位读自", "Units from"),
    "imp.evidence_deadline": ("时限读自", "Deadline from"),
    "imp.evidence_more": ("另有 {n} 项任务未列出。", "{n} more tasks not listed."),
    "imp.no_deadline": (
        "{n} 项任务没有完成时限，可在表中补填（也可导入后在台账中补充）。",
        "{n} tasks have no deadline.",
    ),
    "imp.row_errors": ("有 {n} 处需要修改：", "{n} problems to fix:"),
    "imp.step_units": ("③ 单位对应", "③ Units"),
    "imp.units_none": ("任务中没有识别到单位。", "No units found in the tasks."),
    "imp.units_matched": ("已自动对应 {n} 个单位", "{n} units matched"),
    "imp.units_todo": (
        "以下 {n} 个单位未能自动对应，请逐一选择：对应到现有单位、新建为单位，或不导入该单位。",
        "{n} units need a decision: map, create or drop.",
    ),
    "imp.unit_pick": ("— 请选择 —", "— choose —"),
    "imp.unit_create": ("🆕 新建为单位", "🆕 Create as new unit"),
    "imp.unit_drop": ("🚫 不导入该单位", "🚫 Leave out"),
    "imp.unit_undecided": (
        "还有 {n} 个单位未选择对应方式。",
        "{n} units still undecided.",
    ),
    "imp.col_name": ("方案中的名称", "Name in plan"),
    "imp.col_dept": ("对应单位", "Unit"),
    "imp.col_method": ("匹配方式", "How"),
    "imp.step_commit": ("④ 导入", "④ Import"),
    "imp.reimport": (
        "⚠️ {msg}",
        "⚠️ {msg}",
    ),
    "imp.force": ("仍然导入（再建一份方案）", "Import anyway (a second copy)"),
    "imp.commit": ("导入 {n} 项任务", "Import {n} tasks"),
    "imp.importing": ("正在导入…", "Importing…"),
    "imp.done": (
        "已导入方案“{title}”：任务 {tasks} 项，分工 {assignments} 条，节点 {milestones} 个，"
        "指标 {targets} 个。",
        "Imported '{title}': {tasks} tasks, {assignments} assignments, {milestones} milestones, "
        "{targets} targets.",
    ),
    "imp.done_units": ("新建单位：{names}", "New units: {names}"),
    "imp.done_dropped": ("未导入的单位：{names}", "Left out: {names}"),
    "imp.done_next": (
        "任务为草稿状态，请到任务台账核对并交办。",
        "Tasks are drafts: check and assign them in the register.",
    ),
    "imp.to_register": ("前往任务台账", "Open the register"),
    "imp.template_title": ("下载模板或导出现有方案", "Template and export"),
    "imp.template": ("下载任务表模板", "Download template"),
    "imp.export_plan": ("导出方案任务", "Plan to export"),
    "imp.export": ("导出为任务表", "Export as task sheet"),
    "imp.no_plans": ("还没有实施方案。", "No plans yet."),
    "imp.upload_sheet": ("上传填好的任务表（.xlsx）", "Filled task sheet (.xlsx)"),
    "imp.sheet_help": (
        "使用上方模板；导出的方案任务表修改后也可再导入为新方案。",
        "Use the template; an exported sheet can be imported again as a new plan.",
    ),
    "imp.not_sheet": (
        "该工作簿不是任务表模板格式（缺少“序号/上级序号/任务名称/牵头单位”表头）。"
        "普通任务分工表请在“导入方案文件”中上传。",
        "Not our task-sheet layout; upload ordinary task tables under 'Import plan file'.",
    ),
    "imp.sheet_ok": ("任务表检查通过：{n} 项任务。", "Sheet OK: {n} tasks."),
    "imp.sheet_errors": (
        "任务表有 {n} 处错误（涉及 {rows} 行）。请修改后重新上传，或勾选下方选项跳过这些行。",
        "{n} problems in {rows} rows. Fix and upload again, or skip those rows.",
    ),
    "imp.col_row": ("行号", "Row"),
    "imp.col_problem": ("问题", "Problem"),
    "imp.skip_rows": (
        "跳过有错误的行（共 {n} 行，含其下级任务），只导入其余 {m} 项",
        "Skip the {n} invalid rows (and their sub-tasks); import the other {m}",
    ),
    "imp.nothing_left": ("没有可导入的任务。", "Nothing left to import."),
    # data editor column labels
    "imp.c_code": ("序号", "Code"),
    "imp.c_parent_code": ("上级序号", "Parent"),
    "imp.c_title": ("任务名称", "Title"),
    "imp.c_description": ("任务内容", "Text"),
    "imp.c_phase": ("阶段", "Phase"),
    "imp.c_lead_units": ("牵头单位", "Lead"),
    "imp.c_responsible_units": ("责任单位", "Responsible"),
    "imp.c_deadline": ("完成时限", "Deadline"),
    "imp.c_milestones": ("时间节点", "Milestones"),
    "imp.c_targets": ("指标", "Targets"),
    "imp.c_weight": ("权重", "Weight"),
}
