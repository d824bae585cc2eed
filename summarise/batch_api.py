"""Scale-out without a home-made cluster: OpenAI Batch API files in, the same records out.

`prepare` runs the real pipeline against a transport that captures each request body and answers it with
an empty, schema-valid reply; with a figures prompt (v2+) no request depends on an earlier answer, so one
pass captures them all. The file runs on OpenAI's Batch API or on a GPU box with `vllm run-batch`.
`collect` runs the same pipeline again against a transport that answers each request from the results
file, matched on the request body's hash, so the records are what the live path makes from those answers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx

from .article import Article
from .config import Settings
from .errors import ConfigError, InputError, LLMError
from .llm import LLM
from .pipeline import PromptSet, make_llm, run
from .records import Result

URL = "/v1/chat/completions"
_BASE = "http://batch.invalid/v1"  # never contacted: both transports answer in-process


def body_key(content: bytes) -> str:
    return hashlib.sha256(json.dumps(json.loads(content), sort_keys=True).encode()).hexdigest()[:24]


def _completion(content: str, model: str) -> dict[str, Any]:
    return {
        "id": "batch",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _empty_answer(body: dict[str, Any]) -> str:
    """The smallest valid reply for the requested schema: every array empty."""
    schema = body.get("response_format", {}).get("json_schema", {}).get("schema", {})
    props = schema.get("properties", {})
    return json.dumps({k: [] for k, v in props.items() if v.get("type") == "array"})


def _llm(settings: Settings, handler: Callable[[httpx.Request], httpx.Response]) -> LLM:
    return make_llm(settings, _BASE, transport=httpx.MockTransport(handler))


def prepare(articles: list[Article], settings: Settings, out: Path) -> int:
    """Write one Batch API line per model call; return the number of lines."""
    prompt_set = PromptSet.load(settings.prompt_version, settings.prompts_dir)
    if prompt_set.figures is None:
        raise ConfigError(
            f"prompt version {prompt_set.version} needs an answer before it can ask its next question; "
            "batch files need a figures prompt (v2 or later)"
        )
    lines: list[str] = []
    current: dict[str, str] = {}

    def capture(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        custom_id = f"{current['id']}:{body_key(request.content)}"
        lines.append(json.dumps({"custom_id": custom_id, "method": "POST", "url": URL, "body": body}))
        return httpx.Response(200, json=_completion(_empty_answer(body), body.get("model", "")))

    llm = _llm(settings, capture)
    entries: list[dict[str, str]] = []
    for art in articles:
        current["id"] = art.id
        run(art, llm, prompt_set)
        entries.append({"id": art.id, "source": art.source, "text": art.text})
    manifest = {"prompt_version": prompt_set.version, "model": settings.model, "articles": entries}
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    manifest_path(out).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return len(lines)


def manifest_path(requests: Path) -> Path:
    return requests.with_name(requests.name + ".manifest.json")


def read_results(path: Path) -> dict[str, dict[str, Any]]:
    """custom_id -> chat completion body, from a Batch API output file (errors are left out)."""
    answers: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            body = rec["response"]["body"]
            if rec["response"].get("status_code", 200) == 200:
                answers[rec["custom_id"]] = body
        except (ValueError, KeyError, TypeError):
            raise InputError(f"{path}:{n}: not a Batch API result line") from None
    return answers


def collect(results: Path, requests: Path, settings: Settings) -> list[Result]:
    """Turn Batch API answers into validated, grounded records and summaries, article by article."""
    mpath = manifest_path(requests)
    if not mpath.exists():
        raise InputError(f"{mpath}: missing; it is written by `summarise batch prepare` beside the requests")
    manifest = json.loads(mpath.read_text(encoding="utf-8"))
    answers = {cid.split(":", 1)[1]: body for cid, body in read_results(results).items()}
    settings_v = dataclasses.replace(settings, prompt_version=manifest["prompt_version"], model=manifest["model"])
    prompt_set = PromptSet.load(settings_v.prompt_version, settings_v.prompts_dir)

    def answer(request: httpx.Request) -> httpx.Response:
        body = answers.get(body_key(request.content))
        if body is None:
            return httpx.Response(404, json={"error": {"message": "no answer for this request in the results"}})
        return httpx.Response(200, json=body)

    llm = _llm(settings_v, answer)
    llm.attempts = 1
    out: list[Result] = []
    for a in manifest["articles"]:
        art = Article(text=a["text"], source=a["source"])
        try:
            out.append(run(art, llm, prompt_set))
        except LLMError as exc:
            out.append(Result(article_id=art.id, source=art.source, status="error", error=str(exc)))
    return out
