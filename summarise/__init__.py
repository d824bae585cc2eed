"""summarise: conflict news -> typed, grounded event records and a neutral, attributed summary.

    from summarise import Settings, summarise_file
    result = summarise_file("seeds/001_be506d096dbecfb0.txt")

The data flow follows the modules: article -> prompts -> llm -> extract -> resolve (ground) -> summary.
"""

from __future__ import annotations

from pathlib import Path

from .article import Article, load
from .config import Settings
from .errors import (
    BadModelOutput,
    ConfigError,
    EndpointUnreachable,
    InputError,
    LLMError,
    ModelError,
    ModelFileError,
    SummariseError,
)
from .pipeline import PromptSet, run, session
from .records import Claim, Event, Result, Summary

__all__ = [
    "Article", "BadModelOutput", "Claim", "ConfigError", "EndpointUnreachable", "Event", "InputError",
    "LLMError", "ModelError", "ModelFileError", "PromptSet", "Result", "Settings", "Summary",
    "SummariseError", "load", "run", "session", "summarise_file",
]  # fmt: skip


def summarise_file(path: str | Path, settings: Settings | None = None) -> Result:
    """One article, start to finish, with its own model session."""
    settings = settings or Settings.from_env()
    with session(settings) as llm:
        return run(load(path), llm, PromptSet.load(settings.prompt_version, settings.prompts_dir))
