"""Cases as data: each seed article with its hand-written gold, found by file name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from summarise.records import Gold

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@dataclass(frozen=True)
class Case:
    id: str
    article: Path
    gold_path: Path

    def gold(self) -> Gold:
        return Gold.model_validate_json(self.gold_path.read_text(encoding="utf-8"))

    def text(self) -> str:
        return self.article.read_text(encoding="utf-8")


def load_cases(seeds: Path = SEEDS, only: list[str] | None = None) -> list[Case]:
    """Every article under `seeds` that has `gold/<stem>.json`; `only` filters by id prefix."""
    cases = []
    for article in sorted(seeds.glob("*.txt")):
        gold = seeds / "gold" / f"{article.stem}.json"
        if gold.exists() and (not only or any(article.stem.startswith(o) for o in only)):
            cases.append(Case(id=article.stem, article=article, gold_path=gold))
    return cases
