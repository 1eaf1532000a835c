"""The numpy/Python routines that keep `textlens drivers` and `textlens compare` fast give the numbers of the
scikit-learn / scipy / SQLite code they replace (on random data), and the commands do not import the heavy
modules they were written to avoid."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from textlens.dynamics.ridge import DEFAULT_ALPHAS

SHAPES = [(300, 20, 0.1), (40, 60, 0.2), (1500, 90, 0.05), (50, 50, 0.3), (200, 8, 0.5)]


def _data(n: int, p: int, density: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = (rng.random((n, p)) < density).astype(float)
    X[:, 0] = rng.normal(size=n)  # one continuous column too
    y = X @ rng.normal(size=p) + rng.normal(scale=1 + seed % 3, size=n)
    return X, y


@pytest.mark.parametrize("n,p,density", SHAPES)
def test_ridge_loo_is_sklearn_ridgecv(n: int, p: int, density: float):
    from sklearn.linear_model import RidgeCV

    from textlens.dynamics.ridge import ridge_loo

    for seed in range(3):
        X, y = _data(n, p, density, seed)
        ref = RidgeCV(alphas=np.asarray(DEFAULT_ALPHAS)).fit(X, y)
        fit = ridge_loo(X, y, DEFAULT_ALPHAS)
        assert fit.alpha == ref.alpha_
        np.testing.assert_allclose(fit.coef, ref.coef_, rtol=1e-9, atol=1e-11)
        assert fit.intercept == pytest.approx(ref.intercept_, rel=1e-9, abs=1e-11)
        assert fit.loo_mse == pytest.approx(-ref.best_score_, rel=1e-9)


def test_ridge_loo_picks_each_penalty_as_ridgecv_does():
    """Penalties from heavy to none: the choice must follow the data as RidgeCV's does, not sit on one value."""
    from sklearn.linear_model import RidgeCV

    from textlens.dynamics.ridge import ridge_loo

    chosen = set()
    for noise in (0.01, 0.3, 1.0, 3.0, 30.0):
        rng = np.random.default_rng(7)
        X = (rng.random((120, 30)) < 0.2).astype(float)
        y = X @ rng.normal(size=30) + rng.normal(scale=noise, size=120)
        ref = RidgeCV(alphas=np.asarray(DEFAULT_ALPHAS)).fit(X, y)
        assert ridge_loo(X, y, DEFAULT_ALPHAS).alpha == ref.alpha_
        chosen.add(ref.alpha_)
    assert len(chosen) >= 3


@pytest.mark.parametrize("n,p,density", SHAPES)
def test_cross_validated_r2_is_sklearn_cross_val_score(n: int, p: int, density: float):
    from sklearn.dummy import DummyRegressor
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold, cross_val_score

    from textlens.dynamics.ridge import cross_validated_r2

    X, y = _data(n, p, density, 1)
    for folds, seed in ((5, 0), (3, 42)):
        cv = KFold(folds, shuffle=True, random_state=seed)
        model = cross_val_score(RidgeCV(alphas=list(DEFAULT_ALPHAS)), X, y, cv=cv, scoring="r2")
        baseline = cross_val_score(DummyRegressor(), X, y, cv=cv, scoring="r2")
        got = cross_validated_r2(X, y, folds=folds, seed=seed)
        assert got["folds"] == folds
        assert got["r2"] == pytest.approx(model.mean(), rel=1e-9, abs=1e-12)
        assert got["r2_std"] == pytest.approx(model.std(), rel=1e-7, abs=1e-12)
        assert got["baseline_r2"] == pytest.approx(baseline.mean(), rel=1e-9, abs=1e-12)
        assert got["baseline_r2_std"] == pytest.approx(baseline.std(), rel=1e-7, abs=1e-12)


