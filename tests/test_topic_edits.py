"""Hand edits of topics (rename, merge) persist in the store and survive a refit; the topic map is stored at fit
time and drawn in the HTML report with a clickable point per unit."""
from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from textlens.store import Corpus
from textlens.topics.edits import TopicEditError, match_topics, merge_topics, rename_topic


def test_match_topics_pairs_by_member_overlap_one_to_one():
    edited = [{1, 2, 3, 4}, {10, 11, 12}, {20, 21}]
    current = {0: {1, 2, 3, 5}, 1: {10, 11, 12, 13, 14, 15, 16}, 2: {1, 2, 3, 4, 99}, 3: {40, 41}}
    # {1,2,3,4} is closer to topic 2 (4/5) than to topic 0 (3/5); {10,11,12} shares 3/7 < 0.5 with topic 1
    assert match_topics(edited, current) == {0: 2}
    assert match_topics(edited, current, threshold=0.4) == {0: 2, 1: 1}
    # a topic is taken once: two edited sets both like topic 2 -> the better one gets it
    assert match_topics([{1, 2, 3, 4, 99}, {1, 2, 3, 4}], {2: {1, 2, 3, 4, 99}}) == {0: 2}


@pytest.fixture()
def demo_copy(demo_db, tmp_path):
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    return db


def _topics(corpus):
    rows = corpus.conn.execute("SELECT id, label, size FROM topics WHERE id >= 0")
    return {int(r[0]): (r[1], int(r[2])) for r in rows}


def test_rename_and_merge_persist_and_survive_a_refit(demo_copy):
    from textlens.cli import app
    from textlens.pipeline import TOPICS_ENCODER
    from textlens.topics import fit_corpus_topics

    runner = CliRunner()
    with Corpus.open(demo_copy, readonly=True) as corpus:
        before = _topics(corpus)
        press = corpus.stat("topics")["groups"]["press"]["topic_ids"]
    a, b, c = press[0], press[1], press[2]
    out = runner.invoke(app, ["topics", "rename", str(a), "Prestataires et  directeurs", "--db", str(demo_copy)])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["topics", "merge", str(c), str(b), "--label", "Offshore et marché", "--db",
                              str(demo_copy)])
    assert out.exit_code == 0, out.output
    with Corpus.open(demo_copy) as corpus:
        now = _topics(corpus)
        assert now[a][0] == "Prestataires et directeurs"
        assert c not in now and now[b] == ("Offshore et marché", before[b][1] + before[c][1])
        assert corpus.conn.execute("SELECT COUNT(*) FROM passage_topics WHERE topic_id = ?", (c,)).fetchone()[0] == 0
        dup = corpus.conn.execute("SELECT COUNT(*) FROM (SELECT doc_id FROM doc_topics GROUP BY doc_id, topic_id"
                                  " HAVING COUNT(*) > 1)").fetchone()[0]
        assert dup == 0
        # the listing shows the edited labels
        listed = runner.invoke(app, ["topics", "--db", str(demo_copy), "--format", "json"])
        assert listed.exit_code == 0 and "Offshore et marché" in listed.output
        # a refit of the same corpus finds the same topics again: both edits are replayed
        stats = fit_corpus_topics(corpus, force=True, encoders=TOPICS_ENCODER)
        assert stats["edits"]["applied"] == [1, 2] and stats["edits"]["unmatched"] == []
        again = _topics(corpus)
    assert again == now


def test_edits_refuse_unknown_or_single_topics(demo_copy):
    from textlens.cli import app

    with Corpus.open(demo_copy) as corpus:
        with pytest.raises(TopicEditError, match="no topic 999"):
            rename_topic(corpus, 999, "x")
        with pytest.raises(TopicEditError, match="at least two"):
            merge_topics(corpus, [1, 1])
        with pytest.raises(TopicEditError, match="empty"):
            rename_topic(corpus, 0, "   ")
    out = CliRunner().invoke(app, ["topics", "rename", "999", "x", "--db", str(demo_copy)])
    assert out.exit_code == 1 and "no topic 999" in out.output


def test_topic_map_is_stored_and_drawn_with_clickable_points(demo_db):
    from textlens.report.data import assemble
    from textlens.report.html import render_html
    from textlens.topics.corpus import MAP_UNITS
    from textlens.store.topic_edits import read_map

    with Corpus.open(demo_db, readonly=True) as corpus:
        points = read_map(corpus.conn)
        units = {g: s["units"] for g, s in corpus.stat("topics")["groups"].items()}
        topic_ids = {int(r[0]) for r in corpus.conn.execute("SELECT id FROM topics")}
        report = assemble(corpus)
    groups = {p.group for p in points}
    assert groups == set(units)
    for g in groups:
        assert sum(p.group == g for p in points) == min(units[g], MAP_UNITS)
    assert all(p.topic_id in topic_ids | {-1} for p in points)
    xs = [p.x for p in points]
    assert max(xs) - min(xs) > 0  # a real spread, not a constant
    section = next(s for s in report.sections if s.id == "topic_map")
    assert section.empty is None and len(section.charts) == len(groups)
    drawn = [(x, y, ev) for chart in section.charts for s in chart.series for x, y, ev in zip(s.x, s.y, s.ev)]
    assert len(drawn) == len(points)
    # every point opens its own unit: the evidence holds the passage (press) or review text
    for _, _, ev in drawn[:50]:
        passages = report.evidence[ev].passages
        assert len(passages) == 1 and passages[0]["passage"]
    html = render_html(report)
    assert 'id="chart_topic_map_0"' in html and '"scatter"' in html
