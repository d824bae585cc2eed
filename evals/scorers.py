"""Score one pipeline `Result` against its hand-written `Gold`, metric by metric.

Each scorer returns a `Score` whose reason names the concrete misses (which figure, which place, which
claimant), so a regression can be read without rerunning anything. Ratios carry their numerator and
denominator, so totals pool counts across cases (micro-average) instead of averaging averages.
"""

from __future__ import annotations

import calendar
import json
import re
import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from summarise.records import Claim, DateInfo, Event, Gold, Location, Precision, Result

ALIASES_PATH = Path(__file__).resolve().parent / "data" / "aliases.json"

# The one place that says which way a metric points; report.py gates on these.
LOWER_IS_BETTER = frozenset({"summary_banned", "summary_unattributed", "unverified_claims"})
COST_METRICS = frozenset({"prompt_tokens", "completion_tokens", "calls", "wall_s"})  # shown, never gated
INFORMATIONAL = frozenset({"summary_sentences"})  # neither direction is better: shown, never gated
_SUMMED = LOWER_IS_BETTER | {"prompt_tokens", "completion_tokens", "calls"}
_MEDIAN = frozenset({"wall_s"})

_TITLES = frozenset({"governor", "mayor", "president", "minister", "dr", "mr", "mrs"})
_STOPWORDS = frozenset({"the", "of", "in", "on", "at", "a", "an", "to", "near", "and", "from", "by", "for"})
_SPELLING = {"defense": "defence", "offense": "offence"}  # US/UK spellings that differ between sources
_MONTHS = {calendar.month_name[i].lower(): i for i in range(1, 13)}


@dataclass(frozen=True)
class Score:
    """One metric for one case; `value` None means not applicable (nothing to count)."""

    name: str
    value: float | None
    reason: str
    num: float | None = None  # for ratios: pooled across cases by `aggregate`
    den: float | None = None


def _ratio(name: str, num: float, den: float, reason: str) -> Score:
    return Score(name, num / den if den else None, reason or ("perfect" if den else "nothing to count"), num, den)


def _prf(prefix: str, tp: int, fp: int, fn: int, reason: str) -> list[Score]:
    """Precision, recall and F1 as pooled ratios: F1 = 2tp / (2tp + fp + fn) sums across cases."""
    return [
        _ratio(f"{prefix}_precision", tp, tp + fp, reason),
        _ratio(f"{prefix}_recall", tp, tp + fn, reason),
        _ratio(f"{prefix}_f1", 2 * tp, 2 * tp + fp + fn, reason),
    ]


@dataclass
class CaseScore:
    case: str
    scores: list[Score] = field(default_factory=list)

    def as_dict(self) -> dict[str, float | None]:
        return {s.name: s.value for s in self.scores}

    def reasons(self) -> dict[str, str]:
        return {s.name: s.reason for s in self.scores}


