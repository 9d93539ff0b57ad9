"""Valid-time texts as a reader says them, qualifiers kept (docs/api.md §11): `2025-05~` is
"c. May 2025", `2025-05?` is "May 2025?", `2025-05-23/..` is "from 23 May 2025". The web page
(api/web/app.js, fmtValid) says them the same way. Pure."""

from __future__ import annotations

import re

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_INSTANT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}:[0-9]{2}(?::[0-9]{2})?)(?:\.[0-9]+)?(.*)\Z")


def display_date(text: str) -> str:
    parts = text.split("/")
    if len(parts) == 2:
        first, last = parts
        if last == "..":
            return f"from {display_date(first)}"
        if first == "..":
            return f"until {display_date(last)}"
        return f"{display_date(first)} – {display_date(last)}"
    body, qualifier = (text[:-1], text[-1]) if text[-1:] in "?~%" else (text, "")
    shown = _plain(body)
    if qualifier in ("~", "%"):
        shown = f"c. {shown}"
    if qualifier in ("?", "%"):
        shown = f"{shown}?"
    return shown


def _plain(text: str) -> str:
    instant = _INSTANT.match(text)
    if instant:
        day, clock, zone = instant.groups()
        return f"{_plain(day)}, {clock} {'UTC' if zone in ('', 'Z') else f'(UTC{zone})'}"
    year, *rest = text.split("-")
    if "X" in year:  # 202X, 20XX
        first, last = year.replace("X", "0"), year.replace("X", "9")
        return f"{first}s" if year.count("X") == 1 else f"{first}–{last}"
    month = rest[0] if rest and rest[0] != "XX" else None
    day = rest[1] if len(rest) > 1 and rest[1] != "XX" else None
    if month is None:
        return year
    name = MONTHS[int(month) - 1]
    return f"{int(day)} {name} {year}" if day else f"{name} {year}"
