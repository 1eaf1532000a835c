"""`textlens compare` made fast (issue #19): each faster routine gives what the code or library it replaces gave.

- `dynamics.terms.over_represented_terms` (numpy over integer ids) against the former pass in Python over every
  token, kept below as the reference, on a random store and on a store whose stems no longer match a passage;
- the Student t tail and the log-factorials (no scipy import on the compare path) against scipy;
- the comparison drawn as one table that fits 80 columns.
Every text here is written by us.
"""
from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from query_fixtures import _passages
from textlens.analysis.segment import fold, stems
from textlens.document import Document
from textlens.dynamics.terms import over_represented, over_represented_terms
from textlens.query import french_stop_words
from textlens.store import Corpus
from textlens.trends import log_likelihood

_WORD = re.compile(r"\w+", re.UNICODE)


def _former_over_represented_terms(corpus: Corpus, group_of: dict[str, Any], top: int = 15, min_count: int = 3,
                                   groups: Any = None, examples: int = 3) -> pd.DataFrame:
    """`trends.over_represented_terms` as it was at d8a33a1 (one Python pass over every token)."""
    import functools

    stop = french_stop_words()

    @functools.lru_cache(maxsize=None)
    def scored_word(word: str) -> bool:
        return len(word) >= 3 and not word.isdigit() and fold(word) not in stop

    scored_groups = set(groups) if groups is not None else None
    stems_of: dict[Any, list[str]] = defaultdict(list)
    kept_forms: list[tuple[str, str]] = []
    passage_stems: dict[Any, list[tuple[int, str, set[str]]]] = defaultdict(list)
    tokens: Counter = Counter()
    cur = corpus.conn.execute("SELECT id, doc_id, text, stems FROM passages ORDER BY doc_id, idx")
    for passage_id, doc_id, text, stem_str in cur:
        group = group_of.get(doc_id)
        if group is None:
            continue
        words = _WORD.findall(text.lower())
        stems_ = stem_str.split()
        if len(stems_) != len(words):
            stems_ = [fold(w) for w in words]
        tokens[group] += len(words)
        kept = [(s, w) for w, s in zip(words, stems_) if s not in stop and scored_word(w)]
        if kept:
            stems_of[group].extend(s for s, _ in kept)
            kept_forms.extend(kept)
            passage_stems[group].append((passage_id, doc_id, {s for s, _ in kept}))
    counts = {group: Counter(stems) for group, stems in stems_of.items()}
    forms: dict[str, Counter] = defaultdict(Counter)
    for (s, w), n in Counter(kept_forms).items():
        forms[s][w] = n
    grand = sum(tokens.values())
    totals: Counter = Counter()
    for c in counts.values():
        totals.update(c)
    rows = []
    for group, c in counts.items():
        if scored_groups is not None and group not in scored_groups:
            continue
        size = tokens[group]
        rest = grand - size
        if rest <= 0:
            continue
        scored = []
        for s, a in c.items():
            if a < min_count:
                continue
            expected = totals[s] * size / grand
            if a <= expected:
                continue
            b = totals[s] - a
            g2 = log_likelihood(a, b, size - a, rest - b)
            scored.append((g2, s, a, expected))
        scored.sort(key=lambda t: (-t[0], t[1]))
        for g2, s, a, expected in scored[:top]:
            using = [(pid, doc_id) for pid, doc_id, stems_in in passage_stems[group] if s in stems_in]
            rows.append({"group": group, "term": forms[s].most_common(1)[0][0], "llr": round(g2, 3),
                         "p": math.erfc(math.sqrt(g2 / 2)), "count": a, "expected": round(expected, 2),
                         "docs": len({doc_id for _, doc_id in using}),
                         "passage_ids": [pid for pid, _ in using[:examples]]})
    out = pd.DataFrame(rows, columns=["group", "term", "llr", "p", "count", "expected", "docs", "passage_ids"])
    if not out.empty:
        out = out.sort_values(["group", "llr"], ascending=[True, False]).reset_index(drop=True)
    out.attrs.update(tokens=grand)
    return out


# words of our own: several forms per stem (tie-breaking of the shown form), stop words, numbers, short words
VOCABULARY = ("assurance assurances assureur Assureur contrat contrats résilier résiliation résilié sinistre "
              "sinistres expert expertise remboursement rembourser remboursé tarif tarifs prix cher chère "
              "conseiller conseillère conseillers attente attendre attendu téléphone joindre injoignable "
              "courrier courriers dossier dossiers franchise garantie garanties le la les des de du un une et "
              "est pas très trop au aux 12 2019 300 ok vu ça été été été agence agences mutuelle mutuelles").split()


