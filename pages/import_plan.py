"""方案导入 (import_plan): placeholder until its own issue builds it."""

from ui.common import coming_soon

coming_soon("import_plan")
