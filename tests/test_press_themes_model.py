"""The learned press theme model (themes/press_model.py): validation, learning a theme, sample weights, storage round trip, and the shipped model matching the taxonomy it decides for (issue #16)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from textlens.themes.press_model import PressThemeModel, best_threshold


def _one_theme(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One theme driven by feature 0, with noise: a learnable signal among five idle features."""
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, 6))
    y = (x[:, 0] + 0.3 * rng.normal(size=n) > 0.0).astype(int)
    return x, y[:, None]


def test_fit_validates_its_inputs() -> None:
    x, y = _one_theme(80, 0)
    with pytest.raises(ValueError, match="do not match"):
        PressThemeModel().fit(x, y, ["a", "b"])
    with pytest.raises(ValueError, match="one weight >= 0 per document"):
        PressThemeModel().fit(x, y, ["a"], sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="one weight >= 0 per document"):
        PressThemeModel().fit(x, y, ["a"], sample_weight=-np.ones(len(x)))
    with pytest.raises(ValueError, match="too few"):
        PressThemeModel(cv=5).fit(x[:6], y[:6], ["a"])


def test_the_learnt_theme_is_found_on_new_texts() -> None:
    x, y = _one_theme(300, 1)
    x_new, y_new = _one_theme(300, 2)
    model = PressThemeModel(C=1.0).fit(x, y, ["theme"])
    pred = model.predict(x_new)[:, 0]
    tp = int((pred & (y_new[:, 0] == 1)).sum())
    assert 2 * tp / (pred.sum() + y_new.sum()) > 0.85
    assert abs(model.coef_[0, 0]) > 5 * np.abs(model.coef_[0, 1:]).max()


def test_zero_weight_rows_do_not_teach() -> None:
    """Rows weighted 0 leave the coefficients as if the model had learnt from the others alone: labels flipped
    on them change nothing."""
    x, y = _one_theme(200, 3)
    noisy = y.copy()
    noisy[:60] = 1 - noisy[:60]
    weight = np.r_[np.zeros(60), np.ones(140)]
    clean = PressThemeModel(C=1.0).fit(x, y, ["theme"], sample_weight=weight)
    flipped = PressThemeModel(C=1.0).fit(x, noisy, ["theme"], sample_weight=weight)
    assert np.allclose(clean.coef_, flipped.coef_, atol=1e-4)
    unweighted = PressThemeModel(C=1.0).fit(x, noisy, ["theme"])
    assert not np.allclose(unweighted.coef_, flipped.coef_, atol=1e-2)


def test_a_rare_theme_with_all_examples_in_one_split_still_fits() -> None:
    x, y = _one_theme(60, 4)
    rare = np.zeros((60, 1), dtype=int)
    rare[[0, 1]] = 1
    model = PressThemeModel(C=1.0, cv=30).fit(x, rare, ["rare"])  # 2-row splits: some hold both examples
    assert model.coef_ is not None and np.isfinite(model.coef_).all()


def test_save_and_load_keep_the_decisions(tmp_path: Path) -> None:
    x, y = _one_theme(160, 5)
    model = PressThemeModel(C=0.3).fit(x, y, ["theme"], sample_weight=np.linspace(0.5, 1.0, len(x)))
    model.save(tmp_path / "m.json")
    again = PressThemeModel.load(tmp_path / "m.json")
    assert np.allclose(again.predict_proba(x), model.predict_proba(x), atol=1e-5)
    assert (again.predict(x) == model.predict(x)).all()


def test_best_threshold_prefers_the_cut_with_the_best_f1() -> None:
    proba = np.array([0.9, 0.8, 0.35, 0.4, 0.1, 0.05])
    gold = np.array([1, 1, 1, 0, 0, 0])
    assert best_threshold(proba, gold) == pytest.approx(0.35)
    # the weakly scored positive weighed down: catching it no longer pays for the false one beside it
    assert best_threshold(proba, gold, np.array([1, 1, 0.1, 1, 1, 1])) == pytest.approx(0.8)


def test_shipped_model_matches_the_editorial_taxonomy() -> None:
    from textlens.themes.analyzer import ThemeAnalyzer
    from textlens.themes.press_files import shipped_model_path

    model = PressThemeModel.load(shipped_model_path())
    tax = ThemeAnalyzer(press_model="off").by_kind["article"]
    assert model.classes_ == list(tax.ids)
    assert model.meta_.get("taxonomy") == f"{tax.name}:{tax.sha1}"
    assert ((model.thresholds_ > 0) & (model.thresholds_ < 1)).all()


