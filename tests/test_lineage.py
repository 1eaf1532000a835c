"""Topic lineage: continuations, splits, merges, births and deaths where the answer is known."""
from __future__ import annotations

import numpy as np
import pytest

from textlens.dynamics import lineage as ln

DIM = 24


def _axis(*parts: tuple[int, float]) -> np.ndarray:
    v = np.zeros(DIM)
    for i, w in parts:
        v[i] = w
    return v / np.linalg.norm(v)


def _topic(period: str, topic: int, centre: np.ndarray, terms: list[str]) -> ln.PeriodTopic:
    return ln.PeriodTopic(period, topic, " · ".join(terms[:2]), 10, 0.25, terms, centre)


def test_matching_names_continuations_splits_merges_births_and_deaths():
    a, b, c = _axis((0, 1)), _axis((1, 1)), _axis((2, 1))
    topics = [
        _topic("p1", 0, a, ["prix", "tarif"]), _topic("p1", 1, b, ["attente", "téléphone"]),
        _topic("p1", 2, c, ["agence", "fermeture"]), _topic("p1", 3, _axis((9, 1)), ["fax", "minitel"]),
        # p2: a splits in two, b and c merge, the fax topic dies, a chatbot topic is born
        _topic("p2", 0, _axis((0, 1), (5, 0.8)), ["prix", "hausse"]),
        _topic("p2", 1, _axis((0, 1), (6, 0.8)), ["tarif", "devis"]),
        _topic("p2", 2, _axis((1, 1), (2, 1)), ["attente", "agence"]),
        _topic("p2", 3, _axis((7, 1)), ["chatbot", "robot"]),
    ]
    lin = ln.match_periods(topics, ["p1", "p2"], threshold=0.5)
    links = {(k.source, k.target): k for k in lin.links}
    assert set(links) == {("p1#0", "p2#0"), ("p1#0", "p2#1"), ("p1#1", "p2#2"), ("p1#2", "p2#2")}
    assert links[("p1#0", "p2#0")].event == "split" and links[("p1#1", "p2#2")].event == "merge"
    assert links[("p1#0", "p2#0")].similarity == pytest.approx(1 / np.sqrt(1.64), abs=1e-4)
    assert links[("p1#1", "p2#2")].term_overlap == pytest.approx(1 / 3, abs=1e-4)
    events = {(e["event"], tuple(e["topics"])) for e in lin.events}
    assert ("split", ("p1#0", "p2#0", "p2#1")) in events
    assert ("merge", ("p1#1", "p1#2", "p2#2")) in events
    assert ("death", ("p1#3",)) in events and ("birth", ("p2#3",)) in events
    assert not any(e["event"] == "birth" and e["period"] == "p1" for e in lin.events)  # first period: no births
    frame = lin.links_frame()
    assert list(frame.columns) == ["source", "source_label", "target", "target_label", "similarity", "term_overlap",
                                   "event"]


def test_same_topics_in_two_periods_are_continuations():
    topics = [_topic(p, i, _axis((i, 1)), [f"mot{i}", f"terme{i}"]) for p in ("2000", "2005") for i in range(3)]
    lin = ln.match_periods(topics, ["2000", "2005"])
    assert [(k.source, k.target, k.event) for k in lin.links] == [
        ("2000#0", "2005#0", "continuation"), ("2000#1", "2005#1", "continuation"),
        ("2000#2", "2005#2", "continuation")]
    assert {e["event"] for e in lin.events} == {"continuation"}
    with pytest.raises(ValueError, match="cosine"):
        ln.match_periods(topics, ["2000", "2005"], threshold=2)


WORDS = {
    "price": ["prix", "tarif", "cotisation", "augmentation", "cher", "hausse"],
    "wait": ["attente", "téléphone", "joindre", "standard", "patienter", "ligne"],
    "claims": ["sinistre", "expert", "remboursement", "dossier", "indemnisation", "dégât"],
    "auto": ["voiture", "garage", "réparation", "carrosserie", "pare-brise", "véhicule"],
    "home": ["maison", "dégât des eaux", "plombier", "fuite", "plafond", "logement"],
}


def _units(rng: np.random.Generator, period: str, centres: dict[str, np.ndarray], n: int,
           words: dict[str, list[str]]) -> tuple[list[str], list[np.ndarray], list[str]]:
    texts, vecs = [], []
    for name, centre in centres.items():
        for _ in range(n):
            w = rng.choice(words[name], size=4, replace=False)
            texts.append(f"Le {w[0]} et la {w[1]} avec {w[2]} puis {w[3]}.")
            vecs.append(centre + rng.normal(0, 0.04, DIM))
    return texts, vecs, [period] * len(texts)


def test_fitted_periods_show_a_topic_whose_documents_divide_as_a_split():
    """Claims in period 1; in period 2 the claims units divide into car and home claims (both still about
    claims), price and wait continue."""
    rng = np.random.default_rng(0)
    claims = _axis((2, 1))
    p1 = {"price": _axis((0, 1)), "wait": _axis((1, 1)), "claims": claims}
    p2 = {"price": _axis((0, 1)), "wait": _axis((1, 1)), "auto": _axis((2, 1), (3, 0.6)),
          "home": _axis((2, 1), (4, 0.6))}
    words = {**WORDS, "auto": WORDS["claims"][:3] + WORDS["auto"], "home": WORDS["claims"][:3] + WORDS["home"]}
    t1, v1, per1 = _units(rng, "2019", p1, 60, words)
    t2, v2, per2 = _units(rng, "2020", p2, 60, words)
    topics, periods, skipped = ln.fit_period_topics(t1 + t2, np.array(v1 + v2), per1 + per2, min_units=30)
    assert periods == ["2019", "2020"] and not skipped
    assert sum(t.period == "2019" for t in topics) == 3 and sum(t.period == "2020" for t in topics) == 4
    lin = ln.match_periods(topics, periods)
    claims_topic = next(t for t in topics if t.period == "2019" and "sinistre" in t.terms[:6]
                        and not {"prix", "attente"} & set(t.terms[:2]))
    split = [e for e in lin.events if e["event"] == "split"]
    assert len(split) == 1 and split[0]["topics"][0] == claims_topic.key and len(split[0]["topics"]) == 3
    continued = [e for e in lin.events if e["event"] == "continuation"]
    assert len(continued) == 2 and all(min(e["similarity"]) > 0.9 for e in continued)
    assert not [e for e in lin.events if e["event"] in ("merge", "birth", "death")]
