"""French number expressions as numbers: digits with any thousands separator, number words, approximations and
proportions.

Why: a statistic is written "12,5 %", "12.5%", "1,2 million", "1 200 000", "vingt mille", "une centaine",
"deux Français sur trois" or "la moitié"; the figure extractor finds them and the evaluation compares them by
value, so both read them through the same functions here. Proportions ("un tiers", "x sur y") are given as
percentages, so "la moitié" and "50 %" are the same value.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

UNITS_WORDS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70,
    "huitante": 80, "octante": 80, "nonante": 90,
}
_HUNDREDS = {"cent": 100, "cents": 100}
SCALE_WORDS = {"mille": 1e3, "millier": 1e3, "milliers": 1e3, "million": 1e6, "millions": 1e6,
               "milliard": 1e9, "milliards": 1e9}
APPROX_WORDS = {"dizaine": 10, "dizaines": 10, "douzaine": 12, "douzaines": 12, "quinzaine": 15, "quinzaines": 15,
                "vingtaine": 20, "vingtaines": 20, "trentaine": 30, "trentaines": 30, "quarantaine": 40,
                "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "centaines": 100, "millier": 1e3,
                "milliers": 1e3}
FRACTION_WORDS = {"moitie": 2, "tiers": 3, "quart": 4, "quarts": 4, "cinquieme": 5, "cinquiemes": 5,
                  "dixieme": 10, "dixiemes": 10}
# abbreviations of scales glued to currencies or written alone: "14 MF", "64 MEuros", "2 Md€", "300 k€"
_ABBREV_SCALES = {"k": 1e3, "m": 1e6, "md": 1e9, "mds": 1e9, "mrd": 1e9, "mrds": 1e9}


def fold_accents(text: str) -> str:
    """Lower case without accents, typographic apostrophes made plain ("Moitié" -> "moitie"); one character
    for one, so offsets in the folded text are offsets in the original."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower to two ("İ"): fold one by one
        return "".join(_fold_char(c) for c in text)
    if lowered.isascii():
        return lowered
    return lowered.translate(_FOLD_TABLE)


