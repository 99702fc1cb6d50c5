"""任务台账 (tasks): placeholder until its own issue builds it."""

from ui.common import coming_soon

coming_soon("tasks")
