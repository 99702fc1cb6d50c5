"""考核排名 (assessment): placeholder until its own issue builds it."""

from ui.common import coming_soon

coming_soon("assessment")
