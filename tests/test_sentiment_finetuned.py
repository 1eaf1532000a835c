"""The fine-tuned e5 sentiment tier (opt-in): availability message, truncation, ensembling, real predictions,
the analysis option that selects it (key, rows, clear failure) and `textlens run --sentiment-model`."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from textlens.sentiment import finetuned
from textlens.sentiment.finetuned import collapse, combine, decide, unavailable_reason

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "verbatims_assurance" / "dev.csv"


def test_missing_artifact_gives_a_clear_reason(tmp_path):
    reason = unavailable_reason(tmp_path / "nowhere")
    assert reason is not None and "not found" in reason and "finetune_sentiment.py" in reason
    with pytest.raises(RuntimeError, match="not found"):
        finetuned.FineTunedSentiment(tmp_path / "nowhere")


def test_combine_weights_and_decision_offsets():
    ft = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    ng = np.array([[0.2, 0.2, 0.6], [0.5, 0.4, 0.1]])
    assert np.allclose(combine(ft, ng, 1.0), ft)
    assert np.allclose(combine(ft, ng, 0.0), ng)
    mid = combine(ft, ng, 0.5)
    assert np.allclose(mid.sum(axis=1), 1.0)
    assert list(decide(ft, [0, 0, 0])) == [0, 2]
    assert list(decide(ft, [0, 2.0, 0])) == [1, 1]  # a large neutral offset turns both rows neutral
    P5 = np.array([[0.1, 0.2, 0.3, 0.25, 0.15]])
    assert np.allclose(collapse(P5), [[0.3, 0.3, 0.4]])


def _model():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    return finetuned.load_finetuned()


def test_long_texts_keep_their_head_and_their_end():
    ft = _model()
    tok, bos, eos = ft.tokenizer, ft._bos, ft._eos
    long_text = "Le dossier a traîné pendant des semaines. " * 40 + "Au final je suis très satisfait."
    short_text = "Très bon accueil."
    wins = finetuned.token_windows(tok, [long_text, short_text], 32, 10, bos, eos)
    assert len(wins[0]) == 32 and wins[0][0] == bos and wins[0][-1] == eos
    full = tok.encode("query: " + long_text, add_special_tokens=False).ids
    assert wins[0][1:11] == full[:10] and wins[0][11:-1] == full[-20:]
    assert wins[1][1:-1] == tok.encode("query: " + short_text, add_special_tokens=False).ids


def test_sentences_get_their_polarity():
    ft = _model()
    texts = [
        "Service client excellent, conseillère très aimable, je recommande vivement cette assurance.",
        "Scandaleux : six mois sans remboursement, personne ne répond au téléphone, je résilie.",
        "Tarif correct, rien à redire sur la gestion du sinistre, très rapide.",
        "Je ne recommande pas du tout, contrat résilié sans prévenir et aucune explication.",
    ]
    P5 = ft.predict_star_proba(texts)
    assert P5.shape == (4, 5) and np.allclose(P5.sum(axis=1), 1.0, atol=1e-5)
    score = finetuned.polarity_score(ft.proba(texts))
    assert score[0] > 0.5 and score[2] > 0.3
    assert score[1] < -0.5 and score[3] < -0.3
    assert ft.predict(texts)[:2] == ["positive", "negative"]
    assert ft.proba([]).shape == (0, 3)
    with pytest.raises(TypeError, match="list of texts"):
        ft.proba("une seule chaîne")
    with pytest.raises(ValueError, match="shape"):
        ft.ensemble_proba(texts, np.ones((3, 3)) / 3)


def test_dev_floor():
    """On the first 200 dev reviews (never trained on) the tier keeps a floor well above the lexicon baselines."""
    if not DEV.is_file():
        pytest.skip(f"{DEV} not available (third-party data lives in ../shared)")
    ft = _model()
    import pandas as pd
    from sklearn.metrics import f1_score

    df = pd.read_csv(DEV).head(200)
    stars = df["rating"].to_numpy()
    P = ft.proba(df["text"].astype(str).tolist())
    polar = stars != 3
    binary = ((P[polar, 2] > P[polar, 0]) == (stars[polar] >= 4)).mean()
    y = np.where(stars <= 2, 0, np.where(stars == 3, 1, 2))
    macro = f1_score(y, decide(P, ft.config["bias"]), average="macro")
    assert binary >= 0.93, binary
    assert macro >= 0.60, macro


def test_int8_packing_keeps_each_row_within_half_a_step():
    import torch

    g = torch.Generator().manual_seed(0)
    states = [{"layer.weight": torch.randn(6, 8, generator=g), "layer.bias": torch.randn(6, generator=g)}
              for _ in range(2)]
    states[1]["layer.weight"][2] *= 100  # one row of large values must not coarsen the other rows
    packed = finetuned.pack_members(states)
    assert packed["m1.layer.weight"].dtype == torch.int8 and packed["m0.layer.bias"].dtype == torch.float16
    back = finetuned.unpack_members(packed, 2)
    for before, after in zip(states, back):
        step = before["layer.weight"].abs().amax(dim=1, keepdim=True) / 127
        assert (after["layer.weight"] - before["layer.weight"]).abs().le(step / 2 + 1e-7).all()
        assert torch.allclose(after["layer.bias"], before["layer.bias"], atol=1e-2)
    assert torch.equal(finetuned.unpack_members(finetuned.pack_members(back), 2)[1]["layer.weight"],
                       back[1]["layer.weight"])  # packing what was unpacked changes nothing
    legacy = finetuned.unpack_members({k: v.half() for k, v in states[0].items()}, None)
    assert len(legacy) == 1 and legacy[0]["layer.weight"].dtype == torch.float32


def test_members_star_probabilities_are_averaged(tmp_path):
    """An artifact of two members predicts the mean of what each member predicts alone."""
    ft = _model()
    first = finetuned.unpack_members(finetuned.load_weights(finetuned.model_dir()), ft.config.get("members"))[0]
    other = {k: v.clone() for k, v in first.items()}
    other["head.weight"] = other["head.weight"].flip(0)  # a member that reads the stars the other way round
    texts = ["Remboursement rapide et conseillère très aimable.", "Aucune réponse depuis trois mois, honteux."]

    def folder(name: str, states: list) -> Path:
        d = tmp_path / name
        d.mkdir()
        finetuned.save_weights(finetuned.pack_members(states), d, xz=name == "ab")  # both forms load
        (d / finetuned.CONFIG).write_text(json.dumps({**ft.config, "members": len(states)}), encoding="utf-8")
        return d

    P = [finetuned.FineTunedSentiment(folder(n, s), backend="f32").predict_star_proba(texts)
         for n, s in (("a", [first]), ("b", [other]), ("ab", [first, other]))]
    assert not np.allclose(P[0], P[1], atol=0.05)
    assert np.allclose(P[2], (P[0] + P[1]) / 2, atol=1e-5)


def test_probabilities_do_not_depend_on_the_batch():
    """A review gets the same probabilities alone or among longer/shorter ones (length batches, padding)."""
    ft = _model()
    texts = ["Très déçu, aucune réponse à mes mails depuis un mois.",
             "Bon contact avec l'agence, devis clair et rapide, je suis content du prix. " * 6,
             "Correct sans plus.", "Sinistre réglé en deux semaines, merci à mon gestionnaire."]
    together = ft.proba(texts)
    alone = np.vstack([ft.proba([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(ft.proba(texts[::-1])[::-1], together, atol=1e-5)


def test_review_predictions_ensemble_with_the_ngram_model():
    ft = _model()
    from textlens.sentiment import load_model

    ngram = load_model()
    texts = ["Conseiller au top, dossier réglé en une semaine, merci beaucoup !",
             "Honteux, trois relances sans réponse et un remboursement toujours bloqué."]
    preds = ft.predict_reviews(texts, ngram)
    assert [p.label for p in preds] == ["positive", "negative"]
    P = ft.ensemble_proba(texts, ngram.proba(texts))
    assert np.allclose([p.proba for p in preds], P, atol=1e-6)
    assert np.allclose([p.score for p in preds], P[:, 2] - P[:, 0])
    assert ft.predict_reviews([], ngram) == []


def test_analyzer_tier_changes_the_key_and_only_the_review_rows(tmp_path):
    _model()
    from textlens.analysis.segment import split_passages, stems
    from textlens.document import Document
    from textlens.pipeline import analysis_inputs
    from textlens.sentiment.analyzer import SentimentAnalyzer
    from textlens.store import Corpus

    fast, accurate = SentimentAnalyzer(), SentimentAnalyzer(model="accurate")
    assert SentimentAnalyzer(model="fast").key() == fast.key() != accurate.key()
    assert finetuned.model_id() in accurate.config_fingerprint()
    texts = {"v1": "Accueil désagréable et dossier perdu deux fois, je change d'assureur.",
             "v2": "Rapide, efficace et souriant : rien à redire sur ce service."}
    with Corpus.open(tmp_path / "t.db") as corpus:
        with corpus.transaction():
            for doc_id, text in texts.items():
                corpus.upsert_document(Document(doc_id, text, text, kind="verbatim", language="fr"))
                ps = split_passages(doc_id, text)
                corpus.replace_passages(doc_id, ps, [stems(p.text) for p in ps])
        batch = analysis_inputs(corpus, list(texts))
        rows_fast, rows_acc = fast.analyze(batch, corpus), accurate.analyze(batch, corpus)
    assert rows_acc["passage_sentiment"] == rows_fast["passage_sentiment"]
    docs = {r["doc_id"]: r for r in rows_acc["doc_sentiment"]}
    assert docs["v1"]["label"] == "negative" and docs["v2"]["label"] == "positive"
    assert all(json.loads(r["detail"])["model"] == "accurate" for r in docs.values())
    assert all("model" not in json.loads(r["detail"]) for r in rows_fast["doc_sentiment"])


def test_accurate_tier_asked_for_but_unavailable_fails_with_the_reason(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from textlens.cli import app
    from textlens.sentiment.analyzer import SentimentAnalyzer
    from textlens.sentiment.predict import ModelError

    monkeypatch.setenv(finetuned.MODEL_ENV, str(tmp_path / "no_model"))
    with pytest.raises(ModelError, match="'accurate' unavailable: .*not found"):
        SentimentAnalyzer(model="accurate")
    data = tmp_path / "v.csv"
    data.write_text("id,text\na,Service correct.\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["run", str(data), "--db", str(tmp_path / "t.db"), "--sentiment-model", "accurate",
                                 "--no-topics", "-q"])
    assert r.exit_code == 1 and "not found" in r.output and "no_model" in r.output
    assert not (tmp_path / "t.db").exists()  # failed before reading anything


# ---- int8 ONNX backend (issue #21: the tier at >= 60 reviews/s on 2 cores) --------------------------------

REVIEWS = [
    "Conseillère très aimable, sinistre réglé en dix jours, je recommande cette assurance.",
    "Honteux : trois relances sans réponse et un remboursement toujours bloqué, je résilie.",
    "Tarif correct, service moyen, rien de particulier à signaler.",
    "Le prix a augmenté de 20 % sans explication alors que je n'ai eu aucun sinistre.",
    "Rapide et efficace. Merci !",
    "Devis clair, mais l'attente au téléphone est beaucoup trop longue. " * 5 + "Au final plutôt satisfait.",
]


def test_int8_backend_stays_close_to_the_float_model():
    """The int8 graph (built once into the user cache) gives about the float model's probabilities, the same
    verdict on clear reviews, and the same bits for a review alone or among others."""
    _model()
    f32 = finetuned.load_finetuned(backend="f32")
    int8 = finetuned.load_finetuned(backend="int8")
    assert int8.backend == "int8" and int8._graph is not None and int8._graph.is_file()
    P_f, P_q = f32.proba(REVIEWS), int8.proba(REVIEWS)
    assert P_q.shape == (len(REVIEWS), 3) and np.allclose(P_q.sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(P_q - P_f).mean() < 0.03, np.abs(P_q - P_f)
    assert int8.predict(REVIEWS)[:2] == f32.predict(REVIEWS)[:2] == ["positive", "negative"]
    alone = np.vstack([int8.proba([t]) for t in REVIEWS])
    assert np.abs(alone - P_q).max() < 1e-5  # rows never interact: batch-independent up to float rounding
    assert int8.proba([]).shape == (0, 3)


def test_int8_build_failure_falls_back_to_float_with_a_message(tmp_path, monkeypatch, caplog):
    _model()
    from textlens.sentiment import finetuned_onnx

    def broken(*args, **kwargs):
        raise RuntimeError("no space left on device")

    monkeypatch.setattr(finetuned_onnx, "graph_path", lambda model_id: tmp_path / "missing" / "g.onnx")
    monkeypatch.setattr(finetuned_onnx, "build_graph", broken)
    with caplog.at_level("WARNING", logger="textlens.sentiment.finetuned"):
        ft = finetuned.FineTunedSentiment(backend="int8")
    assert ft.backend == "f32" and ft.base is not None
    assert "could not build its int8 ONNX graph" in caplog.text and "no space left" in caplog.text
    assert finetuned.BACKEND_ENV in caplog.text
    assert ft.predict(REVIEWS[:2]) == ["positive", "negative"]


def test_backend_choice_is_checked_and_part_of_the_key(monkeypatch):
    _model()
    own = finetuned.read_config(finetuned.model_dir()).get("backend") or "f32"
    other = "int8" if own == "f32" else "f32"
    base_id = finetuned.model_id()
    assert finetuned.model_id(backend=own) == base_id
    assert finetuned.model_id(backend=other) == f"{base_id}-{other}"
    monkeypatch.setenv(finetuned.BACKEND_ENV, other)
    assert finetuned.model_id() == f"{base_id}-{other}"
    monkeypatch.setenv(finetuned.BACKEND_ENV, "fp16")
    with pytest.raises(ValueError, match=f"{finetuned.BACKEND_ENV}: unknown accurate-tier backend 'fp16'"):
        finetuned.model_id()


def test_each_backend_decides_with_its_own_tuning():
    """config.json `backends.<name>` re-tunes the ensemble for that backend only; the other keeps the top-level
    tuning; the graph's hash ignores the tuning (no rebuild) while the analysis key follows it."""
    config = {"bias": [0.0, -0.1, -0.5], "ensemble": {"weight": 0.8, "bias": [0.0, 0.5, -0.1]},
              "backends": {"int8": {"ensemble": {"weight": 0.7, "bias": [0.0, 0.4, -0.2]}}}}
    assert finetuned.backend_tuning(config, "int8") == {"bias": [0.0, -0.1, -0.5],
                                                          "ensemble": {"weight": 0.7, "bias": [0.0, 0.4, -0.2]}}
    assert finetuned.backend_tuning(config, "f32")["ensemble"]["weight"] == 0.8
    assert finetuned.backend_tuning({k: v for k, v in config.items() if k != "backends"}, "int8") == \
        finetuned.backend_tuning(config, "f32")
    _model()
    folder = finetuned.model_dir()
    own = finetuned.read_config(folder)
    retuned = {**own, "backends": {"int8": {"ensemble": {"weight": 0.3, "bias": [0.0, 9.0, 0.0]}}}}
    assert finetuned.weights_hash(folder, retuned) == finetuned.weights_hash(
        folder, {k: v for k, v in own.items() if k != "backends"})
    int8 = finetuned.load_finetuned(backend="int8")
    assert int8.tuning == finetuned.backend_tuning(own, "int8")
    from textlens.sentiment import load_model

    ngram = load_model()
    P_ng = ngram.proba(REVIEWS)
    before = [p.label for p in int8.predict_reviews(REVIEWS, ngram)]
    assert before[:2] == ["positive", "negative"]
    try:  # a neutral offset of 9 (log-probability): every review, even the clearest, turns neutral
        int8.tuning = finetuned.backend_tuning(retuned, "int8")
        assert int8.predict(REVIEWS, P_ng) == ["neutral"] * len(REVIEWS)
        assert [p.label for p in int8.predict_reviews(REVIEWS[:2], ngram)] == ["neutral", "neutral"]
        assert np.allclose(int8.ensemble_proba(REVIEWS, P_ng), combine(int8.proba(REVIEWS), P_ng, 0.3))
    finally:
        int8.tuning = finetuned.backend_tuning(own, "int8")


