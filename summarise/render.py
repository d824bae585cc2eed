"""Results -> text: JSON, JSON Lines, and a markdown view for people."""

from __future__ import annotations

import json

from .records import Result


def to_json(results: list[Result]) -> str:
    data = [r.model_dump(mode="json") for r in results]
    return json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2) + "\n"


def to_jsonl_line(result: Result) -> str:
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False) + "\n"


def to_markdown(results: list[Result]) -> str:
    out: list[str] = []
    for r in results:
        out.append(f"# {r.source}\n")
        if r.status == "error":
            out.append(f"**Error:** {r.error}\n")
            continue
        if r.summary:
            out.append(f"{r.summary.text}\n")
            for f in r.summary.findings:
                out.append(f"- lint ({f.rule}): {f.message}")
            out.append("")
        for i, e in enumerate(r.events, 1):
            loc = ", ".join(x for x in (e.location.text, e.location.region, e.location.country) if x)
            date = e.date.text or "date not given"
            iso = f" ({e.date.iso}, {e.date.precision.value})" if e.date.iso else f" ({e.date.precision.value})"
            out.append(f"## {i}. {e.event_type.value}: {loc or 'place not given'}; {date}{iso}\n")
            if e.actors:
                out.append(f"- actors: {', '.join(e.actors)}")
            if e.weapons:
                out.append(f"- weapons/systems: {', '.join(e.weapons)}")
            for c in e.claims:
                who = c.claimant or "unattributed"
                via = f" ({c.channel})" if c.channel else ""
                mark = "verified" if c.verified else "UNVERIFIED: " + "; ".join(c.issues)
                quote = c.evidence.quote if c.evidence else ""
                out.append(f"- {c.measure.value} = {c.value}, per {who}{via} [{mark}]\n  > {quote}")
            out.append("")
        if r.run:
            toks = f"{r.run.prompt_tokens}+{r.run.completion_tokens} tokens"
            prompts = ", ".join(f"{p.name}.{p.version}@{p.sha256[:8]}" for p in r.run.prompts)
            out.append(f"_{r.run.model}, {len(r.run.calls)} calls, {toks}, {r.run.wall_s:.1f} s; prompts {prompts}_\n")
    return "\n".join(out)
