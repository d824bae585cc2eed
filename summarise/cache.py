"""On-disk cache of validated model answers, so rerunning an unchanged article and prompt costs nothing.

The key is the sha256 of the request as the model sees it, minus the endpoint: model name, rendered
messages, sampling parameters, instructor's mode and the response model's JSON
schema. The messages carry the prompt's full text and the article's text, so a changed prompt file (a new
prompt sha256) or a changed article (a new article hash) already changes the key; nothing else needs hashing.
The base URL is left out on purpose: the same model asked the same thing on another host is the same answer.

Only answers that validated are stored, with the `CallStat` of the call that produced them (tokens, re-asks).
A hit returns an equal object and that stat marked `cached`, with no latency and no retries. A corrupt or
unreadable entry is a miss, and the next answer overwrites it. Entries are written to a temporary file and
renamed into place, so a reader never sees half an entry, with --jobs or two processes at once.

The cache never changes what is sent: on a miss the request goes out byte for byte as without it. The eval
turns it off, since cassettes must see every request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from .embedded import cache_dir
from .records import CallStat

T = TypeVar("T", bound=BaseModel)
FORMAT = 1  # bump when the entry layout or the key material changes


class ResponseCache:
    """`<cache_dir>/responses/<key[:2]>/<key>.json`, one validated answer per request."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def default(cls) -> ResponseCache:
        """Under `cache_dir()`: SUMMARISE_CACHE_DIR, else $XDG_CACHE_HOME/summarise or ~/.cache/summarise."""
        return cls(cache_dir() / "responses")

    @staticmethod
    def key(request: Mapping[str, Any], response_model: type[BaseModel], mode: str) -> str:
        """sha256 over the request fields (no base URL), the mode and the response schema."""
        material = {"format": FORMAT, "mode": mode, "request": request, "schema": response_model.model_json_schema()}
        blob = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, response_model: type[T], stat: CallStat) -> tuple[T, CallStat] | None:
        """The stored answer and a copy of `stat` carrying the stored costs, or None on a miss or a bad entry."""
        try:
            data = json.loads(self.path(key).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("key") != key:
                return None
            answer = response_model.model_validate(data["answer"])
            stored = CallStat.model_validate(data["stat"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):  # missing, unreadable, corrupt, stale
            return None
        costs = {"prompt_tokens", "completion_tokens", "reasks"}
        return answer, stat.model_copy(
            update={**stored.model_dump(include=costs), "latency_s": 0.0, "retries": 0, "cached": True}
        )

    def put(self, key: str, answer: BaseModel, stat: CallStat) -> None:
        """Store atomically; a cache that cannot be written never fails a call that succeeded."""
        path = self.path(key)
        entry = {
            "format": FORMAT,
            "key": key,
            "answer": answer.model_dump(mode="json"),
            "stat": stat.model_dump(mode="json"),
        }
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(entry, f, ensure_ascii=False)
            os.replace(tmp, path)
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
