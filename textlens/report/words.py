"""How the report shows machine values to a reader, in French or English.

Tables keep their machine column names and values (`kind = "verbatim"`, `flag = "emerging"`,
`period = "2000-2004"`) so the JSON and the DataFrames stay stable for scripts; only what a reader sees
(HTML, Markdown, XLSX headers, chart labels) goes through these functions. Words come from the catalog
`textlens/data/i18n/report.toml`.
"""
from __future__ import annotations

import re
from typing import Any

from textlens import i18n

_SPAN = re.compile(r"(\d{4})-(\d{4})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ISO_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})")
# columns whose values are machine words with a catalog entry report.value.<column>.<value>
_VALUE_COLUMNS = {"kind": "kind", "flag": "flag", "direction": "direction", "type": "type", "other_type": "type",
                  "dated_by": "dated_by", "language": "language", "taxonomy": "taxonomy", "status": "status",
                  "versus": "versus"}


def period_text(period: Any, lang: str = i18n.DEFAULT_LANG) -> str:
    """A period as a reader writes it: spans with an en dash (2003–2013), French quarters as T2 2008."""
    text = "" if period is None else str(period)
    if _SPAN.fullmatch(text):
        return _SPAN.sub(r"\1–\2", text)
    quarter = _QUARTER.fullmatch(text)
    if quarter and lang == "fr":
        return f"T{quarter.group(2)} {quarter.group(1)}"
    if text == "undated":
        return i18n.t("report.value.year.undated", lang)
    return text


def period_name(by: str, lang: str = i18n.DEFAULT_LANG) -> str:
    """year -> année; 5y -> période de 5 ans / 5-year period."""
    span = re.fullmatch(r"(\d+)y", by)
    if span:
        return i18n.t("report.by.span", lang, n=span.group(1))
    return i18n.t(f"report.by.{by}", lang)


def date_text(value: str | None, lang: str = i18n.DEFAULT_LANG) -> str:
    """An ISO date (or date and time) as '7 décembre 2026' / 'December 7, 2026' (time kept when given)."""
    if not value:
        return ""
    stamp = _ISO_DATETIME.fullmatch(value) or _ISO_DATE.fullmatch(value)
    if not stamp:
        return value
    year, month, day = int(stamp.group(1)), int(stamp.group(2)), int(stamp.group(3))
    if not 1 <= month <= 12:
        return value
    month_name = i18n.t(f"report.month.{month}", lang)
    text = f"{day} {month_name} {year}" if lang == "fr" else f"{month_name} {day}, {year}"
    if stamp.re is _ISO_DATETIME:
        text = i18n.t("report.date_at_time", lang, date=text, time=f"{stamp.group(4)}:{stamp.group(5)}")
    return text


def plotly_locale(lang: str = i18n.DEFAULT_LANG) -> dict[str, Any]:
    """plotly.js number/date locale of the charts (config.locales[lang].format): French axes read 12,5 and 40 %."""
    months = [i18n.t(f"report.month.{m}", lang) for m in range(1, 13)]
    days = i18n.t("report.days", lang).split(",")
    french = lang == "fr"
    return {
        "decimal": "," if french else ".", "thousands": "\u202f" if french else ",", "grouping": [3],
        "currency": ["", "\u00a0€"] if french else ["$", ""], "percent": "\u202f%" if french else "%",
        "days": days, "shortDays": [d[:3] for d in days], "months": months,
        "shortMonths": [m[:4].rstrip(".") if french else m[:3] for m in months], "periods": ["AM", "PM"],
        "dateTime": "%A %e %B %Y, %X", "date": "%d/%m/%Y" if french else "%m/%d/%Y", "time": "%H:%M:%S",
        "year": "%Y", "month": "%b %Y", "dayMonth": "%-d %b" if french else "%b %-d",
        "dayMonthYear": "%-d %b %Y" if french else "%b %-d, %Y",
    }


def filters_text(active: dict[str, Any], lang: str = i18n.DEFAULT_LANG) -> str:
    """The report's filters in words ('depuis : 2008, type : article'), or 'all documents' when none is set."""
    if not active:
        return i18n.t("report.meta.all_documents", lang)
    parts = []
    for name, value in active.items():
        label = i18n.catalog(lang).get(f"report.filter.{name}") or name
        shown = value_text("type" if name == "type" else "kind" if name == "kind" else name, value, lang)
        if name == "sentiment":
            shown = i18n.t(f"report.sentiment.label.{value}", lang)
        parts.append(i18n.t("report.filter.item", lang, name=label, value=shown))
    return ", ".join(parts)


def quality_name(key: str, lang: str = i18n.DEFAULT_LANG) -> str:
    """A topic-quality key ('groups.press.npmi') in words ('presse · cohérence (NPMI)'); unknown parts as written."""
    parts = [p for p in key.split(".") if p != "groups"]
    words = i18n.catalog(lang)
    return " · ".join(words.get(f"report.quality.{p}") or p for p in parts)


def header_text(column: Any, lang: str = i18n.DEFAULT_LANG) -> str:
    """A column's header: its catalog words, else the column name itself (new columns stay readable)."""
    name = str(column)
    return i18n.catalog(lang).get(f"report.col.{name}") or name


def value_text(column: Any, value: Any, lang: str = i18n.DEFAULT_LANG) -> Any:
    """A cell's machine word in the report's language (other values unchanged)."""
    group = _VALUE_COLUMNS.get(str(column))
    if str(column) in ("year", "period") or str(column).endswith("_period"):
        return period_text(value, lang) if isinstance(value, str) else value
    if group is None or not isinstance(value, str):
        return value
    return i18n.catalog(lang).get(f"report.value.{group}.{value}") or value


def type_name(entity_type: str, lang: str = i18n.DEFAULT_LANG, plural: bool = False) -> str:
    """An entity type (VENDOR...) in words; unknown types as written."""
    key = f"report.value.{'types' if plural else 'type'}.{entity_type}"
    return i18n.catalog(lang).get(key) or entity_type
