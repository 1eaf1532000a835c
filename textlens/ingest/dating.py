"""When was a document published? Explicit, tested rules over French and English datelines.

Trends over years are only as good as the years, so a publication date must come from a place
that states one: a metadata field, a dateline in the text (near the top or bottom, after a
publication cue such as "Publié le", a standalone date line, "Montreuil, le 14 décembre 2011"),
then a date in the file name or URL. A date or year merely cited in running text ("créé en 2004",
"le 21 janvier 2002" inside a sentence) never counts as the publication date; when nothing else
exists the most recent plausible cited year is returned as `source="inferred"` with low confidence.
dateparser is used only for odd metadata values that the explicit patterns do not cover.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath
from typing import Any

MIN_YEAR = 1980


def max_year() -> int:
    return dt.date.today().year


@dataclass(frozen=True)
class DateInfo:
    """A resolved date: ISO `date` (YYYY-MM-DD, YYYY-MM or YYYY), `year`, where it came from and why."""

    date: str | None = None
    year: int | None = None
    source: str | None = None  # metadata | text | filename | url | inferred | None
    evidence: str | None = None
    confidence: float | None = None

    def __bool__(self) -> bool:
        return self.year is not None


NO_DATE = DateInfo()

_MONTH_NAMES = {
    1: ("janvier", "january", "janv", "jan"),
    2: ("février", "fevrier", "february", "févr", "fevr", "fév", "fev", "feb"),
    3: ("mars", "march", "mar"),
    4: ("avril", "april", "avr", "apr"),
    5: ("mai", "may"),
    6: ("juin", "june", "jun"),
    7: ("juillet", "july", "juil", "jul"),
    8: ("août", "aout", "august", "aug"),
    9: ("septembre", "september", "sept", "sep"),
    10: ("octobre", "october", "oct"),
    11: ("novembre", "november", "nov"),
    12: ("décembre", "decembre", "december", "déc", "dec"),
}
_MONTH_OF = {name: num for num, names in _MONTH_NAMES.items() for name in names}
_MONTH_RE = "|".join(sorted(_MONTH_OF, key=len, reverse=True))
_WEEKDAYS = (
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    "lun|mar|mer|jeu|ven|sam|dim|mon|tue|wed|thu|fri|sat|sun"
)
_M = rf"(?P<m>{_MONTH_RE})\.?(?![a-zà-ÿ])"
_Y = r"(?P<y>(?:19|20)\d\d)(?!\d)"
_WD = rf"(?:(?:{_WEEKDAYS})\.?,?\s+)?"
_TIME = r"(?:\s*(?:à|a|at|-|,|–)?\s*\d{1,2}\s*[:h]\s*\d{2}(?:\s*:\s*\d{2})?(?:\s*[ap]\.?m\.?)?)?"

# Each pattern: (regex, granularity); groups d/m/y, m may be a name or a number.
_DATE_PATTERNS = [
    (re.compile(rf"(?<![\w/.-]){_WD}(?P<d>1er|[0-3]?\d)(?:er)?\s+{_M},?\s+{_Y}", re.I), "day"),
    (re.compile(rf"(?<![\w/.-]){_WD}{_M}\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+{_Y}", re.I), "day"),
    (re.compile(rf"(?<![\w/.-])(?P<d>[0-3]?\d)\s*([/.\-])\s*(?P<m>[01]?\d)\s*\2\s*{_Y}"), "day"),
    (re.compile(rf"(?<![\w/.-]){_Y}([/\-.])(?P<m>[01]\d)\2(?P<d>[0-3]\d)(?![\d])"), "day"),
    (re.compile(rf"(?<![\w/.-]){_Y}-(?P<m>[01]\d)(?![\d\-/])"), "month"),
    (re.compile(rf"(?<![\w/.-])(?:en\s+|in\s+)?{_M}\s+{_Y}", re.I), "month"),
]


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    year: int
    month: int | None
    day: int | None

    @property
    def iso(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


def _valid(year: int, month: int | None, day: int | None) -> bool:
    if not MIN_YEAR <= year <= max_year():
        return False
    if month is None:
        return True
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    try:
        return dt.date(year, month, day) <= dt.date.today()
    except ValueError:
        return False


_YEAR_DIGITS = re.compile(r"(?:19|20)\d\d")


def find_dates(text: str) -> list[DateMatch]:
    """All valid full (day or month precision) dates in `text`, non-overlapping, in text order."""
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []
    # Every date contains a year: scan only windows around year-like digits (long paragraphs are
    # mostly free of them, and the month-name patterns are costly to try at every position).
    windows: list[list[int]] = []
    for y in _YEAR_DIGITS.finditer(text):
        a, b = max(0, y.start() - 45), min(len(text), y.end() + 8)
        if windows and a <= windows[-1][1]:
            windows[-1][1] = b
        else:
            windows.append([a, b])
    matches = [(m, granularity, pattern) for pattern, granularity in _DATE_PATTERNS
               for a, b in windows for m in pattern.finditer(text, a, b)]
    for m, granularity, pattern in matches:
        if any(m.start() < b and a < m.end() for a, b in taken):
            continue
        year = int(m.group("y"))
        raw_month = m.group("m")
        month = int(raw_month) if raw_month.isdigit() else _MONTH_OF[raw_month.lower()]
        day = None
        if granularity == "day":
            raw_day = m.group("d").lower()
            day = 1 if raw_day == "1er" else int(raw_day)
            if raw_month.isdigit() and month > 12 >= day and pattern is _DATE_PATTERNS[2][0]:
                day, month = month, day  # 06/13/2012 written month-first
        if not _valid(year, month, day):
            continue
        found.append(DateMatch(m.start(), m.end(), year, month, day))
        taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


# Cues that announce the publication (or update) date of the page itself.
_PUBLISHED_CUE = re.compile(
    r"(publi[ée]e?s?\b|paru(?:e|tion)?\b|post[ée]e?\b|written on|posted(?: on)?|published(?: on)?|"
    r"mise? en ligne|date de publication|date de parution|\bdat[ée]e? (?:du|de)\b|\bdate\b\s*:?|édition du|"
    r"\b(?:[ée]dito(?:rial)?|lettre|newsletter|bulletin|billet|chronique)\b[^.\n]{0,30}?\bdu\s*$)",
    re.I,
)
_UPDATED_CUE = re.compile(r"(mis[e]? à jour|mise à jour|updated(?: on)?|modifi[ée]e? le|last modified)", re.I)
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:publi[ée]e?|r[ée]dig[ée]e?|[ée]crite?|post[ée]e?|written|posted)\s+)?(?:par|by)\s+[^|\n]{1,80}?(?:\s*[|•·,]\s*|\s+[–—-]\s+|\s+(?:le|on)\s+)", re.I
)
_PLACE_DATELINE = re.compile(
    r"^(?:fait\s+à\s+)?[A-ZÉÈÀÂÎÔ][\w'’.\-]*(?:[ \-](?:[A-ZÉÈÀÂÎÔ]|sur|sous|en|le|la|les|de|du)[\w'’.\-]*){0,4}"
    r"\s*,\s*(?:le)?$",
)
# After a date at the start of a short line: a rubric or a byline ("| Services publics", "par admin").
_RUBRIC_AFTER = re.compile(
    r"^\s*,?\s*(?:(?:à|a|at)\s*)?(?:\d{1,2}\s*[:h]\s*\d{2}\s*)?(?:[|—–•·]|-\s|,?\s*(?:par|by)\s)", re.I
)
# Magazine issue headers: "En-Contact n°45 – avril 2002"
_ISSUE_PREFIX = re.compile(r"^.{0,40}?\bn[°o]\.?\s*\d+\s*[-–—,|:]?\s*", re.I)
_BULLET = re.compile(r"^[\s•·\-–—*>|#]+")
_LINE_RE = re.compile(r"[^\n]+")

_HAS_YEAR = re.compile(r"(?:19|20)\d\d")
_CUE_AT_START = re.compile(
    r"^[\s•·\-–—*>|]*(?:par\s[^|]{0,60}\|\s*)?(?:this article|article|publi|paru|post|mis|mise|updated|"
    r"published|date|le\s)", re.I)
HEAD_LINES = 12  # non-empty lines at the top where datelines live
TAIL_LINES = 4


def _line_is_just_date(rest: str) -> bool:
    """True when what remains of a line around a date is only punctuation/time/short connectors."""
    rest = re.sub(r"(?i)t?\d{1,2}\s*[:h]\s*\d{2}(\s*:\s*\d{2})?(\.\d+)?(z|\s*[+-]\d{2}:?\d{2}|\s*utc|\s*gmt)?",
                  " ", rest)
    rest = re.sub(r"[\s,.;:|•·\-–—()\[\]/]+", " ", rest).strip().lower()
    return rest in ("", "le", "à", "a", "at", "on", "the", "du", "le à", "updated", "publié", "publié le")


def _candidates(text: str, title: str | None) -> list[tuple[float, int, DateMatch, str]]:
    """(confidence, position, date, evidence) for every dateline-like date of the document."""
    lines = [(m.start(), m.group()) for m in _LINE_RE.finditer(text) if m.group().strip()]
    if title:
        lines.insert(0, (-1, title))
    n = len(lines)
    out: list[tuple[float, int, DateMatch, str]] = []
    for idx, (offset, line) in enumerate(lines):
        in_head = idx < HEAD_LINES
        in_tail = idx >= n - TAIL_LINES
        if not _HAS_YEAR.search(line):
            continue
        stripped = _BULLET.sub("", line).strip()
        words = len(stripped.split())
        if not (in_head or in_tail) and (words > 15 or not _CUE_AT_START.match(line)):
            continue  # mid-text lines count only as short cue-led datelines
        dates = find_dates(line)
        for d in dates:
            before, after = line[: d.start], line[d.end:]
            evidence = line[d.start: d.end].strip()
            window = before[-70:]
            pub = list(_PUBLISHED_CUE.finditer(window))
            upd = list(_UPDATED_CUE.finditer(window))
            cue_at_start = bool(_CUE_AT_START.match(line))
            short = words <= 25
            conf = 0.0
            if upd and (not pub or upd[-1].start() > pub[-1].start()):
                if (in_head or in_tail) and short or cue_at_start and words <= 15:
                    conf = 0.8
            elif pub:
                if (in_head or in_tail) and short or cue_at_start and words <= 15:
                    conf = 0.95
            if not conf and (in_head or in_tail):
                head = _ISSUE_PREFIX.sub("", _BYLINE_PREFIX.sub("", _BULLET.sub("", before)))
                if _line_is_just_date(head + " " + after):
                    conf = 0.9  # a standalone date line, possibly "Par X | date"
                elif _line_is_just_date(head) and words <= 12 and _RUBRIC_AFTER.match(after):
                    conf = 0.85  # "9 déc. 2021 | Services publics", "Le 3 octobre 2024 — Rubrique Études"
                elif d.day and _PLACE_DATELINE.match(head.strip()):
                    conf = 0.9  # "Montreuil, le 14 décembre 2011 – ..."
            if conf:
                if d.day is None:
                    conf -= 0.1
                out.append((conf, offset, d, evidence))
    return out


_CITED_YEAR = re.compile(r"(?<![\d.,/\-])((?:19|20)\d\d)(?![\d%]|\s*%|[.,]\d)")


def infer_year(text: str) -> DateInfo:
    """The most recent plausible year cited in the text: a weak hint, marked `inferred`."""
    best: tuple[int, str] | None = None
    for m in _CITED_YEAR.finditer(text):
        year = int(m.group(1))
        if MIN_YEAR <= year <= max_year() and (best is None or year > best[0]):
            a, b = max(0, m.start() - 30), min(len(text), m.end() + 10)
            best = (year, " ".join(text[a:b].split()))
    if best is None:
        return NO_DATE
    return DateInfo(str(best[0]), best[0], "inferred", best[1], 0.3)


def parse_publication_date(text: str, title: str | None = None, infer: bool = True) -> DateInfo:
    """Publication date stated in the text (source "text"), else an inferred year, else NO_DATE."""
    candidates = _candidates(text, title)
    if candidates:
        conf, _, d, evidence = max(candidates, key=lambda c: (c[0], -c[1]))
        return DateInfo(d.iso, d.year, "text", evidence, round(conf, 2))
    return infer_year(text) if infer else NO_DATE


# ---- metadata values, file names and URLs ------------------------------------------------------

_ISO_PREFIX = re.compile(r"^\s*((?:19|20)\d\d)(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T\s].*)?$")
_YEAR_ONLY = re.compile(r"^\s*((?:19|20)\d\d)(?:\.0)?\s*$")


@lru_cache(maxsize=4096)
def _parse_date_string(value: str) -> tuple[str, int] | None:
    m = _YEAR_ONLY.match(value)
    if m:
        year = int(m.group(1))
        return (str(year), year) if _valid(year, None, None) else None
    m = _ISO_PREFIX.match(value)
    if m:
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        mo = int(month) if month else None
        da = int(day) if day else None
        if _valid(year, mo, da):
            return DateMatch(0, 0, year, mo, da).iso, year
        return None
    found = find_dates(value)
    if found:
        return found[0].iso, found[0].year
    import dateparser

    parsed = dateparser.parse(
        value, languages=["fr", "en"],
        settings={"DATE_ORDER": "DMY", "REQUIRE_PARTS": ["year"], "PREFER_DAY_OF_MONTH": "first",
                  "RETURN_AS_TIMEZONE_AWARE": False,
                  "PARSERS": ["timestamp", "custom-formats", "absolute-time"]},
    )
    if parsed is not None and _valid(parsed.year, parsed.month, parsed.day):
        return parsed.date().isoformat(), parsed.year
    return None


def parse_date_value(value: Any) -> DateInfo | None:
    """A metadata date (datetime, number, ISO or written string) as DateInfo; None if unparseable/empty."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if not _valid(value.year, value.month, value.day):
            return None
        return DateInfo(value.isoformat(), value.year, "metadata", value.isoformat(), 1.0)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            return None
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = str(value).strip()
    if not text or len(text) > 200:
        return None
    parsed = _parse_date_string(text)
    if parsed is None:
        return None
    return DateInfo(parsed[0], parsed[1], "metadata", text, 1.0)


