"""The page registry: every page file with its title key and icon (app.py builds the nav).

Icons are emoji, not Material icon names: the material icon font is fetched from the
internet, and offline (as on the government intranets Duban runs on) the names show as text.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PageDef:
    key: str
    icon: str

    @property
    def path(self) -> str:
        return f"pages/{self.key}.py"


PAGES = [
    PageDef("dashboard", "📊"),
    PageDef("inbox", "📌"),
    PageDef("my_tasks", "📥"),
    PageDef("tasks", "📋"),
    PageDef("charts", "📈"),
    PageDef("inspections", "🔍"),
    PageDef("notices", "📢"),
    PageDef("assessment", "🏆"),
    PageDef("import_plan", "📄"),
    PageDef("admin", "⚙️"),
    PageDef("account", "👤"),
]
