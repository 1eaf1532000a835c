"""Remove web-site furniture (menus, share buttons, sign-in links, related-article lists) from pasted text.

Texts copied from web pages carry lines like "S'abonner", "Retour haut de page" or "Powered By
Blogger" that would otherwise become passages, entities and themes. Three mechanisms, all line-based:
1. a rule list of usual French/English furniture lines (full-line matches, so a sentence that merely
   contains "imprimer" or "commentaire" is untouched);
2. tail markers ("À lire également", "Laisser un commentaire", "A propos de l'auteur"...) that start
   the end-of-page block of teasers, bios and comment forms: everything after them is cut, but only
   when that block is shorter than the text before it;
3. lines repeated across >= 3 documents of the same source folder (`RepeatedLines`).
A line that reads as a real sentence (>= 12 words, or >= 6 words ending with sentence punctuation)
is never removed by rules 1 and 3. The raw text is kept by the caller for audit.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import unicodedata

_FURNITURE_PATTERNS = [
    # search, account, subscription
    r"recherche(r)?|search|rechercher sur le site",
    r"s'abonner|abonnez-vous.*|au magazine|s'inscrire|inscription|se connecter|connexion|se deconnecter|"
    r"mon compte|login|log in|sign in|sign up|subscribe|deja abonne.*|je m'abonne.*|offre d'abonnement.*",
    r"(retour )?(en )?haut de (la )?page|retour en haut|back to top|top",
    # share / print / comments
    r"imprimer|print|partager( cet article| sur .*)?|share( this)?|tweet(er)?|facebook|twitter|x|linkedin|"
    r"whatsapp|pinterest|e-?mail|envoyer( par e-?mail| a un ami)?|copier le lien|reagir( a cet article)?|"
    r"commenter|j'aime|partager cet article|publier un commentaire",
    r"laisser un commentaire|poster un commentaire|ajouter un commentaire|aucun commentaire|"
    r"\d+ commentaires?|commentaires?|leave a (comment|reply)|no comments?|\d+ comments?|repondre|reply",
    # bylines without content, reading time
    r"publie(e)?( par)?( le)?|mis a jour( le)?|par|by|lecture|\d+ min( de lecture)?|"
    r"temps de lecture.*|lecture\s*:?\s*\d+ min.*|\d+ minutes? de lecture|\d+ min read",
    # blog and CMS labels
    r"powered by .*|propulse par .*|information(s)?|current post is tagged|tags?|mots?[- ]cles?|"
    r"categories?|filed under|publie dans|archives?|libelles?|labels?",
    r"publicite|advertisement|annonce|sponsorise|contenu sponsorise|pub",
    # paywall, bookmarks, audio, consent buttons, relative times
    r"(article )?reserve aux abonnes|abonne|premium|(ajouter a mes )?favoris|sauvegarder|enregistrer( l'article)?|"
    r"suivre|ecouter( cet article)?|video|photo|sommaire|voir les commentaires|commentaires?\s*\(?\d+\)?|"
    r"(cet article vous a plu|vous avez aime cet article).*|signaler (un abus|ce commentaire)|"
    r"(tout )?accepter( et fermer| tout| les cookies)?|(tout )?refuser( tout)?|parametrer( les cookies)?|"
    r"personnaliser|ok|il y a \d+ (secondes?|minutes?|heures?|jours?|mois|ans?)",
    # navigation
    r"menu|accueil|home|fermer|close|suivez-nous.*|nous suivre|contact(ez-nous)?|mentions legales|plan du site|"
    r"cgu|cgv|politique de confidentialite|donnees personnelles|precedent|suivant|article (precedent|suivant)|"
    r"next|previous|page \d+( sur \d+)?|lire la suite|voir plus|en savoir plus|read more",
    # credits
    r"(@\s*)?\(c\)\s*.*|credits? photos?\s*:.*|photo\s*:.*|copyright.*|.*tous droits reserves.*|"
    r".*all rights reserved.*",
]
_ALWAYS_FURNITURE = re.compile(
    r"^(pour gerer vos consentements.*|.*\bcookies?\b.*(accepter|parametr|consent|navigation).*|"
    r"(nous utilisons|ce site utilise) des cookies.*|tous droits reserves.*|\(c\).*|copyright.*|"
    r"(a )?lire (aussi|egalement)\s*:.*|voir aussi\s*:.*|sur le meme (sujet|theme)\s*:.*|read more\s*:.*)$"
)
_FURNITURE = re.compile("^(?:" + "|".join(f"(?:{p})" for p in _FURNITURE_PATTERNS) + ")$")
_TAIL_MARKERS = re.compile(
    r"^(a propos de l'auteur|about the author|l'auteur|a lire (aussi|egalement)|lire aussi|a voir aussi|"
    r"sur le meme (sujet|theme)|dans la meme rubrique|articles? (similaires|lies|connexes|recommandes)|"
    r"la redaction vous recommande|vous aimerez (aussi|egalement)|nos derniers articles|derniers articles|"
    r"related (posts|articles)|you (may|might) also like|recevez nos prochains articles.*|"
    r"laisser un commentaire|poster un commentaire|aucun commentaire|\d+ commentaires?|commentaires|"
    r"leave a (comment|reply)|\d+ articles|partager cet article|abonnez-vous a notre newsletter.*|newsletter)$"
)
_LEAD_SYMBOLS = re.compile(r"^[\s•·\-–—*>|#»«\"']+")
_TRAIL_SYMBOLS = re.compile(r"[\s:;,.!|•·\-–—*»«\"']+$")
_GLUED_MENU = re.compile(r"^[A-ZÀ-Þ][a-zß-ÿ]+(?:&?[A-ZÀ-Þ][a-zß-ÿ]+){1,}$")
_NO_WORD = re.compile(r"^[\W_]*$")
_SIGNATURE = re.compile(
    r"(directeur|directrice|redacteur|redactrice|editeur|editrice)\s+(de la redaction|en chef|de la publication)"
)
_WORD = re.compile(r"\w+")
MAX_FURNITURE_CHARS = 400  # longer lines are prose (cookie banners included)
_BREADCRUMB = re.compile(r"\s+(?:>|»|›|/)\s+")
_MENU_SEP = re.compile(r"\s*[|•·]\s*|\s+[-–—]\s+")


_KEY_CHARS = re.compile("[’©œæ\u00a0]")
_KEY_MAP = {"’": "'", "©": "(c)", "œ": "oe", "æ": "ae", "\u00a0": " "}


def fold_fast(text: str) -> str:
    """Lower-case ASCII form for matching (accents removed, other symbols dropped); C-speed NFKD."""
    text = _KEY_CHARS.sub(lambda m: _KEY_MAP[m.group()], text.lower())
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def line_key(line: str) -> str:
    """Comparable form of a line: accent-free, lower case, without bullets and trailing punctuation."""
    key = _LEAD_SYMBOLS.sub("", fold_fast(line))
    key = _TRAIL_SYMBOLS.sub("", key)
    return " ".join(key.split())


def is_real_sentence(line: str) -> bool:
    """Prose we must never cut: long, or a complete sentence of some length."""
    words = len(_WORD.findall(line))
    stripped = line.strip()
    return words >= 12 or (words >= 6 and stripped[-1:] in ".!?…»\"") or (words >= 8 and "," in stripped)


def is_furniture_line(line: str) -> bool:
    """True for a line that is site furniture by the rule list (never for a real sentence)."""
    stripped = line.strip()
    if not stripped:
        return False
    if len(stripped) > MAX_FURNITURE_CHARS:
        return False
    if _NO_WORD.match(stripped):
        return True  # lone punctuation / symbols: ",", "*", "•"
    key = line_key(stripped)
    if _ALWAYS_FURNITURE.match(key):
        return True
    if is_real_sentence(stripped):
        return False
    if _GLUED_MENU.match(stripped) and len(stripped) > 12:
        return True  # menu entries glued by copy-paste: "ÉconomieEntreprisesManagement"
    if _FURNITURE.match(key):
        return True
    crumbs = _BREADCRUMB.split(stripped)
    if len(crumbs) >= 3 and all(0 < len(c.split()) <= 4 for c in crumbs):
        return True  # "Accueil > Actualités > Consommation"
    parts = [p for p in _MENU_SEP.split(stripped) if p.strip()]
    return len(parts) >= 2 and all(_FURNITURE.match(line_key(p)) for p in parts)  # "Imprimer | Partager"


def _protected(line: str, key: str) -> bool:
    """Lines kept even when repeated across a folder: bylines, signatures, datelines, real sentences."""
    return (
        is_real_sentence(line)
        or key.startswith(("par ", "by ", "publie par ", "propos recueillis"))
        or bool(_SIGNATURE.search(key))
        or any(ch.isdigit() for ch in key) and len(key.split()) <= 8 and bool(re.search(r"(19|20)\d\d", key))
    )


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass
class RepeatedLines:
    """Corpus-level furniture: short lines found in at least `min_docs` documents of one source.

    scikit-learn style: `fit(texts)` learns the repeated lines (as 64-bit hashes, so memory stays
    small on big folders), `contains(line)` tells whether a line is one of them.
    """

    min_docs: int = 3
    max_words: int = 20
    hashes_: set[int] = field(default_factory=set)

    def fit(self, texts: Iterable[str]) -> "RepeatedLines":
        """Count short lines per document; copies of one article (same sentences) count once,
        so a folder holding the same text three times does not lose its title."""
        counts: Counter[int] = Counter()
        bodies: set[int] = set()
        for text in texts:
            seen, body = set(), set()
            for line in text.split("\n"):
                if len(line) > MAX_FURNITURE_CHARS:
                    body.add(hash(line))
                    continue
                key = line_key(line)
                if not key:
                    continue
                if len(key.split()) <= self.max_words and not _protected(line, key):
                    seen.add(_hash(key))
                else:
                    body.add(hash(key))
            fingerprint = hash(frozenset(body))
            if body and fingerprint in bodies:
                continue
            bodies.add(fingerprint)
            counts.update(seen)
        self.hashes_ = {h for h, n in counts.items() if n >= self.min_docs}
        return self

    def contains(self, line: str) -> bool:
        if not self.hashes_:
            return False
        key = line_key(line)
        return bool(key) and not _protected(line, key) and _hash(key) in self.hashes_


@dataclass
class CleanedText:
    text: str
    title: str | None
    removed: list[str]


def _is_heading(line: str) -> bool:
    words = len(_WORD.findall(line))
    return 0 < words <= 30 and bool(re.search(r"[A-Za-zÀ-ÿ]{2}", line))


def remove_furniture(text: str, repeated: RepeatedLines | None = None) -> CleanedText:
    """Cleaned text (furniture lines and end-of-page block removed), its title and the removed lines."""
    lines = text.split("\n")
    keep: list[bool] = []
    for line in lines:
        if not line.strip():
            keep.append(True)
            continue
        keep.append(not (is_furniture_line(line) or (repeated is not None and repeated.contains(line))))
    # End-of-page block: first tail marker after some body text, when the rest is shorter than the body.
    sizes = [len(line) if k else 0 for line, k in zip(lines, keep)]
    total = sum(sizes)
    before = 0
    seen_body = False
    for i, line in enumerate(lines):
        if line.strip() and len(line) < 120 and _TAIL_MARKERS.match(line_key(line)) and not is_real_sentence(line):
            if seen_body and before >= total - before - sizes[i]:
                for j in range(i, len(lines)):
                    keep[j] = False
                break
            keep[i] = False
        if keep[i] and is_real_sentence(line):
            seen_body = True
        before += sizes[i]
    removed = [line.strip() for line, k in zip(lines, keep) if not k and line.strip()]
    kept = "\n".join(line for line, k in zip(lines, keep) if k)
    kept = re.sub(r"\n\s*\n(\s*\n)+", "\n\n", kept).strip()
    return CleanedText(kept, guess_title(kept), removed)


# a line starting with a digit is a date or a figure, except "2002 : l'année de tous les dangers"
_NOT_TITLE = re.compile(r"^(par|by|publie|posted|mis a jour|this article|edito|editorial|le \d|\d(?!\d{3} ?:))")


def guess_title(text: str, max_lines: int = 5) -> str | None:
    """The first heading-like line among the first lines (not a date line or a byline).

    A lone word ("AMBUSH", a blog's name above every post) yields to a later heading of several words
    (not a sentence of the body: no final full stop).
    """
    from textlens.ingest.dating import find_dates

    lines = [line.strip() for line in text.split("\n") if line.strip()][:max_lines]
    headings = []
    for line in lines:
        if not _is_heading(line) or _NOT_TITLE.match(line_key(line)):
            continue
        dates = find_dates(line)
        if dates and sum(d.end - d.start for d in dates) > len(line) / 2:
            continue
        headings.append(line)
    several_words = [h for h in headings if 3 <= len(_WORD.findall(h)) <= 20 and not h.endswith(".")]
    if headings and len(_WORD.findall(headings[0])) == 1 and several_words:
        return several_words[0]
    return headings[0] if headings else None