_PATH_DATE = re.compile(
    r"(?<![0-9A-Za-z])((?:19|20)\d\d)[-_.]?([01]\d)(?:[-_.]?([0-3]\d))?(?![0-9A-Za-z])"
)
_PATH_YEAR = re.compile(r"(?<![0-9A-Za-z])((?:19|20)\d\d)(?![0-9A-Za-z])")


def _date_in_name(name: str, source: str) -> DateInfo:
    for m in _PATH_DATE.finditer(name):
        year, month = int(m.group(1)), int(m.group(2))
        day = int(m.group(3)) if m.group(3) else None
        if _valid(year, month, day):
            iso = DateMatch(0, 0, year, month, day).iso
            return DateInfo(iso, year, source, m.group(0), 0.7 if day else 0.6)
    years = [int(y) for y in _PATH_YEAR.findall(name) if _valid(int(y), None, None)]
    if len(set(years)) == 1:
        return DateInfo(str(years[0]), years[0], source, str(years[0]), 0.5)
    return NO_DATE


def date_from_path(path: str | PurePath) -> DateInfo:
    """A date written in the file name ("2015-09-08_x.txt", "edito_2004.md"), else in a folder name."""
    p = PurePath(path)
    info = _date_in_name(p.stem, "filename")
    if info:
        return info
    for part in reversed(p.parent.parts[-3:]):
        info = _date_in_name(part, "filename")
        if info:
            return DateInfo(info.date, info.year, "filename", info.evidence, 0.4)
    return NO_DATE


