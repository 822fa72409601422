"""Benchmark: this checkout against an earlier commit, side by side, on the whole release.

Usage: python benchmarks/bench_versus.py [RELEASE_DIR] [--base COMMIT] [--runs N]
       (default: $HRMI_DATA_DIR, else the demo release; base 1a0bc3d; 3 runs of each)
Checks the base commit out into a temporary git worktree and times, as a user runs it,
``python -m reportgen batch --data RELEASE_DIR --out <fresh folder>`` (every report and the
compendium of full reports, built from nothing: the base has no profiles) with the base's
code and with this checkout's, on the same interpreter and packages, alternating which goes
first in each round so that a machine getting busier or quieter affects both alike. Prints
each run's wall and CPU time (the children's user + system), the medians, and the ratio
base / this checkout, of the medians and round by round (≥ 2 is issue 18's target; so is
this checkout's median ≤ 10 s on 2 cores). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    """User + system CPU seconds of every finished child process (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _batch(tree: Path, release: Path, out: Path) -> tuple[float, float]:
    """Run the batch of ``tree``'s code once into the new folder ``out``; return (wall, CPU)."""
    command = [sys.executable, "-m", "reportgen", "batch", "--data", str(release)]
    command += ["--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_COLOR": "1"}
    cpu = _cpu()
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=out.parent, env=env
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{tree}: batch failed ({done.returncode}):\n{done.stderr[-2000:]}")
    if not list(out.glob("compendium-*.pdf")):
        sys.exit(f"{tree}: the batch wrote no compendium into {out}")
    return wall, _cpu() - cpu


def main() -> None:
    """Time both trees' batches, alternating; print every run and the ratio of the medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("release", nargs="?", type=Path)
    parser.add_argument("--base", default="1a0bc3d")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    hrmi = os.environ.get("HRMI_DATA_DIR")
    release = (args.release or (Path(hrmi) if hrmi else ROOT / "data" / "demo")).resolve()
    with tempfile.TemporaryDirectory(prefix="bench-versus-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base],
            check=True,
        )
        trees = {"base": base, "this": ROOT}
        times: dict[str, list[tuple[float, float]]] = {"base": [], "this": []}
        try:
            for run in range(args.runs):
                order = ("base", "this") if run % 2 == 0 else ("this", "base")
                for who in order:
                    out = Path(tmp) / f"out-{who}-{run}"
                    out.mkdir()
                    wall, cpu = _batch(trees[who], release, out)
                    times[who].append((wall, cpu))
                    print(f"run {run + 1} {who:>4}: {wall:6.2f} s wall, {cpu:6.2f} s CPU")
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False
            )
    walls = {who: statistics.median(w for w, _ in runs) for who, runs in times.items()}
    cpus = {who: statistics.median(c for _, c in runs) for who, runs in times.items()}
    print(f"release:   {release} (reports and their compendium, CLI, from nothing)")
    print(f"base:      {args.base}: median {walls['base']:.2f} s wall, {cpus['base']:.2f} s CPU")
    print(f"this:      median {walls['this']:.2f} s wall, {cpus['this']:.2f} s CPU")
    print(
        f"ratio:     {walls['base'] / walls['this']:.2f}× wall, {cpus['base'] / cpus['this']:.2f}× CPU"
        " (of the medians)"
    )
    # Each round's own ratio: the two runs of a round saw the same machine, so their ratio
    # survives the machine's speed drifting between rounds; the median of the rounds' ratios
    # is the figure to quote when the medians' ratio and it differ.
    pairs = [(b[0] / t[0], b[1] / t[1]) for b, t in zip(times["base"], times["this"], strict=True)]
    print(
        f"per round: {', '.join(f'{w:.2f}' for w, _ in pairs)}× wall; median "
        f"{statistics.median(w for w, _ in pairs):.2f}× wall, "
        f"{statistics.median(c for _, c in pairs):.2f}× CPU"
    )


if __name__ == "__main__":
    main()
