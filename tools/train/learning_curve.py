#!/usr/bin/python3
"""How accuracy on held-out cows grows with the number of training cows: one recipe trained on draws of
N training identities (train_embedder.py --train-identities N --draw D, equal steps at every N), then a
power law fitted to each error rate and extrapolated to the 90 % targets of the biometrics issue.

Run: /usr/bin/python3 tools/train/learning_curve.py --out DIR [--points 20,40,60,all] [--draws 2]
         [--workers 2] [-- RECIPE…]

RECIPE is passed to train_embedder.py (default: --arch fast --triplet --width 64 --height 128 --epochs 36
--init-seed 8). Runs whose .state.npz is already in DIR are not trained again, so a cut run resumes.
Teachers are refused by train_embedder.py: they saw every training cow.
"""
import argparse, math, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train_embedder as te  # noqa: E402

RECIPE = ["--arch", "fast", "--triplet", "--width", "64", "--height", "128", "--epochs", "36", "--init-seed", "8"]
FIGURES = (("rank-1 3-shot", "rank1_3shot"), ("TAR @ FAR 1 %", "tar_at_far_1pct"))


def runs(points, draws):
    """(name, extra arguments) of each run; every training cow is one draw only."""
    for point in points:
        if point == "all":
            yield "lc-all-1", []
        else:
            for d in range(1, draws + 1):
                yield f"lc-{point}-{d}", ["--train-identities", point, "--draw", str(d)]


def train(out, name, extra, recipe):
    state = os.path.join(out, f"{name}.state.npz")
    if os.path.exists(state):
        return state
    with open(os.path.join(out, f"{name}.log"), "w") as log:
        subprocess.run([sys.executable, os.path.join(HERE, "train_embedder.py"), *recipe, "--threads", "1",
                        "--state-only", "--out", out, "--name", name, *extra], stdout=log, stderr=subprocess.STDOUT, check=True)
    return state


def fit(ns, errors):
    """err = a · N^(−b), least squares in log–log: (a, b)."""
    slope, intercept = np.polyfit(np.log(ns), np.log(errors), 1)
    return math.exp(intercept), -slope


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--points", default="20,40,60,all")
    ap.add_argument("--draws", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="runs at once, one thread each")
    ap.add_argument("recipe", nargs="*", help="train_embedder.py arguments, after --")
    args = ap.parse_args()
    points = args.points.split(",")
    if any(p != "all" and not p.isdigit() for p in points):
        ap.error("--points are whole numbers of training cows, or all")
    os.makedirs(args.out, exist_ok=True)
    recipe = args.recipe or RECIPE
    plan = list(runs(points, args.draws))
    with ThreadPoolExecutor(args.workers) as pool:
        states = list(pool.map(lambda r: train(args.out, r[0], r[1], recipe), plan))

    rows = []
    for state in states:
        record = te.record_of(state)
        m = record["metrics"]
        rows.append((len(record.get("trained_on", record["split"]["train"])), m["test"],
                     m["test_per_dataset"]["holstein2025"], m["validation"]))
    print("| training cows | test, all | holstein2025 test | validation |\n|---|---|---|---|")
    for n, test, hol, val in sorted(rows, key=lambda r: r[0]):
        print(f"| {n} | " + " | ".join(f"{r['rank1_3shot'] * 100:.1f} % / {r['tar_at_far_1pct'] * 100:.1f} %"
                                       for r in (test, hol, val)) + " |")
    ns = np.array([r[0] for r in rows], float)
    if len(set(ns)) < 2:
        return
    print()
    for label, which in (("test, all", 1), ("holstein2025 test", 2)):
        for figure, key in FIGURES:
            errors = np.array([1 - r[which][key] for r in rows])
            a, b = fit(ns, errors)
            need = (a / 0.10) ** (1 / b) if b > 0 else math.inf
            print(f"{label}, {figure}: error = {a:.2f} · N^−{b:.2f}; 90 % at N ≈ {need:,.0f} training cows")


if __name__ == "__main__":
    main()
