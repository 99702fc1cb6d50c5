"""The task pages' pieces: 任务台账 (register, detail, forms, bulk edit, office actions) and 我的任务 (desk)."""
