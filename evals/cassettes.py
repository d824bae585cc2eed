"""Recorded HTTP for the eval: one cassette per case and prompt fingerprint, replayed offline.

A cassette's name carries the fingerprint of the prompts, response schemas and model, and requests are
matched on their body, so a changed prompt can never silently replay an old answer: it finds no cassette.
"""

from __future__ import annotations

from pathlib import Path

import vcr

REPO = Path(__file__).resolve().parent.parent
CASSETTES = REPO / "cassettes"
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens there: replay never touches the network


def cassette_path(case: str, fingerprint: str, directory: Path = CASSETTES) -> Path:
    return directory / f"{case}.{fingerprint}.yaml"


def recorder(record: bool) -> vcr.VCR:
    return vcr.VCR(
        record_mode="all" if record else "none",
        match_on=["method", "path", "body"],
        filter_headers=["authorization", "cookie", "set-cookie", "openai-organization", "x-api-key"],
        decode_compressed_response=True,
    )


def stale(used: set[Path], directory: Path = CASSETTES) -> list[Path]:
    """Cassettes no current case and prompt version would replay."""
    return sorted(p for p in directory.glob("*.yaml") if p not in used)