class Aliases:
    """Names as the gold writes them vs as a model (or an article) spells them: one canonical form each."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self._map: dict[str, str] = {}
        for canonical, variants in table.items():
            key = _fold(canonical)
            for v in [canonical, *variants]:
                self._map.setdefault(_fold(v), key)
        self._longest = max((len(k.split()) for k in self._map), default=1)

    @classmethod
    def load(cls, path: Path | str | None = None) -> Aliases:
        return cls(json.loads(Path(path or ALIASES_PATH).read_text(encoding="utf-8")))

    def canon(self, name: str) -> str:
        """Fold case, diacritics, punctuation and titles, then map known variants (also inside longer names)."""
        folded = _fold(name)
        if folded in self._map:  # before title stripping: "kaluga governor" is a person, not a place
            return self._map[folded]
        words = [w for w in folded.split() if w not in _TITLES]
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                hit = self._map.get(" ".join(words[i : i + n]))
                if hit is not None:
                    out.append(hit)
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)

    def same(self, a: str | None, b: str | None) -> bool:
        """Equal canonical forms, or one's content words all inside the other's ("sobyanin" in "sergei sobyanin")."""
        if not a or not b:
            return False
        ca, cb = self.canon(a), self.canon(b)
        if ca == cb:
            return bool(ca)
        wa, wb = set(ca.split()) - _STOPWORDS, set(cb.split()) - _STOPWORDS
        return bool(wa and wb) and (wa <= wb or wb <= wa)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’ʼ`]", "", text)
    words = re.sub(r"[\W_]+", " ", text).split()
    return " ".join(_SPELLING.get(w, w) for w in words)


# ---- events ------------------------------------------------------------------------------------------


def _place(loc: Location) -> str:
    return loc.text or loc.region or "?"


def _place_level(p: Location, g: Location, al: Aliases) -> int:
    """2 = same site as written, 1 = same region only, 0 = elsewhere (never matched)."""
    if al.same(p.text, g.text):
        return 2
    pairs = [(p.region, g.region), (p.text, g.region), (p.region, g.text)]
    return 1 if any(al.same(a, b) for a, b in pairs) else 0


def _ymd(d: DateInfo) -> tuple[int | None, int | None, int | None]:
    iso = d.iso or ""
    if m := re.fullmatch(r"--(\d{2})-(\d{2})", iso):
        return None, int(m[1]), int(m[2])
    y: int | None = None
    mo: int | None = None
    dd: int | None = None
    if m := re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", iso):
        y, mo, dd = (int(x) if x else None for x in m.groups())
    if mo is None and d.text:  # "in December": a month the iso field could not hold without a year
        mo = next((n for w, n in _MONTHS.items() if re.search(rf"\b{w}\b", d.text.lower())), None)
    return y, mo, dd


def date_ok(p: DateInfo, g: DateInfo) -> bool:
    """Compare at the gold's precision; vague gold accepts only a pred that does not invent precision."""
    (gy, gm, gd), (py, pm, pd) = _ymd(g), _ymd(p)
    years_agree = gy is None or py is None or gy == py
    if g.precision is Precision.day and gm and gd:
        return (pm, pd) == (gm, gd) and years_agree
    if g.precision is Precision.month and gm:
        return pm == gm and years_agree
    if g.precision is Precision.year and gy:
        return py == gy
    return p.iso is None or p.precision in (Precision.approximate, Precision.unknown)


def _figures(e: Event) -> set[tuple[str, int]]:
    return {(c.measure.value, c.value) for c in e.claims}


def _pair_score(p: Event, g: Event, al: Aliases) -> float:
    level = _place_level(p.location, g.location, al)
    if not level:
        return 0.0
    shared = len(_figures(p) & _figures(g)) + sum(al.same(a, b) for a in p.weapons for b in g.weapons)
    return level + 3 * (p.event_type == g.event_type) + date_ok(p.date, g.date) + 0.5 * min(shared, 2)


def match_events(pred: list[Event], gold: list[Event], al: Aliases) -> list[tuple[int, int]]:
    """One-to-one (pred index, gold index) pairs, best pair score first; a pair must share the place."""
    ranked = sorted(
        ((s, pi, gi) for pi, p in enumerate(pred) for gi, g in enumerate(gold) if (s := _pair_score(p, g, al)) > 0),
        key=lambda t: (-t[0], t[2], t[1]),
    )
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for _, pi, gi in ranked:
        if pi not in used_p and gi not in used_g:
            used_p.add(pi)
            used_g.add(gi)
            pairs.append((pi, gi))
    return sorted(pairs, key=lambda t: t[1])


def _label(e: Event) -> str:
    return f"{e.event_type.value} @ {_place(e.location)}"


def _join(parts: Iterable[str], limit: int = 6) -> str:
    items = list(parts)
    extra = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + extra


