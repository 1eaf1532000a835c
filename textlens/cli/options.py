"""Options shared by several commands, declared once, and the query commands' common work.

The filters (`--year`, `--theme`, `--source`...) and the view options (`--db`, `--format`, `--lang`, `--wide`) are
written once, as typer `Annotated` aliases in the signatures of `filter_options` and `view_options`. A command
registered with `cls=FilterCommand` (or `QueryCommand`, `QueryGroup`) gets them as typer builds them from those
signatures; its own signature lists only its own options, and it reads the shared ones through `given_filters(ctx)`
or `query_inputs(ctx)`. `QueryCommand` also does, once for every query command, what each used to repeat: open the
store read-only, choose the reader's language, check filter values against the store (unknown theme/entity ->
close matches) and turn QueryError/StoreError into one message with exit status 1.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NamedTuple, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from textlens.vocab import STDOUT  # noqa: F401  (`--out -`: declared once, for the CLI and the report writers)

if TYPE_CHECKING:
    from click import Context  # typer runs on its own copy of click: nothing to import at run time

    from textlens.query import Filters
    from textlens.store import Corpus

DEFAULT_DB = Path("textlens.db")
DbOption = Annotated[Path, typer.Option("--db", help="Corpus store (SQLite file).", envvar="TEXTLENS_DB")]


class Lang(str, Enum):
    fr = "fr"
    en = "en"


LangOption = Annotated[Optional[Lang], typer.Option(
    "--lang", envvar="TEXTLENS_LANG", help="Language of messages and table headers (default: the corpus's).")]


class OutFormat(str, Enum):
    """Answers of the query commands."""

    table = "table"
    csv = "csv"
    json = "json"


class DocFormat(str, Enum):
    """Answers about the store or one document (`info`, `show`)."""

    table = "table"
    json = "json"


class By(str, Enum):
    year = "year"
    quarter = "quarter"
    month = "month"
    y2 = "2y"
    y3 = "3y"
    y5 = "5y"
    y10 = "10y"


class Dimension(str, Enum):
    theme = "theme"
    aspect = "aspect"
    topic = "topic"
    entity = "entity"
    emotion = "emotion"  # verbatims (textlens.cx)
    intent = "intent"


FILTERS = "Filters"  # the help panel of the shared filters


def _filter(*decls: str, help: str, kind: type = str) -> Any:
    return Annotated[Optional[kind], typer.Option(*decls, help=help, rich_help_panel=FILTERS)]


YearOpt = _filter("--year", help="Only documents of this year.", kind=int)
FromOpt = _filter("--from", help="From this year (inclusive).", kind=int)
ToOpt = _filter("--to", help="Up to this year (inclusive).", kind=int)
KindFilterOpt = _filter("--kind", help="editorial, article or verbatim.")
ThemeOpt = _filter("--theme", help="Documents carrying this theme (id or label).")
AspectOpt = _filter("--aspect", help="Verbatims mentioning this aspect.")
EntityOpt = _filter("--entity", help="Documents naming this entity (any alias).")
TypeOpt = _filter("--type", help="Entity type (VENDOR, INSTITUTION, ...).")
SentimentOpt = _filter("--sentiment", help="positive, negative, neutral, mixed.")
SourceOpt = _filter("--source", help="Source file, URL or source field contains.")
LimitOpt = _filter("--limit", help="At most this many rows.", kind=int)
EmotionOpt = _filter("--emotion", help="Verbatims expressing this emotion (joy, anger...).")
IntentOpt = _filter("--intent", help="Verbatims with this intent (churn, complaint...).")
OutFormatOpt = Annotated[OutFormat, typer.Option("--format", help="table, csv or json (on stdout).")]
WideOpt = Annotated[bool, typer.Option("--wide", help="Every column, however wide the terminal.")]


def filter_options(year: YearOpt = None, year_from: FromOpt = None, year_to: ToOpt = None,
                   kind: KindFilterOpt = None, theme: ThemeOpt = None, aspect: AspectOpt = None,
                   entity: EntityOpt = None, type: TypeOpt = None, sentiment: SentimentOpt = None,
                   source: SourceOpt = None, limit: LimitOpt = None, emotion: EmotionOpt = None,
                   intent: IntentOpt = None) -> None:
    """The shared filters; their names are the fields of `textlens.query.Filters`."""


def view_options(db: DbOption = DEFAULT_DB, output_format: OutFormatOpt = OutFormat.table, lang: LangOption = None,
                 wide: WideOpt = False) -> None:
    """Which store, and how a query command shows its answer (not which documents: not filters)."""


@functools.cache
def declared_params(declaration: Callable[..., None]) -> tuple[Any, ...]:
    """The click parameters typer builds from `declaration`'s signature (typer's own parsing and help)."""
    holder = typer.Typer(add_completion=False)
    holder.command()(declaration)
    return tuple(typer.main.get_command(holder).params)


class SharedOptions:
    """Adds the parameters of `declarations` to a typer command or group and takes their values out of
    `ctx.params` before the command function is called (it never sees them as arguments)."""

    declarations: ClassVar[tuple[Callable[..., None], ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for declaration in self.declarations:
            self.params.extend(declared_params(declaration))  # type: ignore[attr-defined]

    def take(self, ctx: "Context", declaration: Callable[..., None]) -> dict[str, Any]:
        return {p.name: ctx.params.pop(p.name) for p in declared_params(declaration) if p.name in ctx.params}


FILTERS_KEY = "textlens.filters"
QUERY_KEY = "textlens.query"


class FilterCommand(SharedOptions, TyperCommand):
    """A command with the shared filters (e.g. `report`); `given_filters(ctx)` holds their values, unchecked."""

    declarations = (filter_options,)

    def invoke(self, ctx: "Context") -> Any:
        from textlens.query import Filters

        ctx.meta[FILTERS_KEY] = Filters(**self.take(ctx, filter_options))
        return super().invoke(ctx)


def given_filters(ctx: "Context") -> "Filters":
    """The filters given to a `FilterCommand`, as typed (the library checks them against the store)."""
    return ctx.meta[FILTERS_KEY]


class QueryInputs(NamedTuple):
    """What a query command works on: the open store, the checked filters and the output format."""

    corpus: "Corpus"
    filters: "Filters"
    fmt: str


@dataclass
class QuerySession:
    """One query command's store, opened when the command first asks for it (a `topics rename` given to the
    `topics` group never opens it read-only) and closed when the command ends."""

    db: Path
    filters: dict[str, Any]
    fmt: str
    lang_given: bool
    wide: bool
    corpus: "Corpus | None" = field(default=None)
    inputs: QueryInputs | None = field(default=None)

    def open(self) -> QueryInputs:
        if self.inputs is None:
            from textlens.cli.render import View, set_view
            from textlens.i18n import corpus_lang
            from textlens.query import Filters, resolve_filters
            from textlens.store import Corpus
            from textlens.store.lookups import language_counts

            self.corpus = Corpus.open(self.db, readonly=True)
            if not self.lang_given:
                set_view(View(lang=corpus_lang(language_counts(self.corpus.conn)), wide=self.wide))
            self.inputs = QueryInputs(self.corpus, resolve_filters(self.corpus, Filters(**self.filters)), self.fmt)
        return self.inputs

    def close(self) -> None:
        if self.corpus is not None:
            self.corpus.close()


@contextmanager
def query_session(filters: dict[str, Any], view: dict[str, Any]) -> Iterator[QuerySession]:
    """The reader's view for the command's duration, and the one place query errors become a message."""
    from textlens.cli.output import fail
    from textlens.cli.render import View, reset_view, set_view
    from textlens.i18n import DEFAULT_LANG
    from textlens.query import QueryError
    from textlens.store import StoreError

    lang, wide = view["lang"], view["wide"]
    token = set_view(View(lang=lang.value if lang else DEFAULT_LANG, wide=wide))
    session = QuerySession(Path(view["db"]), filters, view["output_format"].value, lang is not None, wide)
    try:
        yield session
    except (QueryError, StoreError) as exc:
        fail(str(exc))
    except Exception as exc:  # a store written by an older textlens lacks the tables of newer analyses
        import sqlite3

        from pandas.errors import DatabaseError

        if isinstance(exc, (sqlite3.OperationalError, DatabaseError)) and "no such table" in str(exc):
            fail(missing_table_message(str(exc), session.db))
        raise
    finally:
        session.close()
        reset_view(token)


class QueryMixin(SharedOptions):
    declarations = (filter_options, view_options)

    def invoke(self, ctx: "Context") -> Any:
        filters, view = self.take(ctx, filter_options), self.take(ctx, view_options)
        with query_session(filters, view) as session:
            ctx.meta[QUERY_KEY] = session
            return super().invoke(ctx)  # type: ignore[misc]


class QueryCommand(QueryMixin, TyperCommand):
    """A query command: reads the store only and prints a table, CSV or JSON (`query_inputs(ctx)`)."""


class QueryGroup(QueryMixin, TyperGroup):
    """A command group whose callback is a query (`textlens topics` lists the topics when given no sub-command)."""


def query_inputs(ctx: "Context") -> QueryInputs:
    """The open store, checked filters and output format of the running query command."""
    return ctx.meta[QUERY_KEY].open()


def missing_table_message(message: str, db: Path) -> str:
    """The answer to a query on a store that predates an analysis: which table, and the command that adds it."""
    from textlens.cli.render import tr

    table = message.split("no such table:", 1)[-1].strip().split()[0] if "no such table:" in message else "?"
    return tr("cli.error.missing_table", table=table, db=str(db))
