"""Resource limits: a single 50 MB text cell is refused with a clear message, and table reading streams
(memory bounded whatever the file size). The 1 GB run is scripts/stress_large_input.py (prints its figures)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import ENV, ROOT, info_json

MEASURE = textwrap.dedent("""
    import resource, subprocess, sys
    p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, p.returncode)
    sys.stderr.write(p.stderr)
""")


def _peak_mb(cmd: list[str]) -> tuple[int, int, str]:
    """Peak RSS (MB) and exit code of `cmd`, measured from a fresh parent process."""
    p = subprocess.run([sys.executable, "-c", MEASURE, *map(str, cmd)], capture_output=True, text=True, env=ENV,
                       cwd=ROOT, timeout=900)
    mb, code = map(int, p.stdout.split())
    return mb, code, p.stderr


def test_a_50_mb_cell_is_refused_with_a_clear_message_in_bounded_memory(tmp_path):
    path = tmp_path / "huge_cell.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('id,texte\nok1,"Le conseiller a été aimable et rapide."\nhuge,"')
        chunk = "Attente interminable au service client. " * 1000
        for _ in range(50_000_000 // len(chunk) + 1):
            fh.write(chunk)
        fh.write('"\nok2,"Remboursement reçu en deux jours, merci."\n')
    db = tmp_path / "h.db"
    mb, code, err = _peak_mb([sys.executable, "-m", "textlens.cli", "ingest", path, "--db", db, "--quiet"])
    assert code == 0 and "Traceback" not in err, err[-2000:]
    info = info_json(db)
    assert info["documents"] == 2
    [skip] = info["skipped_inputs"]
    assert skip["row"] == 2 and "M characters (limit 5 M)" in skip["reason"] and "texte" in skip["reason"]
    assert mb < 900, f"peak RSS {mb} MB for a 50 MB cell"
    print(f"50 MB cell: refused, peak RSS {mb} MB")


def test_table_reading_streams_in_bounded_memory(tmp_path):
    """A 200 MB CSV read row by row: peak memory does not grow with the file."""
    path = tmp_path / "big.csv"
    row = '"{i}","2020-01-01","' + "Le service client a répondu après une longue attente. " * 30 + '"\n'
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,date,texte\n")
        size, i = 0, 0
        while size < 200_000_000:
            line = row.replace("{i}", str(i))
            fh.write(line)
            size += len(line.encode())
            i += 1
    script = ("import sys; from pathlib import Path; from textlens.ingest.tables import iter_csv\n"
              "h, w, rows = iter_csv(Path(sys.argv[1])); print(sum(1 for r in rows if r.record))")
    mb, code, err = _peak_mb([sys.executable, "-c", script, path])
    assert code == 0, err
    assert mb < 250, f"peak RSS {mb} MB reading a 200 MB CSV"
    print(f"200 MB CSV ({i} rows) streamed, peak RSS {mb} MB")


def test_an_ingest_batch_also_ends_at_a_text_budget(tmp_path, monkeypatch):
    """500 cells near the 5 M-character limit would be ~10 GB in one batch (the 1 GB stress run reached
    3.6 GB of RSS and a 3 GB uncommitted transaction before this): batches are cut by text size too."""
    import textlens.pipeline as pipeline
    from synth import verbatim

    from textlens.store import Corpus

    monkeypatch.setattr(pipeline, "BATCH_CHARS", 10_000)
    rng = __import__("random").Random(5)
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,texte\n")
        for i in range(30):
            text = f"Dossier {i}. " + " ".join(verbatim(rng) for _ in range(40))[:3000]
            fh.write(f'r{i},"{text}"\n')
    flushed: list[int] = []
    corpus = Corpus.open(tmp_path / "l.db")
    try:
        pipeline.ingest(corpus, [path], progress=lambda stage, done, total: total is None and flushed.append(done))
        assert corpus.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 30
    finally:
        corpus.close()
    assert flushed and all(b - a <= 4 for a, b in zip([0, *flushed], flushed)), flushed  # 4 x ~3,000 > 10,000


def _large_cells_csv(path, rows: int, chars: int = 1_000_000) -> None:
    """`rows` cells of ~`chars` characters; the typographic apostrophe makes each a 2-byte-per-character str."""
    para = "L’attente au service client a été longue, mais l’agence a fini par répondre. "
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,texte\n")
        for i in range(rows):
            fh.write(f'r{i},"Dossier {i}. {para * (chars // len(para))}"\n')


def test_reading_large_cells_does_not_creep(tmp_path):
    """Peak memory of reading N vs 3N cells of 1 M characters: flat. The table-kind sample used to keep its
    first 200 rows for the whole file (a 1 GB CSV of 4 M-character cells peaked at 2.5 GB, 150 MB of them at 1.1 GB)."""
    script = ("import sys; from textlens.ingest import read_inputs\n"
              "n = sum(1 for d in read_inputs([sys.argv[1]]) if d.text)\n"
              "print(n, next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    peaks = {}
    for rows in (8, 24):
        path = tmp_path / f"cells{rows}.csv"
        _large_cells_csv(path, rows)
        p = subprocess.run([sys.executable, "-c", script, path], capture_output=True, text=True, env=ENV, cwd=ROOT,
                           timeout=300)
        assert p.returncode == 0, p.stderr[-2000:]
        docs, kb = map(int, p.stdout.split())
        assert docs == rows
        peaks[rows] = kb // 1024
        path.unlink()
    # one cell is ~2 MB as a str: keeping every cell read would add ~32 MB from 8 to 24 cells
    assert peaks[24] - peaks[8] < 12, f"peak RSS {peaks} MB: memory grows with the number of cells read"
    print(f"reading 8 vs 24 cells of 1 M characters: peak RSS {peaks[8]} vs {peaks[24]} MB")
