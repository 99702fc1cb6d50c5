"""通知通报 (notices): placeholder until its own issue builds it."""

from ui.common import coming_soon

coming_soon("notices")
