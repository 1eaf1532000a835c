"""scripts/make_scale_corpus.py on a tiny invented input (written here, no ../shared needed)."""
from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# invented reviews: rating -> texts (two or three sentences each, one line-broken)
INVENTED = {
    "1": ["Le conseiller ne rappelle jamais. J'ai attendu trois semaines pour rien.",
          "Tarif augmenté sans prévenir !\nJe résilie dès que possible.",
          "Sinistre toujours pas réglé. Personne ne répond au téléphone. Très déçu."],
    "5": ["Accueil souriant et efficace. Devis reçu le jour même.",
          "Remboursement rapide après mon accident. Je recommande cette agence.",
          "Prix correct. Application simple à utiliser !"],
}


@pytest.fixture(scope="module")
def scale():
    spec = importlib.util.spec_from_file_location("make_scale_corpus", ROOT / "scripts" / "make_scale_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture
def invented_csv(tmp_path) -> Path:
    path = tmp_path / "invented.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "date", "insurer", "product", "rating", "text"])
        w.writeheader()
        for rating, texts in INVENTED.items():
            for i, text in enumerate(texts):
                w.writerow({"id": f"{rating}-{i}", "date": "2020-01-01", "insurer": f"Assureur {rating}",
                            "product": "auto", "rating": rating, "text": text})
        w.writerow({"id": "empty", "date": "2020-01-01", "insurer": "X", "product": "auto", "rating": "3",
                    "text": "  "})
    return path


def _read(paths) -> list[dict[str, str]]:
    rows = []
    for p in paths:
        with open(p, newline="", encoding="utf-8") as f:
            rows += list(csv.DictReader(f))
    return rows


def test_new_reviews_recombine_sentences_of_the_same_rating(scale, invented_csv, tmp_path):
    import datetime as dt

    pools = scale.load_pools([invented_csv])
    assert pools.skipped == 1 and len(pools.donors) == 6  # the empty row is counted, not silently lost
    out = tmp_path / "out.csv"
    paths = scale.write(scale.generate(pools, 300, 7, dt.date(2016, 1, 1), dt.date(2023, 12, 31)), out, 1, 7)
    rows = _read(paths)
    assert len(rows) == 300 and len({r["id"] for r in rows}) == 300
    sentences = {rating: {s for t in texts for s in scale.split_sentences(t)} for rating, texts in INVENTED.items()}
    originals = {" ".join(scale.split_sentences(t)) for texts in INVENTED.values() for t in texts}
    for r in rows:
        assert r["rating"] in INVENTED and r["insurer"] == f"Assureur {r['rating']}"  # carried from the donor
        parts = scale.split_sentences(r["text"])
        assert len(parts) >= 2 and set(parts) <= sentences[r["rating"]]  # the tone goes with the stars
        assert r["text"] not in originals  # never a real review given back
        assert "2016-01-01" <= r["date"] <= "2023-12-31" and r["experience_month"] == r["date"][:7]
    assert len({r["date"][:4] for r in rows}) == 8  # spread over the years
    assert {r["rating"] for r in rows} == {"1", "5"}


def test_same_seed_same_files_other_seed_other_texts_and_parts_split_rows(scale, invented_csv, tmp_path):
    def run(seed: int, name: str, parts: int = 1) -> list[Path]:
        scale.main(["--input", str(invented_csv), "--rows", "120", "--seed", str(seed), "--parts", str(parts),
                    "--out", str(tmp_path / name)])
        return [tmp_path / name] if parts == 1 else sorted(tmp_path.glob(f"{Path(name).stem}.part*.csv"))

    a, b, c = run(1, "a.csv"), run(1, "b.csv"), run(2, "c.csv")
    assert a[0].read_bytes() == b[0].read_bytes()
    assert [r["text"] for r in _read(a)] != [r["text"] for r in _read(c)]
    parts = run(1, "p.csv", parts=3)
    assert len(parts) == 3 and all(len(_read([p])) > 10 for p in parts)
    assert sorted(r["id"] for r in _read(parts)) == sorted(r["id"] for r in _read(a))


def test_refuses_to_write_inside_the_repository_and_needs_two_reviews(scale, invented_csv, tmp_path):
    with pytest.raises(SystemExit, match="inside the repository"):
        scale.main(["--input", str(invented_csv), "--rows", "5", "--out", str(ROOT / "scale.csv")])
    assert not (ROOT / "scale.csv").exists()
    lone = tmp_path / "lone.csv"
    lone.write_text("text,rating\nUne seule phrase. Et une autre.\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="at least two reviews"):
        scale.load_pools([lone])
