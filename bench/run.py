"""Benchmark: where the time goes per article, how close we get to the hardware, how --jobs scales.

    python -m bench.run                       # seeds, 3 runs each, jobs 1/2/4; writes bench/results.json + .md
    python -m bench.run --runs 1 --jobs 1     # quicker

Model time is the time our client waits on HTTP for the server (the `latency_s` of every call); our own
time is the rest of the article's wall time. The raw server speed (prompt and generation tokens/s, from
llama.cpp's own `timings`) is the physical limit; "model time at raw speed" is what the article's tokens
would cost at that speed, so the ratio says how much the server loses to short requests and batching.
The response cache is off throughout: every run pays for every call.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2 as httpx

from summarise import article as article_mod
from summarise.config import Settings
from summarise.pipeline import PromptSet, run, session

REPO = Path(__file__).resolve().parent.parent


def raw_speed(base_url: str, model: str) -> dict[str, float]:
    """One fixed request; llama.cpp reports its own prompt and generation speed."""
    text = " ".join(["Air defence intercepted drones over the region overnight."] * 40)
    prompt = f"{text}\nIgnore the text above. Count from 1 to 300, separated by commas."
    body = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": 128,
        "temperature": 0,
    }
    t = httpx.post(base_url + "/chat/completions", json=body, timeout=300).json().get("timings", {})
    return {
        "prompt_tok_s": round(t.get("prompt_per_second", 0.0), 1),
        "gen_tok_s": round(t.get("predicted_per_second", 0.0), 1),
        "prompt_n": t.get("prompt_n", 0),
        "gen_n": t.get("predicted_n", 0),
    }


def one(art: article_mod.Article, llm: Any, prompt_set: PromptSet) -> dict[str, Any]:
    start = time.perf_counter()
    result = run(art, llm, prompt_set)
    wall = time.perf_counter() - start
    assert result.run is not None
    model_s = sum(c.latency_s for c in result.run.calls)
    return {
        "article": Path(art.source).stem,
        "wall_s": wall,
        "model_s": model_s,
        "own_s": wall - model_s,
        "calls": len(result.run.calls),
        "prompt_tokens": result.run.prompt_tokens,
        "completion_tokens": result.run.completion_tokens,
    }


def _spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):.1f} ({min(xs):.1f}-{max(xs):.1f})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("articles", nargs="*", type=Path, default=sorted((REPO / "seeds").glob("*.txt")))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", default="1,2,4", help="comma-separated --jobs values for the throughput table")
    ap.add_argument("--prompt", default=None)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = ap.parse_args(argv)
    jobs = [int(j) for j in args.jobs.split(",") if j]
    arts = [article_mod.load(p) for p in args.articles]
    settings = Settings.from_env(prompt_version=args.prompt, parallel=max(jobs))
    prompt_set = PromptSet.load(settings.prompt_version)
    rows: list[dict[str, Any]] = []
    throughput: list[dict[str, Any]] = []
    with session(settings) as llm:
        speed = raw_speed(llm.base_url, llm.model)
        print(f"raw server speed: {speed}", file=sys.stderr)
        for r in range(args.runs):
            for art in arts:
                row = one(art, llm, prompt_set) | {"run": r}
                rows.append(row)
                print(f"run {r} {row['article']}: {row['wall_s']:.1f} s", file=sys.stderr)
        for n in jobs:
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=n) as pool:
                list(pool.map(lambda a: one(a, llm, prompt_set), arts))
            wall = time.perf_counter() - start
            throughput.append({"jobs": n, "wall_s": wall, "articles_per_min": len(arts) / wall * 60})
            print(f"jobs {n}: {wall:.1f} s for {len(arts)} articles", file=sys.stderr)
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    report = {
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "model": settings.model,
        "prompt": prompt_set.version,
        "raw_speed": speed,
        "runs": rows,
        "throughput": throughput,
        "peak_rss_gib": round(peak_gib, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2))
    args.out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    return 0


def markdown(rep: dict[str, Any]) -> str:
    speed = rep["raw_speed"]
    lines = [
        f"Model `{rep['model']}`, prompts {rep['prompt']}, {rep['machine']['cpus']} cores; "
        f"raw server speed {speed['prompt_tok_s']} prompt tok/s, {speed['gen_tok_s']} generated tok/s; "
        f"peak RSS {rep['peak_rss_gib']} GiB (the model server runs in-process).",
        "",
        "| article | wall s, median (min-max) | model s | own s | own % of model | calls | prompt tok | gen tok "
        "| model s at raw speed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by: dict[str, list[dict[str, Any]]] = {}
    for r in rep["runs"]:
        by.setdefault(r["article"], []).append(r)
    for name, rs in by.items():
        own_pct = statistics.median(r["own_s"] / r["model_s"] * 100 for r in rs if r["model_s"])
        ideal = rs[0]["prompt_tokens"] / max(speed["prompt_tok_s"], 1e-9) + rs[0]["completion_tokens"] / max(
            speed["gen_tok_s"], 1e-9
        )
        lines.append(
            f"| {name[:3]} | {_spread([r['wall_s'] for r in rs])} | {statistics.median(r['model_s'] for r in rs):.1f} "
            f"| {statistics.median(r['own_s'] for r in rs):.2f} | {own_pct:.2f}% | {rs[0]['calls']} "
            f"| {rs[0]['prompt_tokens']} | {rs[0]['completion_tokens']} | {ideal:.1f} |"
        )
    walls = [statistics.median(r["wall_s"] for r in rs) for rs in by.values()]
    lines += ["", f"Median wall time per article: {statistics.median(walls):.1f} s.", ""]
    lines += ["| --jobs | wall s (all articles) | articles/min | speed-up vs 1 |", "|---:|---:|---:|---:|"]
    base = rep["throughput"][0]["wall_s"] if rep["throughput"] else 1
    for t in rep["throughput"]:
        lines.append(f"| {t['jobs']} | {t['wall_s']:.1f} | {t['articles_per_min']:.2f} | {base / t['wall_s']:.2f}x |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
