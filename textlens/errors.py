"""One root for every error textlens raises on purpose, with one subclass per kind of failure.

Why: a caller (the CLI, a notebook, a service) can catch `TextlensError` once and tell the user what went wrong,
while anything else that escapes is a bug worth a traceback. The kind says who can fix it: `InputError` and its
`ConfigError` are the user's files, rows, options or queries (the CLI exits with 2, as for a usage error);
`StoreError`, `ModelError` and `AnalysisError` are the store, a model or a run that failed (exit 1).

The kinds also derive from the builtin a caller caught before this root existed (`ValueError` for bad input,
`RuntimeError` for failures), so `except ValueError` around a taxonomy load keeps working. The older per-module
classes (`TaxonomyError`, `QueryError`, `TableError`...) keep their names and modules and subclass these kinds.
"""
from __future__ import annotations


class TextlensError(Exception):
    """Root of every error textlens raises on purpose; the message is written for the user."""

    exit_code = 1

    def message(self, lang: str) -> str:
        """The message in `lang`; library messages name files, rows and options, so most are the same in both."""
        return str(self)


class InputError(TextlensError, ValueError):
    """A file, row, option or query given by the user that cannot be used; the message names it and why."""

    exit_code = 2


class ConfigError(InputError):
    """A configuration file of the user (taxonomy, knowledge base, subject mapping, cue list) that cannot be used."""


class StoreError(TextlensError, RuntimeError):
    """A store that cannot be opened or used; the message says which file and why."""


class ModelError(TextlensError, RuntimeError):
    """A model or encoder that is missing, unreadable or cannot be built; the message says where it was looked for."""


class AnalysisError(TextlensError, RuntimeError):
    """An analysis run that could not finish (a worker, a browser); the message names what failed and why."""


class MissingExtraError(TextlensError, ImportError):
    """An optional part (e.g. `--dask`) whose package is not installed; the message names the extra to install."""

    def __init__(self, feature: str, module: str, extra: str):
        self.feature, self.module, self.extra = feature, module, extra
        super().__init__(self.message("en"))

    def __reduce__(self):  # the message is built from the fields, so rebuild from them (crosses process borders)
        return type(self), (self.feature, self.module, self.extra)

    def message(self, lang: str) -> str:
        from textlens.i18n_catalog import translate

        return translate("errors.missing_extra", lang, feature=self.feature, module=self.module, extra=self.extra)