def test_inner_groups_keep_each_fold_whole_and_deal_the_archive() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from train_press_themes import inner_groups

    ids = [f"d{i}" for i in range(40)] + [f"a{i}" for i in range(200)]
    fold_of = {f"d{i}": (1, 3, 4, 0)[i % 4] for i in range(40)}
    groups = inner_groups(ids, fold_of)
    for f in (0, 1, 3, 4):
        assert len({g for i, g in zip(ids, groups) if fold_of.get(i) == f}) == 1
    assert sorted(set(groups)) == [0, 1, 2, 3]
    archive_counts = np.bincount(groups[40:], minlength=4)
    assert archive_counts.min() > 30, archive_counts  # every inner fit trains and is tested on archive texts too


def test_choose_settings_weighs_down_extra_labels_of_another_hand() -> None:
    """When the extra (archive) texts were labelled by a stricter hand, the inner CV judged on the target rows
    prefers them weighed down, in training and in setting the cut."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from train_press_themes import ARCHIVE_WEIGHTS, SETTINGS_CS, choose_settings, inner_groups

    rng = np.random.RandomState(6)
    x = rng.normal(size=(600, 6))
    signal = x[:, 0] + 0.3 * rng.normal(size=len(x))
    ids = [f"d{i}" for i in range(150)] + [f"a{i}" for i in range(450)]
    fold_of = {f"d{i}": i % 3 for i in range(150)}
    target = np.array([i in fold_of for i in ids])
    groups = inner_groups(ids, fold_of)
    stricter = np.where(target, signal > 0.0, signal > 1.2).astype(int)[:, None]
    c_value, weight, inner = choose_settings(x, stricter, target, groups)
    assert c_value in SETTINGS_CS and weight == min(ARCHIVE_WEIGHTS)
    assert 0.7 < inner <= 1.0


def _worded(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Texts where a theme shows only in its words ("grève", "syndicat"), among words every text shares."""
    rng = np.random.RandomState(seed)
    filler = ["le", "centre", "de", "contacts", "client", "annonce", "une", "nouvelle", "étape", "pour", "les"]
    texts, y = [], []
    for _ in range(n):
        words = list(rng.choice(filler, size=12))
        positive = rng.rand() < 0.4
        if positive:
            words += list(rng.choice(["grève", "syndicat", "salariés"], size=2))
        texts.append(" ".join(words))
        y.append(int(positive))
    return texts, np.array(y)[:, None]


def test_the_words_part_learns_a_theme_from_words_and_stores_compactly() -> None:
    from textlens.themes.press_text import HashedTextThemes

    texts, y = _worded(200, 7)
    new_texts, y_new = _worded(200, 8)
    part = HashedTextThemes(C=10.0).fit(texts, y)
    pred = part.predict_proba(new_texts)[:, 0] >= 0.5
    assert (pred == (y_new[:, 0] == 1)).mean() > 0.95
    assert part.coef_.dtype == np.float16 and len(part.columns_) < 200  # only hashed columns seen twice are kept
    again = HashedTextThemes.from_dict(part.to_dict())
    assert np.allclose(again.predict_proba(new_texts), part.predict_proba(new_texts))
    with pytest.raises(ValueError, match="do not match"):
        HashedTextThemes().fit(texts[:5], y)


def test_the_model_averaged_with_words_needs_texts_and_round_trips(tmp_path: Path) -> None:
    """A theme visible only in the words: the model with a words part finds it, the one without cannot; the
    gzip'd file gives the same decisions."""
    texts, y = _worded(240, 9)
    new_texts, y_new = _worded(200, 10)
    rng = np.random.RandomState(11)
    x, x_new = rng.normal(size=(240, 4)), rng.normal(size=(200, 4))  # features that say nothing about the theme
    with pytest.raises(ValueError, match="one text per row"):
        PressThemeModel(text_weight=0.5).fit(x, y, ["strike"])
    with pytest.raises(ValueError, match="share in"):
        PressThemeModel(text_weight=1.5).fit(x, y, ["strike"], texts=texts)
    blind = PressThemeModel(C=0.1).fit(x, y, ["strike"])
    model = PressThemeModel(C=0.1, text_weight=0.5).fit(x, y, ["strike"], texts=texts)

    def f1(pred: np.ndarray) -> float:
        return 2 * int((pred & (y_new[:, 0] == 1)).sum()) / (pred.sum() + y_new.sum())

    assert f1(model.predict(x_new, new_texts)[:, 0]) > 0.9 > 0.7 > f1(blind.predict(x_new)[:, 0])
    with pytest.raises(ValueError, match="one text per row"):
        model.predict(x_new)
    model.save(tmp_path / "m.json.gz")
    assert (tmp_path / "m.json.gz").read_bytes()[:2] == b"\x1f\x8b"
    again = PressThemeModel.load(tmp_path / "m.json.gz")
    assert np.allclose(again.predict_proba(x_new, new_texts), model.predict_proba(x_new, new_texts), atol=1e-6)
    assert again.text_weight == 0.5 and again.text_model_ is not None


