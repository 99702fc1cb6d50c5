"""Chinese numerals: the one parser (一百零五, 二十, 二〇二〇, １５ → int) and the one formatter."""

# Each digit's ways of writing: plain, financial (大写), and the zeros of typed years (二○二○).
_DIGIT_FORMS = [
    "零〇○OＯ",
    "一壹",
    "二两贰",
    "三叁",
    "四肆",
    "五伍",
    "六陆",
    "七柒",
    "八捌",
    "九玖",
]
DIGITS = {ch: value for value, forms in enumerate(_DIGIT_FORMS) for ch in forms}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_MYRIAD = {"万": 10_000, "萬": 10_000}
_WRITTEN = "零一二三四五六七八九"


def parse_int(text: str) -> int | None:
    """The integer a numeral spells, or None if `text` is not one.

    Accepts Arabic digits (also full-width), digit-by-digit Chinese (二〇二〇 → 2020, as years
    are written) and Chinese with units (十五, 二十, 一百零五, 两千, 三万五千). Anything else —
    an empty string, a stray character, units in an impossible order — is None.
    """
    s = text.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if not any(ch in UNITS or ch in _MYRIAD for ch in s):
        if any(ch not in DIGITS for ch in s):
            return None
        value = 0
        for ch in s:
            value = value * 10 + DIGITS[ch]
        return value
    total = section = 0
    digit: int | None = None
    last_unit = 10**9
    for ch in s:
        if ch in DIGITS:
            if digit:  # 一百二三: two digits with no unit between them
                return None
            digit = DIGITS[ch]
        elif ch in UNITS:
            unit = UNITS[ch]
            if unit >= last_unit:
                return None
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        elif ch in _MYRIAD:
            if section == 0 and digit is None:
                return None
            total += (section + (digit or 0)) * _MYRIAD[ch]
            section, digit, last_unit = 0, None, 10**9
        else:
            return None
    return total + section + (digit or 0)


def format_int(n: int) -> str:
    """0–9999 in Chinese as counted in documents: 7 → 七, 10 → 十, 25 → 二十五, 105 → 一百零五."""
    if not 0 <= n < 10_000:
        raise ValueError(f"超出范围的数字：{n}")
    if n < 10:
        return _WRITTEN[n]
    if n < 20:
        return "十" + (_WRITTEN[n - 10] if n > 10 else "")
    out = ""
    pending_zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if d:
            if pending_zero:
                out += "零"
            out += _WRITTEN[d] + name
            pending_zero = False
        elif out:
            pending_zero = True
    return out
