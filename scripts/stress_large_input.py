"""Stress: a 1 GB CSV through `textlens ingest`, and the 50 MB cell, with peak memory and time printed.

Usage: .venv/bin/python scripts/stress_large_input.py [--gb 1.0] [--tmp DIR]
The CSV is written lazily (rows of ~4 MB verbatims-like text, under the 5 M-character cell limit, plus one
50 MB cell that must be refused), then ingested in a child process whose peak RSS is measured.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_csv(path: Path, gb: float) -> int:
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--tmp", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        csv_path, db = Path(tmp) / "big.csv", Path(tmp) / "big.db"
        t = time.perf_counter()
        rows = write_csv(csv_path, args.gb)
        print(f"wrote {csv_path.stat().st_size / 1e9:.2f} GB, {rows} rows in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "textlens.cli", "ingest", str(csv_path), "--db", str(db), "-q"],
                           capture_output=True, text=True, cwd=ROOT)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"ingest exit {p.returncode} in {time.perf_counter() - t:.0f} s, peak RSS {peak:.0f} MB")
        print(p.stderr.strip()[-1500:])
        info = subprocess.run([sys.executable, "-m", "textlens.cli", "info", "--db", str(db), "--format", "json"],
                              capture_output=True, text=True, cwd=ROOT)
        data = json.loads(info.stdout)
        print(f"documents {data['documents']} + skipped {data['skipped']} = {data['documents'] + data['skipped']}"
              f" of {rows} rows")


if __name__ == "__main__":
    main()
