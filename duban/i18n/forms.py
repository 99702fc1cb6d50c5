"""Strings shared by forms: the stale-edit note and the pickers' placeholders."""

STRINGS = {
    "form.stale_note": (
        "打开此表单后，该记录已被他人修改。保存将被拒绝（您填写的内容仍保留在表单中）；"
        "点击“载入最新”放弃您的修改并显示最新内容。",
        "Someone changed this record after you opened the form. Saving will be refused (what "
        "you typed stays in the form); Reload drops your changes and shows the latest version.",
    ),
    "form.reload": ("载入最新", "Reload"),
    # Streamlit's own placeholders are English ("Choose an option"): every picker says ours.
    "form.choose": ("请选择", "Choose…"),
    "form.choose_many": ("请选择（可多选）", "Choose one or more…"),
    # The file uploader: our words where Streamlit's English ones are hidden (ui.common).
    "upload.button": ("选择文件", "Choose files"),
    "upload.limit_one": ("单个文件不超过 {mb} MB", "One file, at most {mb} MB"),
    "upload.limit_many": (
        "单个文件不超过 {mb} MB，最多 {n} 个",
        "At most {mb} MB per file, up to {n} files",
    ),
}
