"""Run every benchmark: `python -m benchmarks.run [--quick] [--only NAME] [--strict]`.

Each `benchmarks/bench_*.py` module exposes `run(quick: bool) -> list[Figure]` (see
`benchmarks/figures.py` and `benchmarks/README.md`). The harness imports them in name
order, runs each one, prints one table, and writes `benchmarks/results/latest.json`.

A benchmark that raises is reported as a failed row and the others still run, so one
broken module never hides the rest of the numbers. The exit status is 1 when a benchmark
raised, or, with `--strict`, when a figure missed its goal.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import pkgutil
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import benchmarks
from benchmarks.figures import Figure, figure
from benchmarks.machine import describe

RESULTS_DIR = Path(__file__).parent / "results"
PREFIX = "bench_"


def discover() -> list[str]:
    """Module names (without the package) of every `bench_*.py`, sorted."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith(PREFIX)
    )


def select(names: Sequence[str], only: str | None) -> list[str]:
    """The modules `--only` names; `interrupt` and `bench_interrupt` both work."""
    if only is None:
        return list(names)
    wanted = {part if part.startswith(PREFIX) else PREFIX + part for part in only.split(",")}
    unknown = wanted - set(names)
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))}; have {names}")
    return [name for name in names if name in wanted]


def run_one(name: str, quick: bool) -> dict[str, Any]:
    """Import and run one module; an exception becomes a failed figure, not a crash."""
    started = time.monotonic()
    try:
        module = importlib.import_module(f"benchmarks.{name}")
        figures: list[Figure] = list(module.run(quick))
        error = None
    except (Exception, asyncio.CancelledError) as exc:
        # CancelledError is a BaseException, but escaping a benchmark's asyncio.run it
        # means that benchmark broke, not that the harness should stop.
        traceback.print_exc()
        error = f"{type(exc).__name__}: {exc}"
        figures = [figure(name, float("nan"), "", "runs without error", ok=False, note=error)]
    return {"seconds": time.monotonic() - started, "error": error, "figures": figures}


def _cell(value: float | None) -> str:
    if value is None:
        return "-"
    if value != value:  # NaN: the benchmark failed before measuring
        return "nan"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def format_table(results: dict[str, dict[str, Any]]) -> str:
    """A fixed-width table: one row per figure, grouped by module."""
    header = ("figure", "value", "unit", "baseline", "ratio", "goal", "ok", "note")
    rows: list[tuple[str, ...]] = [header]
    for result in results.values():
        for fig in result["figures"]:
            ok = {True: "yes", False: "NO", None: "-"}[fig["ok"]]
            rows.append(
                (
                    fig["name"],
                    _cell(fig["value"]),
                    fig["unit"],
                    _cell(fig.get("baseline")),
                    _cell(fig.get("ratio")),
                    fig["goal"],
                    ok,
                    fig["note"],
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    lines.insert(1, "-" * min(len(lines[0]), 120))
    return "\n".join(lines)


def write_results(results: dict[str, dict[str, Any]], quick: bool, path: Path) -> None:
    """Store the run (with the machine and date) as JSON; NaN becomes null."""
    payload = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": quick,
        "machine": describe(),
        "benchmarks": results,
    }
    text = json.dumps(_without_nan(payload), indent=2, default=str)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")


def _without_nan(value: Any) -> Any:
    """JSON has no NaN; a figure that could not be measured is stored as null."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nan(item) for item in value]
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, run the selected benchmarks, print and store the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs: under two minutes")
    parser.add_argument("--only", metavar="NAME", help="comma-separated benchmark names")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "latest.json", help="where to write JSON"
    )
    args = parser.parse_args(argv)

    results: dict[str, dict[str, Any]] = {}
    for name in select(discover(), args.only):
        print(f"running {name}{' (quick)' if args.quick else ''} ...", file=sys.stderr, flush=True)
        results[name] = run_one(name, args.quick)
        print(f"  {name}: {results[name]['seconds']:.1f} s", file=sys.stderr, flush=True)
    print(format_table(results))
    write_results(results, args.quick, args.output)
    print(f"\nwrote {args.output}", file=sys.stderr)
    crashed = any(result["error"] for result in results.values())
    missed = any(fig["ok"] is False for r in results.values() for fig in r["figures"])
    return 1 if crashed or (args.strict and missed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
