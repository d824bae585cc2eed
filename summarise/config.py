"""Settings, resolved once from flags and environment. Nothing else reads the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .embedded import MODEL_NAME
from .errors import ConfigError

# Retry tuning without new flags: tests set them to fail fast, and a slow endpoint can get a longer timeout.
_NUMERIC_ENV = {"timeout": "SUMMARISE_TIMEOUT", "attempts": "SUMMARISE_ATTEMPTS", "backoff": "SUMMARISE_BACKOFF"}


@dataclass(frozen=True)
class Settings:
    base_url: str | None = None  # None: start the embedded server
    model: str = MODEL_NAME
    api_key: str = "not-needed"
    model_path: Path | None = None  # a GGUF for the embedded server instead of the packaged one
    prompt_version: str | None = None  # None: newest of each prompt
    prompts_dir: Path | None = None
    timeout: float = 300.0
    attempts: int = 4
    backoff: float = 1.0  # first retry wait in seconds (exponential with jitter); Retry-After wins when given
    max_reasks: int = 2
    temperature: float = 0.0
    cache_prompt: bool = False  # llama.cpp: off keeps temperature-0 output repeatable
    cache: bool = False  # the on-disk response cache (summarise/cache.py); the run command turns it on
    threads: int | None = None
    parallel: int = 1

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Flags win over environment; unset flags (None) fall back to it."""
        env_base = os.environ.get("OPENAI_BASE_URL") or None
        env_model = os.environ.get("SUMMARISE_MODEL") or None
        values: dict[str, object] = {
            "base_url": env_base,
            "api_key": os.environ.get("OPENAI_API_KEY") or "not-needed",
        }
        if env_model:
            values["model"] = env_model
        elif env_base:
            values["model"] = os.environ.get("OPENAI_MODEL") or MODEL_NAME
        for name, var in _NUMERIC_ENV.items():
            raw = os.environ.get(var)
            if raw:
                values[name] = _number(var, raw, int if name == "attempts" else float)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _number(var: str, raw: str, kind: type[int] | type[float]) -> int | float:
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{var}={raw!r} is not a number") from None
    if value < (0 if var == "SUMMARISE_BACKOFF" else 1e-3):
        raise ConfigError(f"{var}={raw!r} is out of range")
    return value