def _random_store(path: Path, seed: int, n_docs: int = 240) -> tuple[Path, dict[str, str], dict[str, int]]:
    """A store of random sentences drawn from VOCABULARY, with each document's segment and year."""
    rng = random.Random(seed)
    segments = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]
    weights = {s: [rng.random() ** 3 for _ in VOCABULARY] for s in segments}  # each segment its own words
    segment_of, year_of = {}, {}
    with Corpus.open(path) as corpus, corpus.transaction():
        for i in range(n_docs):
            doc_id = f"d{rng.randrange(10**6):06d}_{i}"  # ids out of insertion order: reading order is by id
            seg = segments[min(int(rng.random() ** 2 * len(segments)), len(segments) - 1)]
            sentences = [" ".join(rng.choices(VOCABULARY, weights[seg], k=rng.randint(1, 14))) + "."
                         for _ in range(rng.randint(1, 4))]
            text = " ".join(sentences)
            year = 2015 + rng.randrange(6)
            corpus.upsert_document(Document(id=doc_id, text=text, raw_text=text, kind="verbatim", source="syn",
                                            date=f"{year}-01-01", year=year, language="fr"))
            corpus.replace_passages(doc_id, _passages(doc_id, sentences), [stems(s) for s in sentences])
            segment_of[doc_id], year_of[doc_id] = seg, year
    return path, segment_of, year_of


@pytest.fixture(scope="module")
def random_stores(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict[str, str], dict[str, int]]]:
    root = tmp_path_factory.mktemp("terms")
    return [_random_store(root / f"s{seed}.db", seed) for seed in (1, 2, 3)]


CASES = [dict(), dict(top=3), dict(top=50, min_count=1, examples=10), dict(groups=["Alpha", "Gamma"]),
         dict(min_count=6, examples=1)]


@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_over_represented_terms_equal_the_former_pass(random_stores, case: dict):
    compared = 0
    for path, segment_of, year_of in random_stores:
        two = {d: s for d, s in segment_of.items() if s in ("Alpha", "Beta")}  # two segments, one vs the other
        some_none = {d: (None if y == 2017 else y) for d, y in year_of.items()}  # None: not in any group
        with Corpus.open(path, readonly=True) as corpus:
            for group_of in (segment_of, year_of, two, some_none):
                new = over_represented_terms(corpus, group_of, **case)
                old = _former_over_represented_terms(corpus, group_of, **case)
                pd.testing.assert_frame_equal(new, old, check_exact=True)
                assert over_represented(corpus, group_of, **case).tokens == old.attrs["tokens"]
                compared += len(old)
    assert compared >= 20  # real comparisons, not empty tables


def test_many_groups_count_their_pairs_by_sorting_with_the_same_rows(random_stores, monkeypatch):
    from textlens.dynamics import terms

    path, segment_of, year_of = random_stores[0]
    with Corpus.open(path, readonly=True) as corpus:
        dense = over_represented_terms(corpus, year_of, min_count=1)
        monkeypatch.setattr(terms, "DENSE_MAX", 0)  # as for months x a large vocabulary
        sparse = over_represented_terms(corpus, year_of, min_count=1)
        pd.testing.assert_frame_equal(sparse, dense, check_exact=True)
        pd.testing.assert_frame_equal(sparse, _former_over_represented_terms(corpus, year_of, min_count=1),
                                      check_exact=True)


def test_a_passage_whose_stems_no_longer_match_is_read_as_the_former_pass_read_it(tmp_path: Path):
    path, segment_of, _ = _random_store(tmp_path / "edited.db", seed=7, n_docs=80)
    with Corpus.open(path) as corpus, corpus.transaction():  # as if the text had been edited after stemming
        corpus.conn.execute("UPDATE passages SET stems = 'contrat' WHERE id IN (SELECT id FROM passages LIMIT 5)")
    with Corpus.open(path, readonly=True) as corpus:
        new = over_represented_terms(corpus, segment_of, min_count=1, top=40)
        pd.testing.assert_frame_equal(new, _former_over_represented_terms(corpus, segment_of, min_count=1, top=40),
                                      check_exact=True)


