"""Stress: 1 GB CSVs through `textlens ingest`, with time, CPU and peak memory printed.

Usage: .venv/bin/python scripts/stress_large_input.py [--gb 1.0] [--shape cells|reviews|both|sweep] [--tmp DIR]
  cells    rows of ~4 M characters each (under the 5 M-character cell limit) plus one 50 MB cell that
           must be refused: the worst case for one batch's memory.
  reviews  millions of short synthetic customer reviews (~250 bytes a row): the ordinary large export.
  sweep    40, 80, 160 cells of 1 M characters (--sweep to change): the peak must not grow with the cells.
Files are written lazily into a temporary folder that is deleted at the end. Each ingest runs in its own
measuring child process, so its peak RSS is not mixed with anything else. The text is our own writing.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "robustness"))
from synth import verbatim  # noqa: E402  (the same synthetic reviews as the robustness tests)

MEASURE = textwrap.dedent("""
    import json, resource, subprocess, sys, time
    t = time.perf_counter()
    p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"code": p.returncode, "wall": time.perf_counter() - t, "cpu": ru.ru_utime + ru.ru_stime,
                      "peak_mb": ru.ru_maxrss / 1024, "stderr": p.stderr[-3000:]}))
""")


def write_cells_csv(path: Path, gb: float) -> int:
    para = "Le service client a répondu après une longue attente, le conseiller était aimable. "
    rows = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,texte\n")
        size = 0
        while size < gb * 1e9:
            cell = (para + f"Dossier {rows}. ") * (4_000_000 // (len(para) + 20))
            line = f'r{rows},"{cell}"\n'
            fh.write(line)
            size += len(line.encode())
            rows += 1
        fh.write('huge,"' + para * (50_000_000 // len(para) + 1) + '"\n')
    return rows + 1


def write_n_cells_csv(path: Path, rows: int, chars: int = 1_000_000) -> None:
    para = "Le service client a répondu après une longue attente, le conseiller était aimable. "
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,texte\n")
        for i in range(rows):
            fh.write(f'r{i},"' + (para + f"Dossier {i}. ") * (chars // (len(para) + 20)) + '"\n')


def sweep(counts: list[int], tmp: Path) -> None:
    """Peak RSS of `textlens ingest` against the number of large cells: flat when memory is bounded."""
    for n in counts:
        csv_path, db = tmp / f"sweep{n}.csv", tmp / f"sweep{n}.db"
        write_n_cells_csv(csv_path, n)
        m = measured_ingest(csv_path, db)
        print(f"[sweep] {n} cells of 1 M characters: exit {m['code']}, {m['wall']:.0f} s wall, {m['cpu']:.0f} s CPU,"
              f" peak RSS {m['peak_mb']:.0f} MB, documents {info(db)['documents']}", flush=True)
        csv_path.unlink()
        for f in tmp.glob(f"sweep{n}.db*"):
            f.unlink()


def write_reviews_csv(path: Path, gb: float, seed: int = 1) -> int:
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "date", "texte", "canal"])
        while fh.tell() < gb * 1e9:
            for _ in range(10_000):
                day = f"20{rng.randint(10, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                w.writerow([f"a{rows}", day, f"{verbatim(rng)} (client {rows})", rng.choice(["tel", "web", "agence"])])
                rows += 1
    return rows


def measured_ingest(csv_path: Path, db: Path) -> dict:
    cmd = [sys.executable, "-m", "textlens.cli", "ingest", str(csv_path), "--db", str(db), "-q"]
    p = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, cwd=ROOT)
    return json.loads(p.stdout)


def info(db: Path) -> dict:
    p = subprocess.run([sys.executable, "-m", "textlens.cli", "info", "--db", str(db), "--format", "json"],
                       capture_output=True, text=True, cwd=ROOT)
    return json.loads(p.stdout)


def stress(shape: str, gb: float, tmp: Path) -> None:
    csv_path, db = tmp / f"{shape}.csv", tmp / f"{shape}.db"
    t = time.perf_counter()
    rows = (write_cells_csv if shape == "cells" else write_reviews_csv)(csv_path, gb)
    size = csv_path.stat().st_size
    print(f"[{shape}] wrote {size / 1e9:.2f} GB, {rows:,} rows in {time.perf_counter() - t:.0f} s", flush=True)
    m = measured_ingest(csv_path, db)
    print(f"[{shape}] ingest exit {m['code']}: {m['wall']:.0f} s wall, {m['cpu']:.0f} s CPU, "
          f"{rows / m['wall']:,.1f} rows/s ({size / 1e6 / m['wall']:.2f} MB/s) wall, "
          f"{rows / max(m['cpu'], 1e-9):,.1f} rows/s CPU, peak RSS {m['peak_mb']:.0f} MB", flush=True)
    if m["stderr"].strip():
        print(m["stderr"].strip()[-1500:])
    data = info(db)
    total = data["documents"] + data["skipped"]
    print(f"[{shape}] documents {data['documents']:,} + skipped {data['skipped']:,} = {total:,} of {rows:,} rows"
          f" ({'all accounted for' if total == rows else 'MISMATCH'}); store {db.stat().st_size / 1e9:.2f} GB",
          flush=True)
    csv_path.unlink()
    for f in tmp.glob(f"{shape}.db*"):
        f.unlink()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--shape", choices=["cells", "reviews", "both", "sweep"], default="cells")
    ap.add_argument("--sweep", type=int, nargs="+", default=[40, 80, 160], help="cell counts of --shape sweep")
    ap.add_argument("--tmp", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        if args.shape == "sweep":
            return sweep(args.sweep, Path(tmp))
        for shape in (["cells", "reviews"] if args.shape == "both" else [args.shape]):
            stress(shape, args.gb, Path(tmp))


if __name__ == "__main__":
    main()