def test_kfold_indices_are_sklearn_kfold():
    from sklearn.model_selection import KFold

    from textlens.dynamics.ridge import kfold_indices

    for n, folds, seed in ((10, 5, 0), (103, 5, 3), (7, 2, 11)):
        ours = kfold_indices(n, folds, seed)
        theirs = list(KFold(folds, shuffle=True, random_state=seed).split(np.zeros((n, 1))))
        assert len(ours) == len(theirs)
        for (train, test), (train_ref, test_ref) in zip(ours, theirs):
            np.testing.assert_array_equal(train, train_ref)
            np.testing.assert_array_equal(test, test_ref)


def test_estimator_is_the_numpy_fit_and_validates_its_input():
    from sklearn.linear_model import RidgeCV

    from textlens.dynamics.keydrivers import KeyDriverRegression

    X, y = _data(300, 12, 0.2, 4)
    est = KeyDriverRegression(n_boot=50).fit(X, y)
    ref = RidgeCV(alphas=np.asarray(DEFAULT_ALPHAS)).fit(X, y)
    assert est.alpha_ == ref.alpha_
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-9)
    assert est.coef_boot_.shape == (50, 12) and np.all(est.coef_low_ <= est.coef_high_)
    with pytest.raises(ValueError, match="n_boot"):
        KeyDriverRegression(n_boot=-1).fit(X, y)
    with pytest.raises(ValueError, match="alphas"):
        KeyDriverRegression(alphas=(0.0, 1.0)).fit(X, y)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError):
        KeyDriverRegression().fit(X_nan, y)


# ---- metadata: Python's JSON reading gives what SQLite's json_each gave ---------------------------------
METADATA = [
    {"insurer": "MAAF", "rating": "4", "nps": 9, "csat": 4.5, "flag": True, "off": False, "none": None},
    {"insurer": "Société Générale", "rating": "4,5", "tags": ["é", 1, None, {"a": "b"}], "nested": {"x": [1, 2]}},
    {"rating": 3, "big": 2 ** 70, "neg": -(2 ** 63), "text": "  padded  ", "empty": "", "zero": 0.0},
    {},
]


def test_parse_metadata_gives_sqlite_json_each_values():
    from textlens.dynamics.columns import parse_metadata

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE documents (id TEXT, metadata TEXT)")
    rows = [(f"d{i}", json.dumps(m, ensure_ascii=False)) for i, m in enumerate(METADATA)]
    conn.executemany("INSERT INTO documents VALUES (?, ?)", rows[::-1])
    expected: dict[str, list] = {}
    for doc_id, key, value in conn.execute(
            "SELECT d.id, je.key, je.value FROM documents d, json_each(d.metadata) je WHERE je.type != 'null'"
            " ORDER BY d.id, je.id"):
        expected.setdefault(key, []).append((doc_id, value))
    got = parse_metadata(rows[::-1])
    assert got.ids == ["d0", "d1", "d2", "d3"]
    assert got.keys == list(expected)  # first appearance, documents in id order
    for key, pairs in expected.items():
        assert [(d, type(v), v) for d, v in got.by_key[key]] == [(d, type(v), v) for d, v in pairs], key


def test_malformed_metadata_names_the_document():
    from textlens.dynamics.columns import parse_metadata
    from textlens.query import QueryError

    with pytest.raises(QueryError, match="doc7"):
        parse_metadata([("doc7", "{not json")])
    with pytest.raises(QueryError, match="doc8.*not a JSON object"):
        parse_metadata([("doc8", "[1, 2]")])


