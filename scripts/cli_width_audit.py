"""How readable the query commands' tables are in a narrow terminal (issue #22): what gets cut.

For each query command of COMMANDS, at `--width` columns: lines wider than the terminal, numbers cut by an ellipsis
("200…", "…5"), and years/periods of the command's csv output that do not appear whole in its table.
Run it with another checkout's code first on PYTHONPATH to get the baseline:

    PYTHONPATH=/path/to/other/checkout python scripts/cli_width_audit.py --db demo.db --width 80
"""
from __future__ import annotations

import argparse
import io
import os
import re

PERIOD_COLUMNS = ("period", "year", "first_year", "last_year", "first_period", "peak_period")
COMMANDS = [
    ["trends"], ["trends", "--by", "5y"], ["trends", "offshoring", "--evidence", "--by", "5y"],
    ["trends", "--terms", "--by", "5y"], ["trends", "offshoring", "--associations"],
    ["trends", "-d", "entity", "--by", "5y"], ["trends", "-d", "aspect", "--by", "quarter", "--kind", "verbatim"],
    ["themes"], ["themes", "--aspects"], ["topics"], ["entities"], ["entities", "--by", "year", "--type", "VENDOR"],
    ["figures"], ["sentiment", "--kind", "verbatim"], ["sentiment", "--drivers"], ["search", "délocalisation"],
]


def audit(db: str, width: int) -> list[dict]:
    import pandas as pd
    from rich.cells import cell_len
    from typer.testing import CliRunner

    from textlens.cli import app

    runner, rows = CliRunner(), []
    env = {"COLUMNS": str(width)}
    for args in COMMANDS:
        table = runner.invoke(app, [*args, "--db", db], env=env).stdout
        csv_text = runner.invoke(app, [*args, "--db", db, "--format", "csv"], env=env).stdout
        data = pd.read_csv(io.StringIO(csv_text), dtype=str, keep_default_na=False) if csv_text.strip() else None
        periods = set()
        if data is not None:
            for column in PERIOD_COLUMNS:
                if column in data:
                    periods |= {v.removesuffix(".0") for v in data[column] if v}
        missing = [p for p in periods if not re.search(rf"(?<![\w…]){re.escape(p)}(?![\w…])", table)]
        rows.append({"command": " ".join(args),
                     "too_wide": sum(cell_len(line) > width for line in table.splitlines()),
                     "cut_numbers": 0 if args[0] == "search" else len(re.findall(r"\d…|…\d", table)),
                     "periods": len(periods), "periods_not_whole": len(missing)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--width", type=int, default=80)
    args = parser.parse_args()
    os.environ["COLUMNS"] = str(args.width)
    rows = audit(args.db, args.width)
    for r in rows:
        print(f"{r['command']:<52} too_wide {r['too_wide']:>3}  cut_numbers {r['cut_numbers']:>3}  "
              f"periods_not_whole {r['periods_not_whole']:>3}/{r['periods']}")
    print(f"{'TOTAL':<52} too_wide {sum(r['too_wide'] for r in rows):>3}  "
          f"cut_numbers {sum(r['cut_numbers'] for r in rows):>3}  periods_not_whole "
          f"{sum(r['periods_not_whole'] for r in rows):>3}/{sum(r['periods'] for r in rows)}")


if __name__ == "__main__":
    main()