class _FoldTable(dict):
    """str.translate table filled on demand: each character to its folded form."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


@functools.lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if c in "’‘ʼ":
        return "'"
    base = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x)).lower()
    return base if len(base) == 1 else c.lower()[:1] or c


def parse_digits(raw: str) -> float | None:
    """A number written with digits: "1 200 000", "150.000", "12,5", "1.200,50", "-3"."""
    s = raw.replace("\u00a0", " ").replace("\u202f", " ").replace("−", "-").replace("\n", " ")
    s = re.sub(r"(?<=\d) (?=\d)", "", s).replace(" ", "")
    if re.fullmatch(r"[+\-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?", s):
        s = s.replace(".", "")  # "150.000" and "1.200,5": dots group thousands
    elif re.fullmatch(r"[+\-]?\d{1,3}(?:,\d{3})+", s) and not re.fullmatch(r"[+\-]?\d,\d{3}", s):
        s = s.replace(",", "")  # "1,200,000" (English grouping); "1,200" stays a French decimal
    s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def words_value(words: list[str]) -> float | None:
    """The value of a run of French number words ("trois mille cinq cents", "quatre-vingt-dix", "vingt et un")."""
    total = 0.0
    current = 0.0
    seen = False
    for w in words:
        if w == "et":
            continue
        if w in UNITS_WORDS:
            v = UNITS_WORDS[w]
            if w.startswith("vingt") and current % 100 == 4:
                current += 76  # quatre-vingt(s): 4 -> 80
            else:
                current += v
            seen = True
        elif w in _HUNDREDS:
            current = (current or 1) * 100
            seen = True
        elif w == "mille":
            total += (current or 1) * 1000
            current = 0
            seen = True
        elif w in ("million", "millions", "milliard", "milliards"):
            total += (current or 1) * SCALE_WORDS[w]
            current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


@dataclass(frozen=True)
class Quantity:
    """A number read from a figure: its value (scale applied; proportions as a percentage) and whether it is
    a percentage or proportion."""

    value: float
    percent: bool


@dataclass(frozen=True)
class NumberSpan:
    """A number expression of a text: where it is, its value and how it is written.

    kind: "digits" ("1 200", "12,5 %", "2 millions"), "words" ("vingt mille"), "approx" ("une centaine"),
    "fraction" ("la moitié", "deux tiers") or "ratio" ("deux Français sur trois", "4 sur 10").
    """

    start: int
    end: int
    value: float
    percent: bool
    kind: str


DIGITS = r"\d{1,3}(?:(?:[ \u00a0\u202f.]|\n)\d{3})+(?:,\d+)?(?!\d)|\d+(?:[.,]\d+)?"
_TOKEN = re.compile(rf"{DIGITS}|[a-z]+|%|€|\$|'", re.IGNORECASE)
# any number expression holds a digit or one of these words ("un"/"une" alone never make one)
_ANCHOR = re.compile(r"\d|\b(?:" + "|".join(sorted(
    {w for w in UNITS_WORDS if w not in ("un", "une")} | set(_HUNDREDS) | set(SCALE_WORDS) | set(APPROX_WORDS)
    | set(FRACTION_WORDS) | {"demi"}, key=len, reverse=True)) + r")")
_PERCENT_AFTER = re.compile(r"\s?(?:%|pour ?-?cent\b|points?\b|pts?\b)")
_CURRENCY = ("€", "euros", "euro", "eur", "f", "francs", "$", "dollars")
_NUMBER_WORD = set(UNITS_WORDS) | set(_HUNDREDS) | {"mille", "million", "millions", "milliard", "milliards"}


def scan(text: str) -> list[NumberSpan]:
    """Every number expression of `text`, in order, with its value (see NumberSpan).

    Scales are applied ("1,2 million", "14 MF", "300 k€"); a range's bounds ("5 à 6 %", "entre 120 000 et
    150 000") are separate numbers; a lone "un"/"une" is an article, not a number, unless a proportion follows
    ("un sur trois", "un tiers").
    """
    folded = fold_accents(text)
    if not _ANCHOR.search(folded):
        return []  # most short texts (reviews) state no number: skip the tokenisation
    toks = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(folded)]
    words = [t for t, _, _ in toks]
    out: list[NumberSpan] = []

    def gap(a: int, b: int) -> str:  # the text between tokens a and b (a < b)
        return folded[toks[a][2]:toks[b][1]]

    def joined(a: int, b: int) -> bool:  # tokens a and b are neighbours in one phrase (spaces or a hyphen)
        return b < len(toks) and re.fullmatch(r"[\s-]{0,3}", gap(a, b)) is not None

    def percent_after(pos: int) -> tuple[bool, int]:
        m = _PERCENT_AFTER.match(folded, pos)
        return (True, m.end()) if m else (False, pos)

    def ratio(num: float, i_end: int) -> tuple[float, int] | None:
        """ "sur Y" up to 2 words after token i_end-1: (percentage, end token) for "X [fois|Français] sur Y"."""
        k = i_end
        while k < len(toks) and k <= i_end + 2 and words[k] != "sur" and words[k][0].isalpha() and joined(k - 1, k):
            k += 1
        if k + 1 < len(toks) and words[k] == "sur" and joined(k - 1, k) and joined(k, k + 1):
            den = UNITS_WORDS.get(words[k + 1]) or (parse_digits(words[k + 1]) if words[k + 1][0].isdigit() else None)
            close = k == i_end  # "4 sur 10" vs "7 utilisateurs sur 10": with words between, only small bases
            if den and den > num and (den in ((2, 3, 4, 5, 10, 20, 100, 1000) if close else (2, 3, 4, 5, 10))
                                      or words[k + 1] in UNITS_WORDS):
                return round(100 * num / den, 4), k + 2
        return None

    i = 0
    while i < len(toks):
        t, s, e = toks[i]
        nxt = words[i + 1] if i + 1 < len(toks) else ""
        if t[0].isdigit():
            number = parse_digits(t)
            if number is None:
                i += 1
                continue
            j = i + 1
            if nxt in SCALE_WORDS and nxt not in ("millier", "milliers") and joined(i, i + 1):
                number *= SCALE_WORDS[nxt]
                j += 1
            elif joined(i, i + 1) and (nxt in ("mf", "meuros", "meur", "mdeuros", "mde", "mdf", "md", "mds") or nxt in _ABBREV_SCALES
                                       and i + 2 < len(toks) and words[i + 2] in _CURRENCY and toks[i + 2][1] - toks[i + 1][2] <= 1):
                number *= 1e9 if nxt.startswith("md") else 1e3 if nxt == "k" else 1e6
                j += 1
            r = ratio(number, j)
            if r is not None:
                out.append(NumberSpan(s, toks[r[1] - 1][2], r[0], True, "ratio"))
                i = r[1]
                continue
            end = toks[j - 1][2]
            pct, pend = percent_after(end)
            out.append(NumberSpan(s, pend if pct else end, number, pct, "digits"))
            i = j
            while i < len(toks) and toks[i][1] < pend:
                i += 1
            continue
        if t == "demi" and nxt in ("millier", "million", "milliard") and joined(i, i + 1):
            out.append(NumberSpan(s, toks[i + 1][2], SCALE_WORDS[nxt] / 2, False, "approx"))
            i += 2
            continue
        if t in ("millier", "milliers") and i > 1 and words[i - 1] in ("de", "d") and words[i - 2] in APPROX_WORDS \
                and out and out[-1].kind == "approx" and out[-1].end == toks[i - 2][2]:
            last = out.pop()  # "des centaines de milliers", "des dizaines de milliers": one approximation
            out.append(NumberSpan(last.start, e, last.value * 1000, False, "approx"))
            i += 1
            continue
        if t in APPROX_WORDS:
            prev = words[i - 1] if i > 0 else ""
            mult = UNITS_WORDS.get(prev, 1) if prev not in ("une", "un") and i > 0 and joined(i - 1, i) else 1
            start = toks[i - 1][1] if i > 0 and joined(i - 1, i) and prev in {*UNITS_WORDS, "la", "quelques", "plusieurs", "des"} else s
            out.append(NumberSpan(start, e, APPROX_WORDS[t] * mult, False, "approx"))
            i += 1
            continue
        if t in FRACTION_WORDS:
            prev = words[i - 1] if i > 0 and joined(i - 1, i) else ""
            num = UNITS_WORDS.get(prev, 1) if prev not in ("la", "le", "les", "un", "une", "l") else (3 if t == "quarts" else 1)
            if not prev or prev not in UNITS_WORDS and prev not in ("la", "le", "les", "l"):
                i += 1
                continue  # "un pays tiers", "tiers payant", "Moitié" alone
            start = toks[i - 1][1] if prev else s
            out.append(NumberSpan(start, e, round(100 * num / FRACTION_WORDS[t], 4), True, "fraction"))
            i += 1
            continue
        if t in _NUMBER_WORD:
            j = i
            run: list[str] = []
            while j < len(toks) and (words[j] in _NUMBER_WORD or words[j] == "et" and run) and (j == i or joined(j - 1, j)):
                if run and UNITS_WORDS.get(words[j], 99) < 10 and UNITS_WORDS.get(run[-1], 99) < 10:
                    break  # "deux-trois fois": two numbers, not one
                run.append(words[j])
                j += 1
            while run and run[-1] == "et":
                run.pop()
                j -= 1
            number = words_value(run)
            if number is None:
                i = max(j, i + 1)
                continue
            if run[0] in SCALE_WORDS and not (i > 0 and words[i - 1] in ("le", "la", "les") and joined(i - 1, i)):
                i = j
                continue  # "des millions de Français", "millions d'appels": no number stated ("le milliard" is one)
            if j < len(toks) and words[j] in FRACTION_WORDS and joined(j - 1, j):
                i = j  # "les trois quarts", "deux tiers": the fraction branch reads the numerator
                continue
            if j < len(toks) and words[j] in APPROX_WORDS and joined(j - 1, j):
                i = j  # "quelques centaines", "deux dizaines"
                continue
            r = ratio(number, j)
            if r is not None:
                out.append(NumberSpan(s, toks[r[1] - 1][2], r[0], True, "ratio"))
                i = r[1]
                continue
            if run in (["un"], ["une"]):
                i = j
                continue  # an article: "un salarié", "une étude"
            if j + 1 < len(toks) and words[j] == "et" and words[j + 1] == "demi" and run[-1] in SCALE_WORDS:
                number += SCALE_WORDS[run[-1]] / 2
                j += 2
            end = toks[j - 1][2]
            pct, pend = percent_after(end)
            out.append(NumberSpan(s, pend if pct else end, number, pct, "words"))
            i = j
            continue
        i += 1
    return out


def quantities(text: str) -> list[Quantity]:
    """Every number a figure's words state, in order ("19 à 9%" -> 19 %, 9 %; "deux sur trois" -> 66.7 %).

    A percent sign or "pour cent" anywhere in a figure's value marks all of its numbers as percentages (the
    range "5 à 6 %").
    """
    spans = scan(text)
    anywhere = bool(re.search(r"%|pour ?-?cent|\bpts?\b|\bpoints?\b", fold_accents(text)))
    return [Quantity(sp.value, sp.percent or anywhere) for sp in spans]


def same_value(a: float, b: float) -> bool:
    """Equal up to rounding in the last written digit (33.3 and 33.33 for "un tiers")."""
    if a == b:
        return True
    return abs(a - b) <= max(0.051, 1e-4 * max(abs(a), abs(b))) and round(a) == round(b)
