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
import math
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
    2: ("février", "fevrier", "fvrier", "february", "févr", "fevr", "fév", "fev", "feb"),
    3: ("mars", "march", "mar"),
    4: ("avril", "april", "avr", "apr"),
    5: ("mai", "may"),
    6: ("juin", "june", "jun"),
    7: ("juillet", "july", "juil", "jul"),
    8: ("août", "aout", "aot", "august", "aug"),
    9: ("septembre", "september", "sept", "sep"),
    10: ("octobre", "october", "oct"),
    11: ("novembre", "november", "nov"),
    12: ("décembre", "decembre", "dcembre", "december", "déc", "dec"),
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
    (re.compile(rf"(?<![\w/.-]){_WD}(?P<d>1er|[0-3]?\d)(?:er|st|nd|rd|th)?\s+{_M},?\s+{_Y}", re.I), "day"),
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


# Numeric dates with a two-digit year ("06/07/15", "08/02/20"): read only in the header area, where they
# are datelines; in running text they are as often references or scores.
_SHORT_YEAR_DATE = re.compile(r"(?<![\w/.:-])(?P<d>[0-3]?\d)([/.])(?P<m>[01]?\d)\2(?P<y>\d\d)(?![\d/.:-]?\d)")
SCAN_LINES = 40  # non-empty lines at the top where the learned scorer also looks (site menus push datelines down)
_CITING_WORD = re.compile(
    r"(?:\b(?:en|depuis|dès|des|jusqu'?au?|avant|après|apres|entre|et|au|in|since|from|until|before|after|"
    r"of|du|le|la|les|au|aux|pour|sur)\s*)$", re.I)
_TIME_AFTER = re.compile(r"^\s*(?:à|a|at|-|,|–)?\s*\d{1,2}\s*[:h]\s*\d{2}", re.I)


@dataclass(frozen=True)
class DateCandidate:
    """A date near the top or bottom of a text that may be its publication date, with what the scorer reads."""

    date: DateMatch
    offset: int  # of its line in the text (-1: the title)
    evidence: str
    rule_confidence: float  # the explicit rules' verdict (0: no rule accepts it)
    features: dict[str, float]


# "prospère13/12/20072007Journal": a dateline glued to its neighbours by a scraper that dropped the spaces.
_GLUED_DATE = re.compile(r"(?P<d>[0-3]\d)/(?P<m>[01]\d)/(?P<y>(?:19|20)\d\d)")


def _short_year_dates(line: str) -> list[DateMatch]:
    """Header dates the strict patterns leave out: two-digit years and dates glued to other words."""
    out = []
    for m in _GLUED_DATE.finditer(line):
        year, month, day = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        if _valid(year, month, day):
            out.append(DateMatch(m.start(), m.end(), year, month, day))
    for m in _SHORT_YEAR_DATE.finditer(line):
        yy, month, day = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        year = 2000 + yy if 2000 + yy <= max_year() else 1900 + yy
        if _valid(year, month, day):
            out.append(DateMatch(m.start(), m.end(), year, month, day))
    return out


def _rule_confidence(line: str, d: DateMatch, words: int, in_edge: bool, cue_at_start: bool) -> float:
    """The explicit rules: a dateline after a publication/update cue, a standalone date line, a date before a
    rubric or byline, a place dateline. 0 when none applies."""
    before, after = line[: d.start], line[d.end:]
    window = before[-70:]
    pub = list(_PUBLISHED_CUE.finditer(window))
    upd = list(_UPDATED_CUE.finditer(window))
    short = words <= 25
    conf = 0.0
    if upd and (not pub or upd[-1].start() > pub[-1].start()):
        if in_edge and short or cue_at_start and words <= 15:
            conf = 0.8
    elif pub:
        if in_edge and short or cue_at_start and words <= 15:
            conf = 0.95
    if not conf and in_edge:
        head = _ISSUE_PREFIX.sub("", _BYLINE_PREFIX.sub("", _BULLET.sub("", before)))
        if _line_is_just_date(head + " " + after):
            conf = 0.9  # a standalone date line, possibly "Par X | date"
        elif _line_is_just_date(head) and words <= 12 and _RUBRIC_AFTER.match(after):
            conf = 0.85  # "9 déc. 2021 | Services publics", "Le 3 octobre 2024 — Rubrique Études"
        elif d.day and _PLACE_DATELINE.match(head.strip()):
            conf = 0.9  # "Montreuil, le 14 décembre 2011 – ..."
    if conf and d.day is None:
        conf -= 0.1
    return conf


def _features(line: str, d: DateMatch, idx: int, offset: int, words: int, in_head: bool, in_tail: bool,
              has_year: bool, cue_at_start: bool, conf: float) -> dict[str, float]:
    """What the learned scorer reads of one header date: cues, position, line shape, surroundings."""
    before, after = line[: d.start], line[d.end:]
    return {
        "rule": conf,
        "pub_cue_near": float(bool(_PUBLISHED_CUE.search(before[-25:]))),
        "pub_cue": float(bool(_PUBLISHED_CUE.search(before[-70:]))),
        "upd_cue": float(bool(_UPDATED_CUE.search(before[-70:]))),
        "line": min(idx, SCAN_LINES) / SCAN_LINES,
        "in_head": float(in_head),
        "in_tail": float(in_tail and not in_head),
        "offset": math.log1p(max(offset, 0)) / 8,
        "words": min(words, 60) / 60,
        "just_date": float(_line_is_just_date(
            _ISSUE_PREFIX.sub("", _BYLINE_PREFIX.sub("", _BULLET.sub("", before))) + " " + after)),
        "place": float(bool(d.day and _PLACE_DATELINE.match(before.strip()))),
        "rubric_after": float(bool(_RUBRIC_AFTER.match(after))),
        "day": float(d.day is not None),
        "two_digit_year": float(not has_year or str(d.year) not in line[d.start: d.end]),
        "time_after": float(bool(_TIME_AFTER.match(after))),
        "bracketed": float(before.rstrip()[-1:] in "([" and after.lstrip()[:1] in ")]"
                           if before.strip() and after.strip() else False),
        "citing_word_before": float(bool(_CITING_WORD.search(before[-12:]))),
        "sentence_after": float(bool(re.match(r"^\s*[.,;]?\s+\w+\s+\w+", after))),
        "cue_at_start": float(cue_at_start),
    }


