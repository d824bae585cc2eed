"""Shared by the fault, batch and input tests: small distinct articles, and the CLI as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

TOWNS = [
    "Belgorod", "Kursk", "Bryansk", "Voronezh", "Lipetsk", "Oryol", "Tula", "Kaluga", "Smolensk", "Tver",
    "Ryazan", "Tambov", "Penza", "Saratov", "Rostov", "Krasnodar", "Novorossiysk", "Taganrog", "Yeysk",
    "Engels", "Volgograd", "Astrakhan", "Yaroslavl", "Kostroma", "Ivanovo", "Vladimir", "Pskov", "Novgorod",
]  # fmt: skip
GOVERNORS = ["Ivan Petrov", "Oleg Smirnov", "Anna Volkova", "Pavel Orlov", "Sergei Lebedev", "Maria Kozlova"]


def news(i: int) -> str:
    """A short, distinct interception report: the i-th town, a count of 2 + i drones, a named governor."""
    town = TOWNS[i % len(TOWNS)]
    who = GOVERNORS[i % len(GOVERNORS)]
    return (
        f"Drones shot down over {town}\n\n"
        f"Air defences shot down {2 + i} drones over {town} overnight, Governor {who} said on Telegram.\n\n"
        f"Debris damaged {1 + i % 4} houses on the outskirts, and emergency crews worked through the morning.\n"
    )


def write_articles(folder: Path, n: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        p = folder / f"article_{i:03d}.txt"
        p.write_text(news(i), encoding="utf-8")
        paths.append(p)
    return paths


def cli_env(**extra: str) -> dict[str, str]:
    """The test environment (conftest sets a tiny backoff), with this checkout first on the import path."""
    return {**os.environ, "PYTHONPATH": str(REPO), **extra}


def cli_cmd(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "summarise", *map(str, args)]


def run_cli(*args: str | Path, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_cmd(*args), cwd=cwd, capture_output=True, text=True, timeout=timeout, env=cli_env())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every line, parsed; raises on a line that is not JSON (so the file must be valid JSON Lines)."""
    data = path.read_text(encoding="utf-8")
    assert data == "" or data.endswith("\n"), "the file ends in a partial line"
    return [json.loads(line) for line in data.splitlines()]
