"""Press vs customers on a synthetic store whose shares are known."""
from __future__ import annotations

import pytest

from dynamics_fixtures import build_store
from textlens.dynamics import divergence as dv
from textlens.store import Corpus

STAFF_PRESS = "Les conseillers des centres d'appels dénoncent leurs conditions de travail."
DIGITAL_PRESS = "Les chatbots remplacent une partie des conseillers."
STAFF_CUSTOMER = "La conseillère était aimable et à l'écoute."
DIGITAL_CUSTOMER = "Le site internet plante sans arrêt."
PLAIN = "Rien de particulier à signaler."


def _docs() -> list[dict]:
    docs = []
    for i in range(20):  # 2020 press: staff 10/20, digital 2/20
        labels = (["working_conditions"] if i < 10 else []) + (["technology_automation"] if i >= 18 else [])
        sentences = [{"working_conditions": STAFF_PRESS, "technology_automation": DIGITAL_PRESS}[x] for x in labels]
        docs.append({"id": f"a20_{i}", "kind": "article", "date": "2020-03-01", "labels": labels,
                     "sentences": sentences or [PLAIN]})
    for i in range(40):  # 2020 customers: staff 4/40, digital 4/40
        labels = ["staff_courtesy"] if i < 4 else (["digital_channels"] if i < 8 else [])
        sentences = [{"staff_courtesy": STAFF_CUSTOMER, "digital_channels": DIGITAL_CUSTOMER}[x] for x in labels]
        docs.append({"id": f"v20_{i}", "kind": "verbatim", "date": "2020-05-01", "labels": labels,
                     "sentences": sentences or [PLAIN]})
    for i in range(5):  # 2021: press only
        docs.append({"id": f"a21_{i}", "kind": "article", "date": "2021-03-01", "labels": ["working_conditions"],
                     "sentences": [STAFF_PRESS]})
    return docs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    db = build_store(tmp_path_factory.mktemp("divergence") / "syn.db", _docs())
    with Corpus.open(db, readonly=True) as c:
        yield c


def test_shares_intervals_and_the_two_proportion_test(corpus):
    stats = pytest.importorskip("scipy.stats")
    result = dv.divergence(corpus, by="year")
    df = result.table.set_index("subject")
    assert list(df["period"].unique()) == [2020]  # 2021 has no verbatim: not compared, but said
    assert result.press_only_periods == ["2021"] and result.customer_only_periods == []
    staff, digital = df.loc["staff"], df.loc["digital"]
    assert (staff["press_n"], staff["press_total"], staff["customer_n"], staff["customer_total"]) == (10, 20, 4, 40)
    assert staff["gap"] == pytest.approx(0.5 - 0.1)
    # the pooled two-proportion z-test is the uncorrected chi-square test of the 2x2 table: z^2 = chi2
    chi2, p, _, _ = stats.chi2_contingency([[10, 10], [4, 36]], correction=False)
    assert staff["z"] ** 2 == pytest.approx(chi2) and staff["z"] > 0 and staff["p_value"] == pytest.approx(p)
    assert staff["leans"] == "press" and staff["q_value"] < 0.05
    assert staff["press_low"] < 0.5 < staff["press_high"] and staff["customer_low"] < 0.1 < staff["customer_high"]
    assert digital["press_share"] == pytest.approx(0.1) and digital["customer_share"] == pytest.approx(0.1)
    assert digital["leans"] == "" and digital["p_value"] == pytest.approx(1.0)
    top = dv.largest_gaps(dv.divergence(corpus, by="year").table)
    assert list(top["subject"]) == ["staff"]


def test_evidence_comes_from_both_sides(corpus):
    df = dv.divergence(corpus, by="year").table
    ev = dv.gap_evidence(corpus, df[df["subject"] == "staff"], by="year")
    press, customers = ev[ev["side"] == "press"], ev[ev["side"] == "customers"]
    assert len(press) == 2 and set(press["passage"]) == {STAFF_PRESS}
    assert len(customers) == 2 and set(customers["passage"]) == {STAFF_CUSTOMER}
    assert set(ev["doc_id"]) <= {f"a20_{i}" for i in range(10)} | {f"v20_{i}" for i in range(4)}


def test_bad_mappings_are_refused_with_the_reason(tmp_path):
    bad = tmp_path / "map.toml"
    bad.write_text('[subjects.x]\nthemes = ["offshoring"]\naspects = ["no_such_aspect"]\n', encoding="utf-8")
    with pytest.raises(dv.MappingError, match="unknown aspect 'no_such_aspect'"):
        dv.load_subjects(bad)
    bad.write_text('[subjects.x]\nthemes = ["offshoring"]\naspects = ["price"]\n'
                   '[subjects.y]\nthemes = ["offshoring"]\naspects = ["claims_handling"]\n', encoding="utf-8")
    with pytest.raises(dv.MappingError, match="each may serve one subject"):
        dv.load_subjects(bad)
    bad.write_text("not toml [", encoding="utf-8")
    with pytest.raises(dv.MappingError, match="cannot read"):
        dv.load_subjects(bad)
    assert {s.id for s in dv.load_subjects()} == {"staff", "service_quality", "digital", "contracts_rules"}
