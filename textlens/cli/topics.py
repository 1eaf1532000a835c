"""`textlens topics`: the discovered topics (label, top terms, size, nearest theme, the run's quality metrics), and
its sub-commands `rename ID LABEL` and `merge ID ID...` (hand edits kept across refits).

`textlens topics` with no sub-command lists the topics: the listing is the group's callback (a query, with the
shared filters of `QueryGroup`) and does nothing when a sub-command is given.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

from textlens.cli.app import app
from textlens.cli.options import DEFAULT_DB, By, DbOption, QueryGroup, query_inputs
from textlens.cli.output import console, emit, fail, print_json

topics_app = typer.Typer(cls=QueryGroup, add_completion=False, no_args_is_help=False, pretty_exceptions_enable=False)
app.add_typer(topics_app, name="topics")


@topics_app.callback(invoke_without_command=True)
def topics(
    ctx: typer.Context,
    lineage: Annotated[bool, typer.Option("--lineage", help="Topics fitted per period and how they continue, split, "
                                                            "merge, are born and die (press; --kind verbatim).")] = False,
    by: Annotated[Optional[By], typer.Option("--by", help="Period of --lineage (default 5y).")] = None,
) -> None:
    """Discovered topics: label, top terms, size, nearest theme and the run's quality metrics."""
    if ctx.invoked_subcommand is not None:
        return
    corpus, filters, fmt = query_inputs(ctx)
    if lineage:
        from textlens.cli.dynamics import print_lineage

        return print_lineage(corpus, filters, fmt, by.value if by else "5y")
    from textlens.cli.render import Col, tr
    from textlens.trends import topic_table

    result = topic_table(corpus, filters)
    df, quality = result.table, result.quality
    if fmt == "json":
        import json

        print_json({"topics": json.loads(df.to_json(orient="records", force_ascii=False)), "quality": quality})
        return
    shown = df.assign(terms=df["terms"].map(lambda t: ", ".join(str(x[0] if isinstance(x, (list, tuple)) else x)
                                                                for x in t[:8])),
                      example=df["representatives"].map(lambda r: (r[0].get("text") if r and isinstance(r[0], dict)
                                                                   else (r[0] if r else "")) or ""))
    shown_keys = ("status", "n_topics", "units", "outlier_share", "diffuse_share", "npmi", "diversity", "agreement_ari",
                  "agreement_nmi", "encoder", "seconds", "reason")
    summary = ", ".join(f"{k} {quality[k]:.3g}" if isinstance(quality[k], float) else f"{k} {quality[k]}"
                        for k in shown_keys if quality.get(k) is not None)
    emit(shown if fmt == "table" else df, fmt,
         [Col("id", "id", "num", priority=0), Col("label", "label", priority=0, max_width=30),
          Col("terms", "terms", priority=2, min_width=20, max_width=40), Col("size", "size", "num", priority=1),
          Col("docs", "docs", "num", priority=0), Col("theme_id", "theme", priority=3),
          Col("example", "example", priority=4, wrap=False, min_width=24, max_width=60)],
         empty=tr("cli.topics.none"), notes=[tr("cli.topics.quality", summary=summary) if summary else ""])


def _require_store(db: Path) -> None:
    """Stop with a clear message before anything is created next to a store that does not exist."""
    if not Path(db).exists():
        fail(_t("topics.edit.no_store", None, db=db))


def _open(db: Path):
    """The store, writable; a clear message and exit status 1 when it cannot be opened."""
    from textlens.store import Corpus, StoreError

    try:
        return Corpus.open(db)
    except StoreError as exc:
        fail(str(exc))


def _lang(corpus: Any) -> str:
    from textlens.i18n import corpus_lang
    from textlens.store.lookups import language_counts

    return corpus_lang(language_counts(corpus.conn))


def _t(key: str, lang: str | None, **fields: Any) -> str:
    from textlens.i18n import DEFAULT_LANG, t

    return t(key, lang or DEFAULT_LANG, **fields)


def _edit(db: Path, make: Callable[[Any, str], str]) -> None:
    """Run one edit under the store's write lock; `make(corpus, lang)` does it and returns the message."""
    from textlens.locking import RunLock
    from textlens.topics.edits import TopicEditError

    _require_store(db)
    with RunLock(db), _open(db) as corpus:
        try:
            message = make(corpus, _lang(corpus))
        except TopicEditError as exc:
            fail(str(exc))
    console().print(message, highlight=False, markup=False)


@topics_app.command("rename")
def rename(
    topic_id: Annotated[int, typer.Argument(help="Topic id (as `textlens topics` lists it).")],
    label: Annotated[str, typer.Argument(help="The new label.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Give a topic your own label; it is kept when a refit finds the same topic again."""
    from textlens.topics.edits import rename_topic

    def make(corpus: Any, lang: str) -> str:
        rename_topic(corpus, topic_id, label)
        return _t("topics.edit.renamed", lang, id=topic_id, label=" ".join(label.split()))

    _edit(db, make)


@topics_app.command("merge")
def merge(
    topic_ids: Annotated[list[int], typer.Argument(help="Two or more topic ids; they become the smallest one.")],
    label: Annotated[Optional[str], typer.Option("--label", help="Label of the merged topic.")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Merge topics into one (the smallest id); the merge is redone when a refit finds them again."""
    from textlens.topics.edits import merge_topics
    from textlens.store.topic_edits import topic_row

    def make(corpus: Any, lang: str) -> str:
        merge_topics(corpus, topic_ids, label)
        target = min(topic_ids)
        row = topic_row(corpus.conn, target) or {}
        return _t("topics.edit.merged", lang, ids=", ".join(map(str, sorted(set(topic_ids)))), id=target,
                  label=row.get("label", ""), size=row.get("size", 0))

    _edit(db, make)