def test_over_represented_finds_the_words_of_a_segment(tmp_path: Path):
    """What the test above compares is right in itself: a word written only in one segment's reviews stands out."""
    sentences = {"Alpha": "Une attente interminable au téléphone, encore une attente.",
                 "Beta": "Le contrat est clair et le prix correct."}
    group_of = {}
    with Corpus.open(tmp_path / "two.db") as corpus, corpus.transaction():
        for i in range(40):
            seg = "Alpha" if i % 2 else "Beta"
            doc_id = f"r{i:02d}"
            s = sentences[seg]
            corpus.upsert_document(Document(id=doc_id, text=s, raw_text=s, kind="verbatim", source="syn",
                                            language="fr"))
            corpus.replace_passages(doc_id, _passages(doc_id, [s]), [stems(s)])
            group_of[doc_id] = seg
    with Corpus.open(tmp_path / "two.db", readonly=True) as corpus:
        found = over_represented(corpus, group_of, top=5, groups=["Alpha"])
    attente = next(t for t in found.terms if t.term == "attente")
    assert attente.group == "Alpha" and attente.count == 40 and attente.docs == 20
    assert attente.expected == 20.0 and attente.p < 1e-6
    assert len(attente.passage_ids) == 3
    assert {t.term for t in found.terms} <= {"attente", "interminable", "téléphone", "encore"}
    assert found.tokens == 20 * 8 + 20 * 8  # every word counts in the sizes, stop words included


# ---- special functions without scipy ----------------------------------------------------------------------
def test_student_t_cdf_is_scipy_stdtr():
    special = pytest.importorskip("scipy.special")
    import numpy as np

    from textlens.dynamics.special import student_t_cdf

    rng = np.random.default_rng(0)
    # Welch's dof are fractional and at most the number of documents; t from the centre to far tails
    dof = np.concatenate([rng.uniform(0.5, 10, 3000), rng.uniform(10, 1000, 3000), 10 ** rng.uniform(3, 5, 3000)])
    t = np.concatenate([rng.normal(0, 2, 3000), -np.abs(rng.normal(0, 15, 3000)), rng.standard_cauchy(3000)])
    ours, theirs = student_t_cdf(dof, t), special.stdtr(dof, t)
    meaningful = theirs > 1e-280  # below, both are 0 or denormal
    np.testing.assert_allclose(ours[meaningful], theirs[meaningful], rtol=1e-10, atol=0)
    assert (ours[~meaningful] < 1e-270).all()
    edges = (np.array([np.inf, 3, 3, np.nan, 0, 7, 7]), np.array([1.5, np.inf, -np.inf, 1, 1, 0, np.nan]))
    np.testing.assert_array_equal(student_t_cdf(*edges), special.stdtr(*edges))


def test_regularized_incomplete_beta_is_scipy_betainc():
    special = pytest.importorskip("scipy.special")
    import numpy as np

    from textlens.dynamics.special import regularized_incomplete_beta

    rng = np.random.default_rng(1)
    a, b, x = 10 ** rng.uniform(-1, 3, 5000), 10 ** rng.uniform(-1, 3, 5000), rng.uniform(0, 1, 5000)
    x[:5] = [0.0, 1.0, 0.5, 1e-12, 1 - 1e-12]
    theirs = special.betainc(a, b, x)
    meaningful = (theirs > 1e-280) | (x == 0)
    np.testing.assert_allclose(regularized_incomplete_beta(a, b, x)[meaningful], theirs[meaningful], rtol=1e-10)


def test_log_factorials_are_scipy_gammaln():
    special = pytest.importorskip("scipy.special")
    import numpy as np

    from textlens.dynamics.special import log_factorials

    n = 30_000
    np.testing.assert_allclose(log_factorials(n), special.gammaln(np.arange(n + 1) + 1.0), rtol=2e-15, atol=0)
    assert log_factorials(0).tolist() == [0.0] and log_factorials(5)[5] == pytest.approx(math.log(120), rel=1e-15)


# ---- the comparison drawn as one table ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def synth_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from drivers_fixtures import build

    return build(tmp_path_factory.mktemp("compare-table") / "synth.db")