def test_choose_text_settings_gives_the_words_a_share_when_only_they_carry_the_theme() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from train_press_themes import TEXT_CS, choose_text_settings, inner_groups

    texts, y = _worded(240, 12)
    x = np.random.RandomState(13).normal(size=(240, 4))
    ids = [f"d{i}" for i in range(80)] + [f"a{i}" for i in range(160)]
    fold_of = {f"d{i}": i % 4 for i in range(80)}
    target = np.array([i in fold_of for i in ids])
    text_c, share, _, inner = choose_text_settings(x, y, texts, np.ones(len(ids)), target,
                                                   inner_groups(ids, fold_of), 0.1)
    assert text_c in TEXT_CS and share > 0 and inner > 0.9


def _two_hands(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One theme driven by feature 0: the target rows labelled by a hand that counts it from a mild signal, the
    others (an archive) by a stricter hand that counts only strong cases."""
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(600, 6))
    signal = x[:, 0] + 0.3 * rng.normal(size=len(x))
    target = np.arange(len(x)) < 150
    return x, np.where(target, signal > 0.0, signal > 1.2).astype(int)[:, None], target


def test_cut_weight_moves_the_thresholds_not_the_coefficients() -> None:
    """The stricter hand's rows taken out of the cut only: same coefficients, a lower cut, and more of the target
    hand's themes found on new texts."""
    x, y, target = _two_hands(14)
    x_new, y_new, _ = _two_hands(15)
    keep_new = np.arange(len(x_new)) < 150  # new rows labelled by the target hand
    weight = np.where(target, 1.0, 0.5)
    same = PressThemeModel(C=0.3).fit(x, y, ["theme"], sample_weight=weight)
    target_cut = PressThemeModel(C=0.3).fit(x, y, ["theme"], sample_weight=weight, cut_weight=target.astype(float))
    assert np.allclose(same.coef_, target_cut.coef_)
    assert target_cut.thresholds_[0] < same.thresholds_[0]

    def f1(model: PressThemeModel) -> float:
        pred, gold = model.predict(x_new[keep_new])[:, 0], y_new[keep_new, 0] == 1
        return 2 * int((pred & gold).sum()) / (pred.sum() + gold.sum())

    assert f1(target_cut) > f1(same) + 0.01
    with pytest.raises(ValueError, match="cut_weight"):
        PressThemeModel().fit(x, y, ["theme"], cut_weight=np.ones(3))


def test_choose_text_settings_weighs_the_stricter_hand_down_in_the_cuts() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from train_press_themes import CUT_ARCHIVE_WEIGHTS, choose_text_settings, inner_groups

    x, y, target = _two_hands(16)
    ids = [f"d{i}" if t else f"a{i}" for i, t in enumerate(target)]
    fold_of = {i: n % 3 for n, i in enumerate(ids) if i.startswith("d")}
    texts = ["le centre de contacts"] * len(ids)  # words that say nothing: the cut decides
    _, _, cut_archive, inner = choose_text_settings(x, y, texts, np.where(target, 1.0, 0.5), target,
                                                    inner_groups(ids, fold_of), 0.3)
    assert cut_archive == min(CUT_ARCHIVE_WEIGHTS) and 0.7 < inner <= 1.0


def test_inner_micro_with_groups_cuts_each_group_on_the_others() -> None:
    """A group whose own best cut differs from the others': scored with its own cut it looks perfect, with the
    others' cut (groups given) it pays for that."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from train_press_themes import inner_micro

    proba = np.r_[np.linspace(0.05, 0.95, 40), np.linspace(0.05, 0.95, 40)][:, None]
    y = np.r_[(np.linspace(0.05, 0.95, 40) > 0.5), (np.linspace(0.05, 0.95, 40) > 0.2)].astype(int)[:, None]
    groups = np.repeat([0, 1], 40)
    target = groups == 1
    own = inner_micro(proba, y, target.astype(float), target)
    nested = inner_micro(proba, y, np.ones(80), target, groups)
    assert own == pytest.approx(1.0) and nested < 0.9
