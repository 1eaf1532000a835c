"""Customer-experience analyses (issue #18): the trained model on review sentences we wrote, the analyzer's rows in
the store and the export, the --emotion/--intent filters, `textlens emotions`/`churn`, trends -d emotion, and the
held-out figures of the model card (skipped without ../shared and the annotated labels)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from textlens.cx import EMOTIONS, INTENTS, resolve_label

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "cx" / "cx.pkl.gz"
needs_model = pytest.mark.skipif(not MODEL.is_file(), reason="models/cx/cx.pkl.gz not trained")

# Reviews we wrote ourselves (no third-party text), with what any reader would annotate.
OUR_REVIEWS = [
    ("churn1", "2021-03-02", "Je vais résilier mon contrat, c'est inadmissible !!!"),
    ("happy1", "2021-03-05", "Très satisfaite, conseillère au top et souscription en quelques clics. Je recommande !"),
    ("thanks1", "2021-06-10", "Un grand merci à Julie pour sa patience et son efficacité, tout a été réglé en un appel."),
    ("hard1", "2021-06-12", "Cinq appels, trois courriers et six mois d'attente : toujours pas remboursé. "
                            "J'en ai marre de relancer."),
    ("lawyer1", "2022-01-15", "Sinistre refusé sans explication. J'ai saisi le médiateur et mon avocat va vous "
                              "contacter. Je change d'assurance dès l'échéance."),
    ("plain1", "2022-02-01", "Tarif correct pour une assurance auto, rien de particulier à signaler."),
]


@pytest.fixture(scope="module")
def model():
    from textlens.cx.analyzer import load_model

    if not MODEL.is_file():
        pytest.skip("models/cx/cx.pkl.gz not trained")
    return load_model(str(MODEL))


def test_label_names_resolve_from_ids_and_french_or_english_names():
    assert resolve_label("emotion", "colère") == "anger"
    assert resolve_label("emotion", "Colere") == "anger"
    assert resolve_label("emotion", "déception") == "sadness"
    assert resolve_label("intent", "churn threat") == "churn"
    assert resolve_label("intent", "réclamation") == "complaint"
    with pytest.raises(ValueError, match="unknown emotion 'bonheur'.*joy"):
        resolve_label("emotion", "bonheur")


def test_cues_count_intensity_signals_and_a_bad_pattern_names_its_file(tmp_path):
    from textlens.cx.cues import load_cues

    cues = load_cues()
    names = cues.names
    loud, calm = cues.features(["C'est SCANDALEUX !!! Le pire assureur 😡", "Le contrat est arrivé."])
    assert loud[names.index("shape.exclamations")] > 0 and calm[names.index("shape.exclamations")] == 0
    assert loud[names.index("shape.caps_words")] > 0 and loud[names.index("shape.emoji_negative")] > 0
    assert loud[names.index("intensity.strong")] > 0 and calm[names.index("intensity.strong")] == 0
    counts = cues.counts("Je vais résilier et saisir le médiateur")
    assert counts["intent.churn"] >= 1 and counts["intent.escalation"] >= 1
    bad = tmp_path / "cues.toml"
    bad.write_text('[intent]\nchurn = ["resili(er"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"cues.toml.*intent.churn"):
        load_cues(str(bad))


def test_labels_file_refuses_a_review_moved_out_of_its_fixed_part(tmp_path):
    from textlens.cx.labels import held_out, read_labels

    ids = [f"{i:012x}" for i in range(40)]
    test_id = next(i for i in ids if held_out(i))
    path = tmp_path / "cx_labels.jsonl"
    path.write_text(json.dumps({"id": test_id, "file": "train", "part": "train", "emotions": [], "effort": 0,
                                "intents": []}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"cx_labels.jsonl:1: id .* is in part 'test'"):
        read_labels(path)
    path.write_text(json.dumps({"id": test_id, "file": "train", "part": "test", "emotions": [{"label": "rage",
                               "intensity": 2}], "effort": 0, "intents": []}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r":1: .*unknown labels \['rage'\]"):
        read_labels(path)


def test_classifier_learns_from_annotations_and_validates_them():
    from textlens.cx.model import CxClassifier, CxLabels

    angry = ["Honteux, je résilie !!!", "Scandaleux, je vais résilier.", "Inadmissible, je quitte cette assurance !",
             "Des voleurs, je change d'assureur !!", "C'est une honte, résiliation demandée.",
             "Arnaque totale, je pars à la concurrence !"]
    happy = ["Très satisfait, je recommande.", "Parfait, service au top.", "Ravi du service, je recommande !",
             "Contente, tout est simple.", "Excellent accueil, je recommande.", "Super assurance, satisfait."]
    labels = ([CxLabels({"anger": 3}, -1, ["complaint", "churn"])] * 6 + [CxLabels({"joy": 2}, 1, ["praise"])] * 6)
    model = CxClassifier(threshold_folds=3, cue_weight=0.5).fit(angry + happy, labels)
    assert model.cue_weight == 0.5 and set(model.thresholds_) == {f"emotion.{e}" for e in EMOTIONS} | {
        f"intent.{i}" for i in INTENTS}
    pred = model.predict(["Honteux !!! je vais résilier", "Très satisfaite, je recommande"])
    assert "churn" in {lab for lab, _ in pred[0].intents} and "praise" not in {lab for lab, _ in pred[0].intents}
    assert "joy" in {lab for lab, _, _ in pred[1].emotions}
    with pytest.raises(ValueError, match="label row 0: unknown labels"):
        CxClassifier(threshold_folds=3).fit(angry + happy, [CxLabels({"rage": 2})] + labels[1:])


@needs_model
def test_trained_model_reads_our_reviews(model):
    preds = dict(zip([r[0] for r in OUR_REVIEWS], model.predict([r[2] for r in OUR_REVIEWS])))
    churn = preds["churn1"]
    assert "churn" in {lab for lab, _ in churn.intents}
    assert ("anger", 3) in {(lab, i) for lab, i, _ in churn.emotions}
    assert "praise" in {lab for lab, _ in preds["happy1"].intents}
    assert "joy" in {lab for lab, _, _ in preds["happy1"].emotions}
    assert preds["happy1"].effort_level == "easy"
    assert "gratitude" in {lab for lab, _, _ in preds["thanks1"].emotions}
    assert preds["hard1"].effort_level == "hard"
    assert "escalation" in {lab for lab, _ in preds["lawyer1"].intents}
    assert not {lab for lab, _ in preds["plain1"].intents} & {"churn", "escalation"}


@pytest.fixture(scope="module")
def cx_db(tmp_path_factory):
    if not MODEL.is_file():
        pytest.skip("models/cx/cx.pkl.gz not trained")
    from textlens.pipeline import run

    folder = tmp_path_factory.mktemp("cx")
    table = folder / "avis.csv"
    with open(table, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "date", "assureur", "avis"])
        for i, (rid, date, text) in enumerate(OUR_REVIEWS):
            w.writerow([rid, date, "Alpha" if i % 2 else "Beta", text])
    note = folder / "note.txt"
    note.write_text("Les centres de contacts investissent dans la formation des conseillers en 2021. " * 3,
                    encoding="utf-8")
    db = folder / "cx.db"
    from textlens.ingest import IngestOptions

    run([table], db, analyses=["cx"], options=IngestOptions(kind="verbatim"))
    run([note], db, analyses=["cx"], options=IngestOptions(kind="article"))
    return db


def test_analyzer_rows_are_stored_per_review_and_passage_and_exported(cx_db):
    from textlens.export import export_records
    from textlens.store import Corpus

    with Corpus.open(cx_db, readonly=True) as corpus:
        doc_rows = corpus.conn.execute("SELECT doc_id, label, intensity, passage_id FROM doc_emotions").fetchall()
        effort = dict(corpus.conn.execute("SELECT doc_id, level FROM doc_effort").fetchall())
        passage_rows = corpus.count("passage_emotions") + corpus.count("passage_intents")
        evidence = corpus.conn.execute(
            "SELECT p.doc_id = i.doc_id FROM doc_intents i JOIN passages p ON p.id = i.passage_id").fetchall()
    assert len(effort) == len(OUR_REVIEWS)  # every review, and the article gets none
    assert doc_rows and passage_rows > 0 and evidence and all(ok for (ok,) in evidence)
    records = {r["id"].split(":")[-1] if ":" in r["id"] else r["id"]: r for r in export_records(cx_db)}
    article = [r for r in records.values() if r["kind"] != "verbatim"]
    assert article and article[0]["emotions"] == [] and article[0]["intents"] == [] and article[0]["effort"] == {}
    churn = next(r for r in records.values() if r["metadata"].get("avis", "").startswith("Je vais") or
                 r["id"].endswith("churn1"))
    assert {"label", "intensity", "score"} <= set(churn["emotions"][0])
    assert "churn" in {i["label"] for i in churn["intents"]}
    assert set(churn["effort"]) == {"level", "score"}


def _cli(*args):
    from typer.testing import CliRunner

    from textlens.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_emotion_and_intent_filters_and_commands(cx_db):
    db = str(cx_db)
    listed = json.loads(_cli("churn", "--db", db, "--format", "json"))
    assert listed and all("churn" in r["intents"] for r in listed)
    assert any("résilier" in r["evidence"] or "change d'assurance" in r["evidence"] for r in listed)
    shown = _cli("show", listed[0]["doc_id"], "--db", db)
    assert "intents" in shown and "churn" in shown and "effort" in shown
    angry = json.loads(_cli("emotions", "--db", db, "--emotion", "colère", "--list", "--format", "json"))
    assert angry and all(any(e.startswith("anger:") for e in r["emotions"]) for r in angry)
    dist = json.loads(_cli("emotions", "--db", db, "--format", "json"))
    assert {r["label"] for r in dist} == set(EMOTIONS)
    assert all(0 <= r["low"] <= r["share"] <= r["high"] <= 1 for r in dist if r["reviews"])
    temps = json.loads(_cli("emotions", "--db", db, "--by", "year", "--format", "json"))
    assert {r["group"] for r in temps} == {2021, 2022} and all(-100 <= r["temperature"] <= 100 for r in temps)
    segments = json.loads(_cli("emotions", "--db", db, "--segment", "assureur", "--format", "json"))
    assert {r["group"] for r in segments} == {"Alpha", "Beta"}
    search = json.loads(_cli("search", "contrat", "--db", db, "--intent", "churn", "--format", "json"))
    assert search and all(r["doc_id"].endswith("churn1") for r in search)
    trend = json.loads(_cli("trends", "-d", "emotion", "--db", db, "--format", "json"))
    anger = [r for r in trend["prevalence"] if r["item"] == "anger"]
    assert anger and all(0 <= r["ci_low"] <= r["share"] <= r["ci_high"] <= 1 for r in anger)


def test_unknown_emotion_filter_is_a_clear_error(cx_db):
    from typer.testing import CliRunner

    from textlens.cli import app

    result = CliRunner().invoke(app, ["emotions", "--db", str(cx_db), "--emotion", "bonheur"])
    assert result.exit_code != 0 and "unknown emotion 'bonheur'" in result.output


@pytest.mark.shared
def test_held_out_figures_of_the_model_card_reproduce(shared_dir):
    """The held-out figures written by scripts/eval_cx.py (through `textlens run` + `export`) are what the committed
    model gives on the held-out part when called directly: the card's figures are reproducible."""
    labels = ROOT / "scripts" / "data" / "cx_labels.jsonl"
    figures = ROOT / "models" / "cx" / "heldout.json"
    if not (labels.is_file() and figures.is_file() and MODEL.is_file()):
        pytest.skip("needs scripts/data/cx_labels.jsonl, models/cx/heldout.json and the model")
    from textlens.cx.analyzer import load_model
    from textlens.cx.evaluation import gold_outcome, scores
    from textlens.cx.labels import load_annotated

    recorded = json.loads(figures.read_text(encoding="utf-8"))
    test = [r for r in load_annotated(labels, shared_dir) if r.part == "test" and r.id in set(recorded["ids"])]
    assert len(test) == len(recorded["ids"])
    from textlens.cx.evaluation import Outcome

    preds = load_model(str(MODEL)).predict([r.text for r in test])
    got = scores([gold_outcome(r.labels) for r in test],
                 [Outcome({lab: i for lab, i, _ in p.emotions}, p.effort_level, {lab for lab, _ in p.intents})
                  for p in preds])
    for key in ("emotion_macro_f1", "intensity_within_one", "effort_accuracy", "intent_micro_f1", "churn_recall"):
        assert got[key] == pytest.approx(recorded["model"][key], abs=0.02), key


def test_report_has_the_cx_section_with_evidence_and_churn_list(cx_db, tmp_path):
    from textlens.query import Filters
    from textlens.report.data import assemble
    from textlens.store import Corpus

    with Corpus.open(cx_db, readonly=True) as corpus:
        data = assemble(corpus, Filters())
    sec = next(s for s in data.sections if s.id == "cx")
    assert sec.empty is None
    tables = {t.name: t for t in sec.tables}
    emotions = tables["cx_emotions"].df
    anger = emotions[emotions["label"] == "anger"].iloc[0]
    assert anger["reviews"] >= 1 and anger["evidence_id"] is not None
    passages = data.evidence[int(anger["evidence_id"])].passages
    assert passages and all(p["doc_id"] for p in passages)
    assert "churn1" in " ".join(tables["cx_churn"].df["doc_id"])
    assert {"chart_cx_emotion", "chart_cx_intent", "chart_cx_temperature"} <= {c.id for c in sec.charts}
    out = tmp_path / "r.html"
    from textlens.report import build_report

    build_report(cx_db, out, "html", Filters())
    assert 'id="cx"' in out.read_text(encoding="utf-8")
