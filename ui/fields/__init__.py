"""Custom fields and 督办事项来源 in the UI: 系统管理's tabs, and the inputs and words the task
form, detail and bulk edit share."""