def score_events(pred: list[Event], gold: list[Event], pairs: list[tuple[int, int]], al: Aliases) -> list[Score]:
    tp_pairs = [(pi, gi) for pi, gi in pairs if pred[pi].event_type == gold[gi].event_type]
    hit_p, hit_g = {pi for pi, _ in tp_pairs}, {gi for _, gi in tp_pairs}
    notes = []
    if missed := [_label(g) for gi, g in enumerate(gold) if gi not in hit_g]:
        notes.append(f"missed: {_join(missed)}")
    if extra := [_label(p) for pi, p in enumerate(pred) if pi not in hit_p]:
        notes.append(f"spurious: {_join(extra)}")
    scores = _prf("event", len(tp_pairs), len(pred) - len(tp_pairs), len(gold) - len(tp_pairs), "; ".join(notes))
    return scores + _field_scores([(pred[pi], gold[gi]) for pi, gi in pairs], al)


def _location_ok(p: Location, g: Location, al: Aliases) -> bool:
    text_ok = g.text is None or al.same(p.text, g.text) or al.same(p.region, g.text)
    region_ok = p.region is None or g.region is None or al.same(p.region, g.region)
    return text_ok and region_ok


def _set_match(pred: list[str], gold: list[str], al: Aliases) -> tuple[list[str], list[str], int]:
    """One-to-one alias-tolerant matching: (unmatched pred, unmatched gold, matched count)."""
    left = list(gold)
    extra = []
    for p in pred:
        hit = next((g for g in left if al.same(p, g)), None)
        if hit is None:
            extra.append(p)
        else:
            left.remove(hit)
    return extra, left, len(pred) - len(extra)


def _field_scores(matched: list[tuple[Event, Event]], al: Aliases) -> list[Score]:
    n = len(matched)
    typ = [
        f"{_place(g.location)}: got {p.event_type.value} want {g.event_type.value}"
        for p, g in matched
        if p.event_type != g.event_type
    ]
    loc = [
        f"got {p.location.text!r}/{p.location.region!r} want {g.location.text!r}/{g.location.region!r}"
        for p, g in matched
        if not _location_ok(p.location, g.location, al)
    ]
    dat = [
        f"{_place(g.location)}: got {p.date.iso or p.date.text!r} ({p.date.precision.value}) "
        f"want {g.date.iso or g.date.text!r} ({g.date.precision.value})"
        for p, g in matched
        if not date_ok(p.date, g.date)
    ]
    tp = fp = fn = 0
    wnotes = []
    for p, g in matched:
        extra, missing, hit = _set_match(p.weapons, g.weapons, al)
        tp, fp, fn = tp + hit, fp + len(extra), fn + len(missing)
        wnotes += [f"spurious {w} ({_place(g.location)})" for w in extra]
        wnotes += [f"missed {w} ({_place(g.location)})" for w in missing]
    none = "no matched events" if not n else ""
    return [
        _ratio("event_type_acc", n - len(typ), n, none or _join(typ)),
        _ratio("location_acc", n - len(loc), n, none or _join(loc)),
        _ratio("date_acc", n - len(dat), n, none or _join(dat)),
        _ratio("weapons_f1", 2 * tp, 2 * tp + fp + fn, none or _join(wnotes) or ("" if tp else "no weapons named")),
    ]


# ---- claims ------------------------------------------------------------------------------------------


def _fig(c: Claim) -> str:
    span = f"-{c.value_max}" if c.value_max is not None else ""
    return f"{c.measure.value}={c.value}{span}"


def _same_figure(p: Claim, g: Claim) -> bool:
    return p.measure == g.measure and p.value == g.value and (g.value_max is None or p.value_max == g.value_max)


def claimant_ok(p: str | None, g: str | None, al: Aliases) -> bool:
    """Unattributed gold wants an unattributed pred; otherwise the same claimant up to aliases."""
    return p is None if g is None else al.same(p, g)


