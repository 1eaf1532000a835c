"""HTML page -> main text + title/date/url metadata.

trafilatura finds the article body and drops navigation, footers and comments far better than
tag stripping. When it returns nothing (tiny pages, unusual markup) we fall back to lxml's text of
the <body> with block elements turned into line breaks, so no page is silently emptied.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from textlens.errors import InputError

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section",
    "article", "header", "footer", "blockquote", "pre", "dd", "dt", "figcaption", "hr", "main", "aside",
}
_DATE_META = (
    "article:published_time", "og:article:published_time", "datepublished", "date", "dc.date",
    "dc.date.issued", "dcterms.created", "publish-date", "pubdate", "sailthru.date", "parsely-pub-date",
)


@dataclass
class HtmlContent:
    """What we keep of a page: main text, its title/date/url and the page's meta tags."""

    text: str
    title: str | None = None
    date: str | None = None  # as found in the page's metadata (parsed later by the dating rules)
    url: str | None = None
    author: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    extractor: str = "trafilatura"


def _meta_tags(tree: Any) -> dict[str, str]:
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = (el.get("content") or "").strip()
        if key and value and key not in meta and len(value) < 2000:
            meta[key] = value
    for el in tree.iter("time"):
        value = (el.get("datetime") or "").strip()
        if value:
            meta.setdefault("time", value)
            break
    return meta


def _lxml_text(tree: Any) -> str:
    """Visible text of the page with block elements on their own lines (the fallback extractor)."""
    for bad in tree.xpath("//script|//style|//noscript|//template|//svg|//head"):
        bad.drop_tree()
    body = tree.find("body")
    root = body if body is not None else tree
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    text = "".join(parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n\s*(\n\s*)*", "\n\n", re.sub(r" *\n *", "\n", text)).strip()


def extract_html(html: str) -> HtmlContent:
    """Main text and metadata of an HTML page (raises ValueError if it has no text at all)."""
    import lxml.html
    import trafilatura

    try:
        parser = lxml.html.HTMLParser(encoding="utf-8")  # we decoded the file already: say so to lxml
        tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except Exception as exc:  # lxml raises several types on garbage
        raise InputError(f"cannot parse HTML: {exc}") from exc
    meta = _meta_tags(tree)
    title_el = tree.find(".//title")
    page_title = title_el.text_content().strip() if title_el is not None else None
    date = next((meta[k] for k in _DATE_META if meta.get(k)), None)
    url = meta.get("og:url")
    canonical = tree.xpath("//link[@rel='canonical']/@href")
    if canonical:
        url = url or canonical[0].strip()

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_recall=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if text:
        return HtmlContent(
            text=text,
            title=getattr(doc, "title", None) or page_title,
            date=date or getattr(doc, "date", None),
            url=url or getattr(doc, "url", None),
            author=getattr(doc, "author", None) or meta.get("author"),
            metadata=meta,
        )
    text = _lxml_text(tree)
    if not text:
        raise InputError("HTML page without any visible text")
    return HtmlContent(text=text, title=page_title, date=date, url=url, author=meta.get("author"), metadata=meta,
                       extractor="lxml")
