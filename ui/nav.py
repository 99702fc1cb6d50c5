"""The page registry: every page file with its title key and icon (app.py builds the nav)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PageDef:
    key: str
    icon: str

    @property
    def path(self) -> str:
        return f"pages/{self.key}.py"


PAGES = [
    PageDef("dashboard", ":material/monitoring:"),
    PageDef("my_tasks", ":material/inbox:"),
    PageDef("tasks", ":material/list_alt:"),
    PageDef("inspections", ":material/fact_check:"),
    PageDef("notices", ":material/campaign:"),
    PageDef("assessment", ":material/leaderboard:"),
    PageDef("import_plan", ":material/upload_file:"),
    PageDef("admin", ":material/admin_panel_settings:"),
    PageDef("account", ":material/person:"),
]
