"""`textlens topics` sub-commands: `rename ID LABEL` and `merge ID ID...` (hand edits kept across refits).

`textlens topics` with no sub-command still lists the topics: the listing command of textlens/cli.py is
registered as this group's callback by `as_listing`, and runs only when no sub-command is given.
"""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

topics_app = typer.Typer(add_completion=False, no_args_is_help=False, pretty_exceptions_enable=False)

DbOption = Annotated[Path, typer.Option("--db", help="Corpus store (SQLite file).", envvar="TEXTLENS_DB")]


def as_listing(listing: Callable[..., Any]) -> Callable[..., Any]:
    """Register `listing` (a command function with its options) as what `textlens topics` runs alone."""

    def callback(ctx: typer.Context, **kwargs: Any) -> None:
        if ctx.invoked_subcommand is None:
            listing(**kwargs)

    sig = inspect.signature(listing)
    ctx_param = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
    callback.__signature__ = sig.replace(parameters=[ctx_param, *sig.parameters.values()])  # type: ignore[attr-defined]
    callback.__doc__ = listing.__doc__
    callback.__name__ = listing.__name__
    topics_app.callback(invoke_without_command=True)(callback)
    return listing


def _require_store(db: Path) -> None:
    """Stop with a clear message before anything is created next to a store that does not exist."""
    if not Path(db).exists():
        _fail(_t("topics.edit.no_store", None, db=db))


def _open(db: Path):
    """The store, writable; a clear message and exit status 1 when it cannot be opened."""
    from textlens.store import Corpus, StoreError

    try:
        return Corpus.open(db)
    except StoreError as exc:
        _fail(str(exc))


def _lang(corpus: Any) -> str:
    from textlens.i18n import corpus_lang
    from textlens.topics.edits_store import language_counts

    return corpus_lang(language_counts(corpus.conn))


def _t(key: str, lang: str | None, **fields: Any) -> str:
    from textlens.i18n import DEFAULT_LANG, t

    return t(key, lang or DEFAULT_LANG, **fields)


def _fail(message: str) -> None:
    from textlens.cli import _fail as fail  # imported late: textlens.cli imports this module

    fail(message)


def _done(message: str) -> None:
    from textlens.cli import _console

    _console().print(message, highlight=False, markup=False)


def _edit(db: Path, make: Callable[[Any, str], str]) -> None:
    """Run one edit under the store's write lock; `make(corpus, lang)` does it and returns the message."""
    from textlens.locking import RunLock
    from textlens.topics.edits import TopicEditError

    _require_store(db)
    with RunLock(db), _open(db) as corpus:
        try:
            message = make(corpus, _lang(corpus))
        except TopicEditError as exc:
            _fail(str(exc))
    _done(message)


@topics_app.command("rename")
def rename(
    topic_id: Annotated[int, typer.Argument(help="Topic id (as `textlens topics` lists it).")],
    label: Annotated[str, typer.Argument(help="The new label.")],
    db: DbOption = Path("textlens.db"),
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
    db: DbOption = Path("textlens.db"),
) -> None:
    """Merge topics into one (the smallest id); the merge is redone when a refit finds them again."""
    from textlens.topics.edits import merge_topics
    from textlens.topics.edits_store import topic_row

    def make(corpus: Any, lang: str) -> str:
        merge_topics(corpus, topic_ids, label)
        target = min(topic_ids)
        row = topic_row(corpus.conn, target) or {}
        return _t("topics.edit.merged", lang, ids=", ".join(map(str, sorted(set(topic_ids)))), id=target,
                  label=row.get("label", ""), size=row.get("size", 0))

    _edit(db, make)