def score_claims(pred: list[Event], gold: list[Event], pairs: list[tuple[int, int]], al: Aliases) -> list[Score]:
    """Only verified claims are assertions; each gold figure is looked up in its matched event, then at its place."""
    asserted = [(pi, c) for pi, e in enumerate(pred) for c in e.claims if c.verified]
    unverified = [f"{_fig(c)} ({_place(e.location)})" for e in pred for c in e.claims if not c.verified]
    partner = {gi: pi for pi, gi in pairs}
    used: set[int] = set()  # ids of consumed pred claims
    found = right = 0
    missed, wrong = [], []
    for gi, g in enumerate(gold):
        where = _place(g.location)
        for gc in g.claims:
            cands = [
                (pi, c)
                for pi, c in asserted
                if id(c) not in used
                and _same_figure(c, gc)
                and (pi == partner.get(gi) or _place_level(pred[pi].location, g.location, al))
            ]
            # the matched event first, then a right claimant: Kaluga's 4 and 2 must pair with their own sources
            cands.sort(key=lambda t: (t[0] != partner.get(gi), not claimant_ok(t[1].claimant, gc.claimant, al)))
            if not cands:
                mine = pred[partner[gi]].claims if gi in partner else []
                near = [str(c.value) for c in mine if c.verified and c.measure == gc.measure]
                flagged = any(not c.verified and _same_figure(c, gc) for c in mine)
                hint = ", only unverified" if flagged else (f", got {'/'.join(near)}" if near else "")
                missed.append(f"{_fig(gc)} ({where}{hint})")
                continue
            hit = cands[0][1]
            used.add(id(hit))
            found += 1
            if claimant_ok(hit.claimant, gc.claimant, al):
                right += 1
            else:
                wrong.append(f"{_fig(gc)} {where}, got {hit.claimant!r} want {gc.claimant!r}")
    n_gold = sum(len(g.claims) for g in gold)
    spurious = [f"{_fig(c)} ({_place(pred[pi].location)})" for pi, c in asserted if id(c) not in used]
    miss = f"missed: {_join(missed)}" if missed else ""
    extra = f"unsupported: {_join(spurious)}" if spurious else ""
    wrong_txt = f"wrong claimant: {'; '.join(wrong)}" if wrong else ""
    both = "; ".join(x for x in (miss, wrong_txt) if x)
    return [
        _ratio("claims_precision", found, len(asserted), extra),
        _ratio("claims_recall", found, n_gold, miss),
        _ratio("claims_f1", 2 * found, len(asserted) + n_gold, "; ".join(x for x in (miss, extra) if x)),
        _ratio("attribution_accuracy", right, found, wrong_txt if found else "no gold figure found"),
        _ratio("figure_with_claimant_recall", right, n_gold, both),
        Score("unverified_claims", float(len(unverified)), f"flagged: {_join(unverified)}" if unverified else "none"),
    ]


def score_grounding(pred: list[Event], article_text: str) -> list[Score]:
    """Evidence found in the article at all, and, of that, quotes that are the article's own characters."""
    items = [(f"{_fig(c)} ({_place(e.location)})", c.evidence) for e in pred for c in e.claims]
    items += [(f"event evidence ({_place(e.location)})", ev) for e in pred for ev in e.evidence]
    ungrounded = [what for what, ev in items if ev is None or not ev.grounded]
    kept = [(what, ev) for what, ev in items if ev is not None and ev.grounded]
    not_verbatim = [
        f"{what}: {ev.quote[:40]!r}"
        for what, ev in kept
        if ev.span is None or article_text[ev.span.start : ev.span.end] != ev.quote
    ]
    return [
        _ratio(
            "grounding_rate",
            len(items) - len(ungrounded),
            len(items),
            f"not found: {_join(ungrounded)}" if ungrounded else "",
        ),
        _ratio(
            "verbatim_rate",
            len(kept) - len(not_verbatim),
            len(kept),
            f"span text differs: {_join(not_verbatim, 3)}" if not_verbatim else "",
        ),
    ]