# ---- impacts' bootstrap: one dense product per chunk, as the sparse products it replaced ------------------
def _sparse_reference_bootstrap(y, mentions, n_boot, seed, chunk=200):
    """The scipy.sparse version of `impact.bootstrap_impacts` before (commit 66c6d47), percentiles included."""
    import warnings

    from scipy import sparse

    m = sparse.csc_matrix(np.asarray(mentions, dtype=np.float64))
    my = sparse.csc_matrix(m.multiply(y[:, None]))
    rng = np.random.default_rng(seed)
    impacts, effects, means = [], [], []
    for start in range(0, n_boot, chunk):
        w = rng.standard_exponential(size=(min(chunk, n_boot - start), len(y)))
        sw, swy = w.sum(axis=1), w @ y
        swm, swym = (m.T @ w.T).T, (my.T @ w.T).T
        with np.errstate(invalid="ignore", divide="ignore"):
            without = (swy[:, None] - swym) / (sw[:, None] - swm)
            impacts.append(swym / swm - without)
            effects.append((swy / sw)[:, None] - without)
            means.append(swy / sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = np.nanpercentile(np.vstack(impacts), [2.5, 97.5], axis=0)
        eci = np.nanpercentile(np.vstack(effects), [2.5, 97.5], axis=0)
    return ci, eci, np.percentile(np.concatenate(means), [2.5, 97.5])


def test_bootstrap_impacts_equal_the_sparse_reference():
    from textlens.dynamics.impact import bootstrap_impacts

    rng = np.random.default_rng(5)
    y = rng.integers(1, 6, size=3000).astype(float)
    mentions = rng.random((3000, 12)) < np.linspace(0.005, 0.5, 12)
    mentions[:, 3] |= y == 1  # one item tied to low scores
    for n_boot, seed in ((1000, 0), (450, 9)):
        got = bootstrap_impacts(y, mentions, n_boot=n_boot, seed=seed)
        ci, eci, mean_ci = _sparse_reference_bootstrap(y, mentions, n_boot, seed)
        np.testing.assert_allclose(got["ci_low"], ci[0], rtol=1e-9)
        np.testing.assert_allclose(got["ci_high"], ci[1], rtol=1e-9)
        np.testing.assert_allclose(got["effect_low"], eci[0], rtol=1e-9)
        np.testing.assert_allclose(got["effect_high"], eci[1], rtol=1e-9)
        assert (got["mean_low"], got["mean_high"]) == pytest.approx(tuple(mean_ci), rel=1e-12)
    assert got["ci_low"][3] < got["ci_high"][3] < 0  # the low-score item's interval is below 0


def test_an_item_in_every_document_has_no_interval():
    """"Without it" is undefined: NaN, where the sparse version returned rounding noise."""
    from textlens.dynamics.impact import bootstrap_impacts

    rng = np.random.default_rng(1)
    y = rng.normal(size=500)
    mentions = np.column_stack([np.ones(500, dtype=bool), rng.random(500) < 0.3])
    got = bootstrap_impacts(y, mentions, n_boot=300)
    assert np.isnan([got["ci_low"][0], got["ci_high"][0], got["effect_low"][0], got["effect_high"][0]]).all()
    assert np.isfinite([got["ci_low"][1], got["ci_high"][1]]).all()


def test_plain_is_asdict_of_the_results(synth_db: Path):
    from dataclasses import asdict

    from textlens.dynamics import compare, drivers
    from textlens.dynamics.impact import plain
    from textlens.store import Corpus

    with Corpus.open(synth_db, readonly=True) as corpus:
        for result in (drivers(corpus, n_boot=100), compare(corpus, "insurer", evidence=2)):
            assert plain(result) == asdict(result)


# ---- the commands stay light ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def synth_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from drivers_fixtures import build

    return build(tmp_path_factory.mktemp("speed") / "synth.db")


PROBE = ("import sys\nfrom textlens.cli import app\napp(sys.argv[1:], standalone_mode=False)\n"
         "print('MODULES', ' '.join(sorted(m for m in ('sklearn', 'scipy.stats', 'torch', 'spacy')"
         " if m in sys.modules)), file=sys.stderr)\n")


@pytest.mark.parametrize("command", [["drivers"], ["compare", "--by", "insurer"]])
def test_commands_do_not_import_scikit_learn_or_scipy_stats(synth_db: Path, command: list[str]):
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
           "TEXTLENS_QUERY_CACHE": "0"}  # the computation itself, not a cached answer
    out = subprocess.run([sys.executable, "-c", PROBE, *command, "--db", str(synth_db), "--format", "json"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout)  # a real answer
    modules = [line for line in out.stderr.splitlines() if line.startswith("MODULES")][-1].split()[1:]
    assert modules == []


# ---- the query cache: a repeat on an unchanged store answers from disk, any write is a miss ----------------
def test_query_cache_hits_on_the_same_store_and_misses_after_a_write(tmp_path: Path, monkeypatch):
    from drivers_fixtures import build

    from textlens.dynamics import drivers
    from textlens.dynamics.query_cache import cache_dir, cached
    from textlens.store import Corpus

    monkeypatch.setenv("TEXTLENS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TEXTLENS_QUERY_CACHE", raising=False)
    db = build(tmp_path / "synth.db")
    calls = []

    def compute(corpus):
        calls.append(1)
        return drivers(corpus, n_boot=100, model=False)

    args = {"boot": 100}
    with Corpus.open(db, readonly=True) as corpus:
        first = cached(db, "drivers", args, lambda: compute(corpus))
        again = cached(db, "drivers", args, lambda: compute(corpus))
        other = cached(db, "drivers", {"boot": 200}, lambda: compute(corpus))
    assert len(calls) == 2 and again.to_dict() == first.to_dict() and other.to_dict() == first.to_dict()
    assert len(list(cache_dir().glob("*.pickle"))) == 2
    with Corpus.open(db) as corpus, corpus.transaction() as conn:  # any write: claims handling gets a new label
        conn.execute("UPDATE doc_aspects SET polarity = 'positive' WHERE aspect_id = 'claims_handling'")
    with Corpus.open(db, readonly=True) as corpus:
        changed = cached(db, "drivers", args, lambda: compute(corpus))
    assert len(calls) == 3
    assert changed.to_dict() == first.to_dict()  # polarity is not read without the model: same numbers, recomputed
    monkeypatch.setenv("TEXTLENS_QUERY_CACHE", "0")
    with Corpus.open(db, readonly=True) as corpus:
        cached(db, "drivers", args, lambda: compute(corpus))
    assert len(calls) == 4


def test_cli_answers_the_repeat_from_the_cache(synth_db: Path, tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from textlens.cli import app

    monkeypatch.setenv("TEXTLENS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TEXTLENS_QUERY_CACHE", raising=False)
    runner = CliRunner()
    for command in (["drivers", "--boot", "100"], ["compare", "--by", "insurer", "Alpha"]):
        first = runner.invoke(app, [*command, "--db", str(synth_db), "--format", "json"])
        assert first.exit_code == 0, first.output
        entries = sorted((tmp_path / "cache" / "queries").glob("*.pickle"))
        second = runner.invoke(app, [*command, "--db", str(synth_db), "--format", "json"])
        assert second.exit_code == 0 and second.output == first.output
        assert sorted((tmp_path / "cache" / "queries").glob("*.pickle")) == entries  # nothing new: a hit


BLAS_PROBE = """
import json, sys
import textlens.dynamics.impact as impact
from textlens.store import Corpus
seen = []
compute = impact._drivers
def probe(*args, **kwargs):
    from threadpoolctl import threadpool_info
    seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
    return compute(*args, **kwargs)
impact._drivers = probe
assert "numpy" not in sys.modules  # a fresh process, as the CLI's
with Corpus.open(sys.argv[1], readonly=True) as corpus:
    impact.drivers(corpus, n_boot=100)
print(json.dumps(seen))
"""


def test_drivers_limits_blas_threads_in_a_fresh_process(synth_db: Path):
    """threadpool_limits only limits libraries already loaded: numpy must be imported before it is entered."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", BLAS_PROBE, str(synth_db)], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    threads = json.loads(out.stdout.strip().splitlines()[-1])
    assert threads and all(n == 1 for n in threads)
