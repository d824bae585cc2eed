from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture(autouse=True)
def _no_endpoint_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never reach a real endpoint or the user's cache by accident."""
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "SUMMARISE_MODEL", "OPENAI_MODEL", "SUMMARISE_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    # Retries still happen, the waits between them are milliseconds (see tests/test_faults.py for backoff).
    monkeypatch.setenv("SUMMARISE_BACKOFF", "0.01")
    monkeypatch.setenv("SUMMARISE_ATTEMPTS", "4")
    monkeypatch.setenv("SUMMARISE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def seed001() -> Path:
    return SEEDS / "001_be506d096dbecfb0.txt"
