"""The churn detector of the customer-experience model (issue #18): who leaves whom, its recall-first threshold,
its cue file, and the float16 storage of the model's weights. Texts here are our own, invented."""
from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest

LEAVING = ["Honteux, je résilie mon contrat dès demain.", "J'ai résilié toutes mes assurances chez eux.",
           "Je vais changer d'assureur à l'échéance.", "Trop cher, je pars à la concurrence.",
           "Impossible de résilier, trois lettres envoyées !", "Dernière année chez vous, je quitte cette mutuelle.",
           "Nous avons résilié nos contrats auto et habitation.", "Je compte résilier si rien ne change."]
TERMINATED = ["Ils m'ont résilié après deux sinistres non responsables.", "On me résilie sans prévenir, honteux.",
              "J'ai été résilié pour un bris de glace.", "La compagnie a résilié mon contrat sans explication.",
              "Mon contrat a été résilié par l'assureur, scandaleux.", "Ils vous résilient au moindre sinistre.",
              "Je suis résilié à l'échéance, aucune explication.", "Résilié par eux après un accrochage."]
NEW_CUSTOMER = ["Direct et simple, ils se chargent de résilier mon ancien assureur.",
                "Très satisfait, je viens de rejoindre cette assurance.", "Bon prix, je recommande.",
                "Ravi du service, rien à redire."]


def test_cue_groups_name_who_leaves_whom():
    from textlens.cx.churn_cues import GROUPS, load_churn_cues
    from textlens.sentiment.text import fold

    cues = load_churn_cues()

    def fired(text: str) -> set[str]:
        return {g for g, v in zip(GROUPS, cues.counts(fold(text))) if v}

    assert "self_leave" in fired("J'ai résilié mon contrat") and "insurer_terminates" not in fired("J'ai résilié")
    assert fired("J'ai été résilié par l'assurance") >= {"insurer_terminates"}
    assert "self_leave" not in fired("J'ai été résilié par l'assurance")
    assert "blocked_leaving" in fired("Impossible de résilier mon contrat")
    assert "previous_insurer" in fired("Ils se chargent de résilier mon ancien assureur")
    windows = cues.windows(fold("Bonjour. Après trois sinistres ils m'ont résilié sans prévenir. Bonne journée."), 25)
    assert "m'ont resilie" in windows and "bonjour" not in windows


def test_bad_cue_file_is_a_clear_error(tmp_path):
    from textlens.cx.churn_cues import load_churn_cues

    bad = tmp_path / "cues.toml"
    bad.write_text('leave_words = ["resili\\\\w*"]\n[groups]\nself_leave = ["(je"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="cues.toml: needs leave_words and the groups"):
        load_churn_cues(str(bad))
    groups = "\n".join(f'{g} = ["{g}"]' for g in ("blocked_leaving", "hedge", "insurer_terminates",
                                                      "previous_insurer", "stay", "advice"))
    bad.write_text(f'leave_words = ["resili\\\\w*"]\n[groups]\nself_leave = ["(je"]\n{groups}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="category .self_leave. has an invalid pattern"):
        load_churn_cues(str(bad))


def test_detector_learns_leaving_apart_from_being_terminated():
    """Same base score for all (the general model cannot tell them apart): the windows and cue groups must."""
    from textlens.cx.churn import ChurnDetector

    texts = LEAVING + TERMINATED + NEW_CUSTOMER
    y = [1] * len(LEAVING) + [0] * (len(TERMINATED) + len(NEW_CUSTOMER))
    base = [0.6] * len(texts)
    detector = ChurnDetector(folds=4, min_recall=0.75).fit(texts, y, base)
    p = detector.predict_proba(["Je résilie tout, j'en ai assez.", "Ils m'ont résilié sans raison."], [0.6, 0.6])
    assert p[0] > p[1]
    assert detector.cv_recall_ >= 0.75 and 0 < detector.threshold_ < 1
    with pytest.raises(ValueError, match="lengths differ"):
        ChurnDetector().fit(texts, y, base[:-1])
    with pytest.raises(ValueError, match="at least 5 churn"):
        ChurnDetector().fit(texts[:10], [1] * 3 + [0] * 7, base[:10])


def test_threshold_keeps_recall_and_takes_the_most_precise():
    from textlens.cx.churn import recall_first_threshold

    y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.2, 0.85, 0.3, 0.1, 0.05])
    t, recall, precision = recall_first_threshold(y, p, 0.75)
    assert (t, recall, precision) == (0.7, 0.75, 0.75)  # 0.3 also reaches 0.75 recall, with precision 0.6
    t, recall, _ = recall_first_threshold(y, p, 1.0)
    assert t == 0.2 and recall == 1.0


def test_classifier_decides_churn_with_its_detector_and_stores_weights_in_float16(tmp_path):
    from textlens.cx.model import CxClassifier, CxLabels

    texts = LEAVING + TERMINATED + NEW_CUSTOMER
    labels = ([CxLabels({"anger": 2}, 0, ["complaint", "churn"])] * len(LEAVING)
              + [CxLabels({"anger": 2}, 0, ["complaint"])] * len(TERMINATED)
              + [CxLabels({"joy": 2}, 1, ["praise"])] * len(NEW_CUSTOMER))
    model = CxClassifier(threshold_folds=4, churn_min_recall=0.75).fit(texts, labels)
    assert model.churn_ is not None and model.thresholds_["intent.churn"] == model.churn_.threshold_
    assert "churn_detector" in model.oof_
    plain = CxClassifier(threshold_folds=4, churn_min_recall=0.75, churn_detector=False).fit(texts, labels)
    assert plain.churn_ is None

    path = tmp_path / "m.pkl.gz"
    with gzip.open(path, "wb") as fh:
        pickle.dump(model, fh)
    with gzip.open(path, "rb") as fh:
        again = pickle.load(fh)
    assert again.coef_.dtype == np.float32 and model.coef_.dtype == np.float32
    probe = ["Je résilie, trop cher.", "Ils m'ont résilié.", "Très contente, je recommande."]
    assert np.abs(again.predict_proba(probe) - model.predict_proba(probe)).max() < 1e-3


def test_grouped_folds_keep_each_insurer_whole_and_the_detector_accepts_groups():
    """The threshold is chosen on folds that hold out whole insurers, as for reviews of an insurer not seen."""
    from textlens.cx.churn import ChurnDetector, stratified_folds

    texts = LEAVING + TERMINATED + NEW_CUSTOMER
    y = np.array([1] * len(LEAVING) + [0] * (len(TERMINATED) + len(NEW_CUSTOMER)))
    groups = [f"insurer{k % 6}" for k in range(len(texts))]
    folds = stratified_folds(y, groups, 3, 0)
    assert sorted(i for _, te in folds for i in te) == list(range(len(texts)))
    for tr, te in folds:
        assert not {groups[i] for i in tr} & {groups[i] for i in te}
    with pytest.raises(ValueError, match="2 groups cannot fill 3 folds"):
        stratified_folds(y, ["a", "b"] * (len(texts) // 2), 3, 0)
    with pytest.raises(ValueError, match="lengths differ"):
        stratified_folds(y, groups[:-1], 3, 0)
    detector = ChurnDetector(folds=3, min_recall=0.75).fit(texts, y, [0.6] * len(texts), groups)
    assert detector.cv_recall_ >= 0.75
    assert ChurnDetector().min_recall == 0.94  # the operating point chosen by grouped CV (recall first)
