"""The README's "Your own data" walkthrough: its commands run as written and show what the README says they show.

Each `$ ` line of the section's console blocks runs in a shell (from a scratch folder where `corpora/` is this
repository's), 80 columns wide, language left to textlens; the lines printed under it in the README must appear in
that order in what the command prints (`…` stands for any text, a line of its own for any lines).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Your own data: a walkthrough"


def _plain(line: str) -> str:
    """French numbers use narrow no-break spaces ("38\u202f%"); the README writes plain ones."""
    return line.replace("\u202f", " ").replace("\u00a0", " ").rstrip()


def walkthrough_steps() -> list[tuple[str, list[str]]]:
    """(command, expected lines) for each `$ ` line of the README section's console blocks."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(_plain(line))
    return steps


def _shown_in_order(expected: list[str], actual: list[str]) -> list[str]:
    """The expected lines not found in `actual` in that order (`…` matches any text)."""
    missing, at = [], 0
    for line in expected:
        pattern = re.compile(".*".join(map(re.escape, line.split("…"))))
        for i in range(at, len(actual)):
            if pattern.fullmatch(actual[i]):
                at = i + 1
                break
        else:
            missing.append(line)
    return missing


def test_readme_walkthrough_commands_show_what_the_readme_says(tmp_path):
    steps = walkthrough_steps()
    commands = [c for c, _ in steps]
    assert commands[0].startswith("textlens run corpora/walkthrough") and len(commands) >= 6
    (tmp_path / "corpora").symlink_to(ROOT / "corpora")
    env = {k: v for k, v in os.environ.items() if k not in ("TEXTLENS_LANG", "TEXTLENS_DB")}
    env.update(COLUMNS="80", PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    for command, expected in steps:
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=900)
        assert proc.returncode == 0, (command, proc.stderr[-3000:])
        printed = [_plain(line) for line in (proc.stdout + proc.stderr).splitlines()]
        assert expected, command
        missing = _shown_in_order(expected, printed)
        assert not missing, (command, missing, "\n".join(printed))
        # tables fit; messages on stderr are not hard-wrapped when piped (the terminal wraps them)
        assert all(len(line) <= 80 for line in proc.stdout.splitlines()), command
    # the rating column came through as metadata, and the export went to the redirection, not to a file named "-"
    exported = pd.read_csv(tmp_path / "walkthrough.csv")
    source = pd.read_csv(ROOT / "corpora" / "walkthrough" / "commentaires.csv")
    verbatims = exported[exported["kind"] == "verbatim"]
    assert len(verbatims) == len(source) and len(exported) == len(source) + 3
    assert sorted(verbatims["metadata"].map(lambda m: int(json.loads(m)["note"]))) == sorted(source["note"])
    assert not (tmp_path / "-").exists()
