"""督查检查 (inspections): placeholder until its own issue builds it."""

from ui.common import coming_soon

coming_soon("inspections")