_URL_DATE = re.compile(r"/((?:19|20)\d\d)/([01]?\d)(?:/([0-3]?\d))?(?=/|$|\?)")
_URL_DASHED = re.compile(r"(?<![0-9A-Za-z])((?:19|20)\d\d)[-_]([01]\d)[-_]([0-3]\d)(?![0-9])")


def date_from_url(url: str | None) -> DateInfo:
    """A date in the URL path (/2012/06/13/..., -2012-06-13-)."""
    if not url:
        return NO_DATE
    for pattern in (_URL_DATE, _URL_DASHED):
        for m in pattern.finditer(url):
            year, month = int(m.group(1)), int(m.group(2))
            day = int(m.group(3)) if m.group(3) else None
            if _valid(year, month, day):
                return DateInfo(DateMatch(0, 0, year, month, day).iso, year, "url", m.group(0).strip("/"), 0.7)
    return NO_DATE


def resolve_date(
    metadata_value: Any = None,
    text: str | None = None,
    title: str | None = None,
    path: str | PurePath | None = None,
    url: str | None = None,
    infer: bool = True,
) -> tuple[DateInfo, list[str]]:
    """Apply the priority metadata > text > file name > URL > inferred; returns (date, warnings)."""
    warnings: list[str] = []
    if metadata_value is not None and str(metadata_value).strip():
        info = parse_date_value(metadata_value)
        if info:
            return info, warnings
        warnings.append(f"unparseable date {str(metadata_value)[:60]!r} in metadata: ignored")
    if text:
        info = parse_publication_date(text, title, infer=False)
        if info:
            return info, warnings
    for info in (date_from_path(path) if path else NO_DATE, date_from_url(url)):
        if info:
            return info, warnings
    if text and infer:
        return infer_year(text), warnings
    return NO_DATE, warnings