def test_bootstrap_macro_f1_matches_scoring_each_resample():
    from textlens.sentiment.labels import macro_f1

    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 400)
    preds = np.stack([np.where(rng.random(400) < q, y, rng.integers(0, 3, 400)) for q in (0.9, 0.6, 0.2)])
    got = finetuned.bootstrap_macro_f1(y, preds, rounds=30, seed=5)
    draws = np.random.default_rng(5).integers(0, len(y), size=(30, len(y)))
    want = [np.mean([macro_f1(y[d], p[d]) for d in draws]) for p in preds]
    assert np.allclose(got, want, atol=1e-5)
    assert got[0] > got[1] > got[2]


def test_steady_tuning_finds_the_offset_a_shifted_model_needs():
    """Probabilities whose neutral class is under-scored by a known log factor: the steady search puts it
    back (to a tenth) and, with a useless second model, gives it no weight."""
    rng = np.random.default_rng(0)
    n = 3000
    y = rng.choice(3, n, p=[0.4, 0.2, 0.4])
    logits = rng.normal(0, 1, (n, 3))
    logits[np.arange(n), y] += 2.0
    logits[:, 1] -= 1.0  # the model under-scores neutral by 1.0
    P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    noise = rng.dirichlet([1, 1, 1], n)
    w, bias, f1 = finetuned.tune_steady(P, noise, y, rounds=40)
    assert w >= 0.8 and 0.7 <= bias[1] - bias[0] <= 1.3, (w, bias)
    from textlens.sentiment.labels import macro_f1

    assert f1 > macro_f1(y, decide(P, np.zeros(3))) + 0.01
