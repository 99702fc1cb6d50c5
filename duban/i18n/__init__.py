"""The UI string catalog: zh (default) and en. Each area adds a module with STRINGS.

Every module in this package defines `STRINGS = {key: (zh, en)}`; they are merged here and a
key defined twice is an error, so areas cannot silently overwrite each other.
"""

import importlib
import pkgutil
import re

LOCALES = ("zh", "en")
LOCALE_LABELS = {"zh": "中文", "en": "English"}


def _load() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        for key, pair in getattr(mod, "STRINGS", {}).items():
            if key in merged:
                raise ValueError(f"i18n key {key!r} defined twice (in {info.name})")
            merged[key] = pair
    return merged


CATALOG = _load()


def translate(text: str, patterns: list[tuple[str, str]], lang: str = "zh") -> str:
    """Text a module wrote in Chinese (a reason, a why), in `lang`: each (regex, key) of
    `patterns` in turn replaces its matches by the key's text, its groups as {n}/{d}."""
    if not text or lang == "zh":
        return text or ""
    for pattern, key in patterns:
        template = t(key, lang, n="{0}", d="{0}")

        def fill(m: re.Match[str], template: str = template) -> str:
            return template.format(*m.groups())

        text = re.sub(pattern, fill, text)
    return text


def t(key: str, lang: str = "zh", **kwargs) -> str:
    """The string for `key` in `lang`, formatted with kwargs; a missing key shows itself."""
    pair = CATALOG.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" and pair[1] else pair[0]
    return text.format(**kwargs) if kwargs else text