def date_candidates(text: str, title: str | None = None, every: bool = False) -> list[DateCandidate]:
    """Dateline-like dates of a document with the rules' confidence; with `every`, also every other date of
    the header area (first SCAN_LINES lines, two-digit years included) for the learned scorer to weigh."""
    lines = [(m.start(), m.group()) for m in _LINE_RE.finditer(text) if m.group().strip()]
    if title:
        lines.insert(0, (-1, title))
    n = len(lines)
    out: list[DateCandidate] = []
    for idx, (offset, line) in enumerate(lines):
        in_head = idx < HEAD_LINES
        in_tail = idx >= n - TAIL_LINES
        scan = every and idx < SCAN_LINES
        has_year = bool(_HAS_YEAR.search(line))
        if not has_year and not (scan and _SHORT_YEAR_DATE.search(line)):
            continue
        stripped = _BULLET.sub("", line).strip()
        words = len(stripped.split())
        cue_at_start = bool(_CUE_AT_START.match(line))
        if not (in_head or in_tail or scan) and (words > 15 or not cue_at_start):
            continue  # mid-text lines count only as short cue-led datelines
        dates = find_dates(line) if has_year else []
        if scan:
            taken = [(d.start, d.end) for d in dates]
            dates += [d for d in _short_year_dates(line) if not any(d.start < b and a < d.end for a, b in taken)]
        for d in dates:
            conf = _rule_confidence(line, d, words, in_head or in_tail, cue_at_start) if has_year else 0.0
            if not (conf or every):
                continue
            features = _features(line, d, idx, offset, words, in_head, in_tail, has_year, cue_at_start, conf) \
                if every else {}  # only the learned scorer reads them
            out.append(DateCandidate(d, offset, line[d.start: d.end].strip(), conf, features))
    if every and out:
        years = [int(y) for y in _CITED_YEAR.findall(text) if MIN_YEAR <= int(y) <= max_year()]
        latest = max(years, default=None)
        for rank, cand in enumerate(sorted(out, key=lambda c: (c.offset, c.date.start))):
            cand.features["first"] = float(rank == 0)
            cand.features["rank"] = 1 / (1 + rank)
            cand.features["candidates"] = math.log1p(len(out)) / 3
            cand.features["latest_year"] = float(latest is not None and cand.date.year >= latest)
            cand.features["years_before_latest"] = min(max((latest or cand.date.year) - cand.date.year, 0), 10) / 10
            cand.features["year_mentions"] = math.log1p(years.count(cand.date.year)) / 3
    return out


_CITED_YEAR = re.compile(r"(?<![\d.,/\-])((?:19|20)\d\d)(?![\d%]|\s*%|[.,]\d)")


INFER_STRATEGIES = ("latest", "first", "mode", "latest_date")


def infer_year(text: str, strategy: str | None = None) -> DateInfo:
    """A year guessed from the years the text cites: a weak hint, marked `inferred`.

    `strategy` (default: the learned date model's choice, else "latest"): the most recent plausible cited year,
    the first one, the most cited one, or the most recent among full dates (day or month) when there are any.
    """
    if strategy is None:
        from textlens.ingest.date_model import date_model

        model = date_model()
        strategy = model.meta.get("infer", "latest") if model is not None else "latest"
    cited = [(int(m.group(1)), m.start(), m.end()) for m in _CITED_YEAR.finditer(text)]
    cited = [c for c in cited if MIN_YEAR <= c[0] <= max_year()]
    if not cited:
        return NO_DATE
    if strategy == "first":
        best = cited[0]
    elif strategy == "mode":
        counts = {y: sum(1 for c in cited if c[0] == y) for y, _, _ in cited}
        best = max(cited, key=lambda c: (counts[c[0]], c[0]))
    elif strategy == "latest_date" and (full := find_dates(text)):
        d = max(full, key=lambda d: (d.year, -d.start))
        best = (d.year, d.start, d.end)
    else:
        best = max(cited, key=lambda c: (c[0], -c[1]))
    year, start, end = best
    a, b = max(0, start - 30), min(len(text), end + 10)
    return DateInfo(str(year), year, "inferred", " ".join(text[a:b].split()), 0.3)


def parse_publication_date(text: str, title: str | None = None, infer: bool = True) -> DateInfo:
    """Publication date stated in the text (source "text"), else an inferred year, else NO_DATE."""
    from textlens.ingest.date_model import date_model

    ruled = date_candidates(text, title)
    if ruled:
        best = max(ruled, key=lambda c: (c.rule_confidence, -c.offset))
        return DateInfo(best.date.iso, best.date.year, "text", best.evidence, round(best.rule_confidence, 2))
    model = date_model()  # no rule dates the text: the scorer weighs every header date
    picked = model.best(date_candidates(text, title, every=True)) if model is not None else None
    if picked is not None:  # a dateline in a form no rule knows, accepted by the learned scorer
        cand, prob = picked
        return DateInfo(cand.date.iso, cand.date.year, "text", cand.evidence, round(prob, 2))
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
