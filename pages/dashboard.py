"""领导驾驶舱 (dashboard): placeholder until its own issue builds it."""

from ui.common import coming_soon

coming_soon("dashboard")