# ---- summary and cost --------------------------------------------------------------------------------


def count_sentences(text: str) -> int:
    """Split after . ! ? when a capital or quote follows, so "Dec. 12" stays one sentence."""
    return len([s for s in re.split(r"(?<=[.!?])\s+(?=[\"“(\[A-ZА-Я])", text.strip()) if s.strip()])


def _mentions(text: str, wording: str) -> bool:
    """Substring match, so "intercept" finds "intercepted"; but a number must not sit inside another ("7" in "17")."""
    if wording.isdigit():
        return re.search(rf"(?<!\d){wording}(?!\d)", text) is not None
    return wording in text


def score_summary(pred: Result, gold: Gold) -> list[Score]:
    text = pred.summary.text if pred.summary else ""
    low = text.lower()
    musts = gold.summary.must_mention
    absent = [" / ".join(alts) for alts in musts if not any(_mentions(low, a.lower()) for a in alts)]
    banned = [t for t in gold.summary.banned_terms if re.search(rf"(?<!\w){re.escape(t.lower())}(?!\w)", low)]
    unattr = [f.text for f in (pred.summary.findings if pred.summary else []) if f.rule == "unattributed_figure"]
    no_summary = "no summary; " if pred.summary is None else ""
    return [
        _ratio(
            "summary_facts",
            len(musts) - len(absent),
            len(musts),
            no_summary + (f"absent: {_join(absent)}" if absent else ""),
        ),
        Score("summary_banned", float(len(banned)), f"found: {_join(banned)}" if banned else "none"),
        Score("summary_unattributed", float(len(unattr)), f"flagged: {_join(unattr, 3)}" if unattr else "none"),
        Score("summary_sentences", float(count_sentences(text)) if pred.summary else None, no_summary or "count"),
    ]


def score_cost(pred: Result) -> list[Score]:
    run = pred.run
    why = "no run info" if run is None else f"{run.model}"
    return [
        Score("prompt_tokens", float(run.prompt_tokens) if run else None, why),
        Score("completion_tokens", float(run.completion_tokens) if run else None, why),
        Score("calls", float(len(run.calls)) if run else None, why),
        Score("wall_s", run.wall_s if run else None, why),
    ]


def score_case(pred: Result, gold: Gold, aliases: Aliases, article_text: str) -> CaseScore:
    """All metrics for one case. A failed run is scored as an empty prediction, each reason saying why."""
    failed = pred.status == "error"
    view = pred.model_copy(update={"events": [], "summary": None}) if failed else pred
    pairs = match_events(view.events, gold.events, aliases)
    scores = (
        score_events(view.events, gold.events, pairs, aliases)
        + score_claims(view.events, gold.events, pairs, aliases)
        + score_grounding(view.events, article_text)
        + score_summary(view, gold)
        + score_cost(pred)
    )
    if failed:
        prefix = f"pipeline error: {pred.error or 'unknown'}"
        scores = [Score(s.name, s.value, f"{prefix}; {s.reason}", s.num, s.den) for s in scores]
    return CaseScore(gold.case, scores)


def aggregate(cases: list[CaseScore]) -> dict[str, float | None]:
    """Pool ratios (micro), sum counts and tokens, take the median wall time, and mean anything else."""
    by_name: dict[str, list[Score]] = {}
    for cs in cases:
        for s in cs.scores:
            by_name.setdefault(s.name, []).append(s)
    out: dict[str, float | None] = {}
    for name, scores in by_name.items():
        vals = [s.value for s in scores if s.value is not None]
        if any(s.den is not None for s in scores):
            den = sum(s.den or 0 for s in scores)
            out[name] = sum(s.num or 0 for s in scores) / den if den else None
        elif not vals:
            out[name] = None
        elif name in _SUMMED:
            out[name] = float(sum(vals))
        elif name in _MEDIAN:
            out[name] = float(statistics.median(vals))
        else:
            out[name] = statistics.fmean(vals)
    return out
