"""The one schema: events, claims, spans, summaries and the result of a run.

Everything the pipeline writes and every gold file the eval reads validates against these models, so a
schema change that breaks gold fails a test. This module imports nothing else from the package.

Figures are never bare fields on an event: each is a `Claim` that says who claims it, through which
channel, and the verbatim quote it rests on. Two sources that disagree (a governor's 4 drones, a ministry's
2) are two claims side by side, never merged.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class EventType(StrEnum):
    """Closed vocabulary, after ACLED's sub-event types, narrowed to what this tool reports."""

    strike = "drone_or_missile_strike"
    interception = "air_defence_interception"
    deployment = "air_defence_deployment"
    explosion = "explosion_or_bombing"
    clash = "armed_clash"
    other = "other"


class Measure(StrEnum):
    """What a figure counts."""

    drones_launched = "drones_launched"
    drones_intercepted = "drones_intercepted"
    killed = "killed"
    injured = "injured"


class Precision(StrEnum):
    day = "day"
    month = "month"
    year = "year"
    approximate = "approximate"
    unknown = "unknown"


class AlignStatus(StrEnum):
    """How a quote was found in the article (after google/langextract's alignment status)."""

    exact = "exact"  # the quote is a substring of the article as given
    normalized = "normalized"  # found after folding whitespace, case, curly quotes and dashes
    fuzzy = "fuzzy"  # a close but not identical passage; the kept quote is the article's own text
    not_found = "not_found"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Span(_Model):
    """Half-open character interval [start, end) into the article text."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError("span end before start")
        return self


class Evidence(_Model):
    """A verbatim quote and where the code found it. `quote` is the article's own text when grounded."""

    quote: str
    status: AlignStatus = AlignStatus.not_found
    span: Span | None = None
    model_quote: str | None = Field(
        default=None, description="what the model wrote, kept when it differs from the article text"
    )

    @property
    def grounded(self) -> bool:
        return self.status is not AlignStatus.not_found


class Claim(_Model):
    """One figure, from one source."""

    measure: Measure
    value: int = Field(ge=0)
    value_max: int | None = Field(default=None, ge=0, description="upper bound when the source gives a range")
    claimant: str | None = Field(default=None, description="person or institution, as written")
    claimant_latin: str | None = Field(default=None, description="a transliteration, when written in Cyrillic")
    channel: str | None = Field(default=None, description="Telegram, statement, Max, briefing ...")
    evidence: Evidence | None = None
    verified: bool = Field(default=False, description="quote grounded in the article and the value read from it")
    issues: list[str] = Field(default_factory=list, description="why a claim is not verified")


class DateInfo(_Model):
    text: str | None = Field(default=None, description="the date as written")
    iso: str | None = Field(default=None, description="YYYY-MM-DD, YYYY-MM, or --MM-DD when the article gives no year")
    precision: Precision = Precision.unknown


class Location(_Model):
    text: str | None = Field(default=None, description="the place as written")
    latin: str | None = Field(default=None, description="a transliteration, when written in Cyrillic")
    region: str | None = None
    country: str | None = None


class Event(_Model):
    event_type: EventType
    date: DateInfo = Field(default_factory=DateInfo)
    location: Location = Field(default_factory=Location)
    actors: list[str] = Field(default_factory=list, description="as stated, without adopting labels")
    weapons: list[str] = Field(default_factory=list, description="weapon or system named")
    claims: list[Claim] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list, description="passages the event rests on")


class LintFinding(_Model):
    rule: Literal["loaded_term", "unattributed_figure", "unsupported_figure", "length"]
    message: str
    text: str


class Summary(_Model):
    text: str
    findings: list[LintFinding] = Field(default_factory=list)


class CallStat(_Model):
    """One model call: what it cost and how often instructor had to re-ask."""

    step: str
    prompt: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    reasks: int = 0
    retries: int = 0
    cached: bool = Field(default=False, description="answered from the response cache: no request was sent")


class PromptRef(_Model):
    name: str
    version: str
    sha256: str


class RunInfo(_Model):
    model: str
    base_url: str
    prompts: list[PromptRef]
    calls: list[CallStat] = Field(default_factory=list)
    wall_s: float = 0.0

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.calls)


class Result(_Model):
    """What `summarise` prints for one article."""

    article_id: str
    source: str
    status: Literal["ok", "error"] = "ok"
    error: str | None = None
    events: list[Event] = Field(default_factory=list)
    summary: Summary | None = None
    run: RunInfo | None = None


class GoldSummary(_Model):
    must_mention: list[list[str]] = Field(
        default_factory=list, description="facts a neutral summary carries: each a list of accepted wordings"
    )
    banned_terms: list[str] = Field(default_factory=list)


class Gold(_Model):
    """Hand-written truth for one article, in the same records the pipeline produces."""

    case: str = Field(description="the seed file's stem, e.g. 001_be506d096dbecfb0")
    source: str = Field(description="path of the article, relative to the repository")
    notes: str = ""
    events: list[Event]
    summary: GoldSummary = Field(default_factory=GoldSummary)
