"""我的任务 (my_tasks): placeholder until its own issue builds it."""

from ui.common import coming_soon

coming_soon("my_tasks")
