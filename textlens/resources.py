"""Where textlens finds the files it ships: trained models and package data, from a checkout or from a wheel.

Why one module: paths built from `__file__` (`parents[2] / "models"`) only work in a source checkout, so an
installed wheel ran without its models. Models stay at the top of the repository (`models/`, with their cards and
the scripts that train them) and the wheel carries them as the `textlens_models` package (pyproject.toml maps the
folder to that name), found through `importlib.resources`. Package data (`textlens/data`, the report's templates)
is read the same way.

Order: the `models/` folder of the source checkout this package runs from, when there is one (a worktree run
with PYTHONPATH uses its own models, not those of another editable install), else the installed
`textlens_models` package. Each model keeps its own environment variable (TEXTLENS_SENTIMENT_MODEL,
TEXTLENS_PRESS_THEMES, TEXTLENS_PRESS_TONE, TEXTLENS_CX_MODEL, TEXTLENS_SENTIMENT_FT_MODEL, TEXTLENS_DATE_MODEL),
read by its module before it asks here for the shipped file.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

MODELS_PACKAGE = "textlens_models"
_CHECKOUT = Path(__file__).resolve().parents[1]  # the repository root when running from a source checkout
T = TypeVar("T")


def _as_path(entry: object, what: str) -> Path:
    """A real file-system path: model loaders (joblib, safetensors, onnx) need one, and pip unpacks wheels."""
    if isinstance(entry, Path):
        return entry
    from textlens.errors import ModelError

    raise ModelError(f"{what} is inside an archive ({entry}); install textlens unpacked (pip install)")


@functools.lru_cache(maxsize=1)
def models_dir() -> Path:
    """The folder of the shipped models: the checkout's `models/`, else the installed `textlens_models`.

    Never raises: without either, the checkout's path is returned and each model reports itself missing
    (its analysis is listed as unavailable) as when a single model file is absent.
    """
    checkout = _CHECKOUT / "models"
    if (_CHECKOUT / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    try:
        return _as_path(resources.files(MODELS_PACKAGE), "the models package")
    except ModuleNotFoundError:
        log.warning("no shipped models: neither %s nor the %s package exists", checkout, MODELS_PACKAGE)
        return checkout


def model_path(*parts: str) -> Path:
    """A shipped model file or folder, e.g. `model_path("sentiment", "sentiment.pkl.gz")`."""
    return models_dir().joinpath(*parts)


def package_path(*parts: str) -> Path:
    """A file or folder inside the installed `textlens` package, e.g. `package_path("report", "templates")`."""
    return _as_path(resources.files("textlens").joinpath(*parts), "the textlens package")


def data_path(*parts: str) -> Path:
    """A file or folder of the package data (`textlens/data`), e.g. `data_path("taxonomies")`."""
    return package_path("data", *parts)


def model_in_force(option: str | None, env_var: str, shipped: Path, what: str) -> Path | None:
    """The model file a component uses: `option`, else `$env_var`, else the `shipped` file; "off" (either way)
    means none. A file asked for that does not exist is an error naming it (never a silent switch-off); a shipped
    file that is missing (a checkout without that model) means none."""
    import os

    from textlens.errors import ConfigError

    chosen = option or os.environ.get(env_var) or ""
    if chosen == "off":
        return None
    path = Path(chosen) if chosen else shipped
    if chosen and not path.is_file():
        raise ConfigError(f"{what} {path}: no such file (set {env_var}=off to go without it)")
    return path if path.is_file() else None


@functools.lru_cache(maxsize=16)
def json_model_in_force(build: Callable[[dict[str, Any]], T], env_var: str, shipped: str, what: str,
                        chosen: str = "") -> tuple[T | None, str]:
    """A model stored as plain JSON (coefficients: no pickle, no scikit-learn), built once per file in force
    (`model_in_force`: `chosen`, else `$env_var`, else the package data file `shipped`), with its fingerprint
    (the file's sha1, 12 hex digits; "off" when switched off, "none" when nothing is shipped) so stores
    recompute when it changes. Callers pass the environment variable's value as `chosen`: the cache follows it."""
    import hashlib
    import json
    import os

    path = model_in_force(chosen or None, env_var, data_path(shipped), what)
    if path is None:
        return None, "off" if (chosen or os.environ.get(env_var)) == "off" else "none"
    raw = path.read_text(encoding="utf-8")
    return build(json.loads(raw)), hashlib.sha1(raw.encode("utf-8")).hexdigest()[:12]