def _lines(stdout: str, title: str) -> list[str]:
    """The lines of the table titled `title`, up to the next line starting a note or another table."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = next(i for i in range(start + 3, len(lines)) if not lines[i].startswith((" ", *HEADINGS)))
    return lines[start:end]


HEADINGS = ("Alpha", "Beta")


@pytest.mark.parametrize("columns", [80, 60, 200])
def test_every_pair_in_one_table_that_fits_the_terminal(synth_db: Path, columns: int):
    from typer.testing import CliRunner

    from textlens.cli import app
    from textlens.dynamics import compare

    with Corpus.open(synth_db, readonly=True) as corpus:
        significant = [d for d in compare(corpus, "insurer").differences if d.significant]
    assert {d.segment for d in significant} == set(HEADINGS)  # both pairs have rows: two sections
    out = CliRunner().invoke(app, ["compare", "--by", "insurer", "--db", str(synth_db)],
                             env={"TEXTLENS_LANG": "en", "COLUMNS": str(columns), "TEXTLENS_QUERY_CACHE": "0"})
    assert out.exit_code == 0, out.output
    assert out.stdout.count("Significant differences (q < 0.05), each segment versus the others") == 1
    table = _lines(out.stdout, "Significant differences")
    assert all(len(line) <= columns for line in table[1:])  # the title is prose, wrapped by a terminal
    header, rule, body = table[1], table[2], table[3:]
    assert header.startswith("item") and header.split()[-2:] == ["q", "(BH)"] and set(rule) == {"─"}
    assert [line for line in body if not line.startswith(" ")] == list(HEADINGS)  # one heading per pair
    rows = [line for line in body if line.startswith("  ")]
    assert len(rows) == len(significant)
    for d, line in zip(significant, rows):  # same order as the library's; numbers whole, never cut
        cells = line.split()
        assert f"{100 * d.difference:+.1f}" in cells and cells[-1] == ("<0.001" if d.q_value < 0.001
                                                                       else f"{d.q_value:.3f}")
        if "CI" in header.split():
            assert f"{100 * d.diff_low:.1f}…{100 * d.diff_high:.1f}" in cells
    assert ("ratio" in header.split()) == (columns >= 100)  # the least needed column goes first
    assert ("CI" in header.split()) == (columns >= 80)
    note = next((line for line in out.stdout.splitlines() if line.startswith("columns left out")), "")
    assert ("ratio" in note) == (columns < 100) and ("CI" in note) == (columns < 80)


def testfirst_positions_by_code_are_the_first_positions_of_each_code():
    """The evidence documents of a segment: the first k of the item's best-first order that belong to it."""
    import numpy as np

    from textlens.dynamics.segments import first_positions_by_code

    rng = np.random.default_rng(3)
    for n_codes in (1, 4, 30):
        codes = rng.integers(0, n_codes, size=500)
        by_code, starts = first_positions_by_code(codes, n_codes + 2)  # codes that never occur have empty groups
        for c in range(n_codes + 2):
            for k in (1, 3, 1000):
                assert by_code[starts[c]:starts[c + 1]][:k].tolist() == np.flatnonzero(codes == c)[:k].tolist()


@pytest.mark.parametrize("command", [["drivers", "--boot", "200", "--no-model"], ["compare", "--by", "insurer"]])
def test_compare_and_drivers_import_no_scipy(synth_db: Path, command: list[str]):
    """scipy.special alone cost a tenth of a second per command: nothing of scipy is loaded for the comparison and
    the impacts (the key-driver model's bootstrap still uses scipy.sparse)."""
    import json
    import os
    import subprocess
    import sys

    probe = ("import sys\nfrom textlens.cli import app\napp(sys.argv[1:], standalone_mode=False)\n"
             "print('SCIPY', sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')),"
             " file=sys.stderr)\n")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
           "TEXTLENS_QUERY_CACHE": "0"}
    out = subprocess.run([sys.executable, "-c", probe, *command, "--db", str(synth_db), "--format", "json"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout)  # a real answer
    assert [line for line in out.stderr.splitlines() if line.startswith("SCIPY")][-1] == "SCIPY []"


def _compare_in_a_fresh_process(db: Path, fmt: str) -> tuple[str, list[str]]:
    """`textlens compare --by insurer` run in a new interpreter: its output and the heavy libraries it loaded."""
    import os
    import subprocess
    import sys

    probe = ("import sys\nfrom textlens.cli import app\napp(sys.argv[1:], standalone_mode=False)\n"
             "print('LOADED', sorted(m for m in ('pandas', 'scipy', 'sklearn') if m in sys.modules), file=sys.stderr)\n")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
           "TEXTLENS_QUERY_CACHE": "0", "COLUMNS": "100"}
    out = subprocess.run([sys.executable, "-c", probe, "compare", "--by", "insurer", "--db", str(db), "--format", fmt],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = [line for line in out.stderr.splitlines() if line.startswith("LOADED")][-1]
    import ast

    return out.stdout, ast.literal_eval(loaded.removeprefix("LOADED "))


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_compare_loads_no_pandas_and_counted_words_change_nothing(synth_db: Path, tmp_path: Path, fmt: str):
    """Importing pandas was a fifth of `compare`: the comparison reads plain rows, counts with numpy and draws
    without it (a Python caller still gets DataFrames from `SegmentComparison.frame`; `--format csv` uses them).
    The same answer whether the words come from the counts a run stored or from the passages' text."""
    import shutil

    from textlens.pipeline import analyse

    counted = Path(shutil.copy(synth_db, tmp_path / "counted.db"))
    with Corpus.open(counted) as corpus:
        assert analyse(corpus, ["terms"]).analysed["terms"] == corpus.count()
    from_text, loaded = _compare_in_a_fresh_process(synth_db, fmt)
    assert loaded == []
    from_counts, loaded = _compare_in_a_fresh_process(counted, fmt)
    assert loaded == [] and from_counts == from_text
    if fmt == "json":
        import json

        assert json.loads(from_text)["terms"]  # words were compared too, not only the shares
