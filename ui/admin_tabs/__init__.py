"""Administration tabs, discovered: each module here defines TABS = [(order, i18n key, render)].

An area adds its settings (warning rules, holidays, notice templates, …) by adding a module,
without touching the page or the other areas' tabs.
"""

import importlib
import pkgutil


def collect() -> list[tuple[int, str, object]]:
    tabs = []
    for info in pkgutil.iter_modules(__path__):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        tabs.extend(getattr(mod, "TABS", []))
    return sorted(tabs, key=lambda x: x[0])
