"""`textlens run/ingest` options and summary line of personal-data masking (issue #18), kept apart from cli.py."""
from __future__ import annotations

from typing import Annotated, Any

import typer

from textlens.i18n import t

MaskPiiOpt = Annotated[bool, typer.Option("--mask-pii/--no-mask-pii", help=t("pii.opt.mask"))]
MaskArticlesOpt = Annotated[bool, typer.Option("--mask-articles", help=t("pii.opt.articles"))]
KeepPiiOpt = Annotated[bool, typer.Option("--keep-pii", help=t("pii.opt.keep"))]


def options(mask_pii: bool, mask_articles: bool, keep_pii: bool) -> dict[str, bool]:
    """The IngestOptions fields of the three flags."""
    return {"mask_pii": mask_pii, "mask_articles": mask_articles, "keep_pii": keep_pii}


def print_masking(summary: Any, console: Any, keep_pii: bool = False, lang: str = "fr") -> None:
    """One line of the run summary: what was masked in this run, per type."""
    from textlens.i18n import fmt_number

    if summary.pii:
        counts = ", ".join(f"{t(f'pii.type.{k}', lang)} {fmt_number(n, lang)}"
                           for k, n in sorted(summary.pii.items(), key=lambda kv: -kv[1]))
        console.print("  " + t("pii.summary", lang, counts=counts), highlight=False, markup=False)
    elif summary.stored or summary.updated:
        console.print("  " + t("pii.summary.none", lang), highlight=False, markup=False)
    if keep_pii:
        console.print("  " + t("pii.summary.kept", lang), highlight=False, markup=False)
