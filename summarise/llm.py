"""The one road to a model: `openai` + `instructor`, to any OpenAI-compatible endpoint.

Retries live in exactly one place. The openai client's own `max_retries` is 0; tenacity retries transient
failures (connection errors, timeouts, 429 honouring Retry-After, 5xx) with exponential backoff and jitter;
instructor re-asks on invalid JSON, bounded by `max_reasks` and counted in every `CallStat`.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

import httpx2 as httpx
import instructor
import openai
from pydantic import BaseModel
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from .cache import ResponseCache
from .errors import BadModelOutput, EndpointUnreachable, LLMError
from .prompts import Prompt
from .records import CallStat

T = TypeVar("T", bound=BaseModel)


def _root(exc: BaseException) -> BaseException:
    """instructor wraps API errors; find the openai error underneath."""
    seen = 0
    while seen < 10:
        if isinstance(exc, openai.APIError):
            return exc
        nxt = exc.__cause__ or getattr(exc, "last_exception", None)
        if nxt is None or nxt is exc:
            return exc
        exc = nxt
        seen += 1
    return exc


def is_transient(exc: BaseException) -> bool:
    err = _root(exc)
    if isinstance(err, (openai.APIConnectionError, openai.APITimeoutError)):
        return True
    if isinstance(err, openai.APIStatusError):
        return err.status_code == 429 or err.status_code >= 500
    return False


def _retry_after(exc: BaseException) -> float | None:
    err = _root(exc)
    if isinstance(err, openai.APIStatusError):
        value = err.response.headers.get("retry-after")
        if value:
            try:
                return min(float(value), 60.0)
            except ValueError:
                return None
    return None


class _Wait:
    """Exponential backoff with jitter, or the server's Retry-After when it gives one."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._exp = wait_exponential_jitter(initial=initial, max=maximum)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = _retry_after(exc) if exc else None
        return after if after is not None else float(self._exp(state))


class LLM:
    """A configured client. `transport` is the seam tests use to inject faults; `cache` answers repeats from disk."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "not-needed",
        *,
        timeout: float = 300.0,
        attempts: int = 4,
        max_reasks: int = 2,
        backoff: float = 1.0,
        temperature: float = 0.0,
        seed: int | None = 0,
        extra_body: dict[str, Any] | None = None,
        transport: httpx.BaseTransport | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        http_client = httpx.Client(transport=transport, timeout=timeout) if transport else None
        self.base_url = base_url
        self.model = model
        self.client = openai.OpenAI(
            base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout, http_client=http_client
        )
        self.instructor = instructor.from_openai(self.client, mode=instructor.Mode.JSON_SCHEMA)
        self.attempts = attempts
        self.max_reasks = max_reasks
        self.backoff = backoff
        self.sampling: dict[str, Any] = {"temperature": temperature}
        if seed is not None:
            self.sampling["seed"] = seed
        self.extra_body = extra_body or {}
        self.cache = cache  # consulted before any request; never changes what is sent

    def request_kwargs(self, prompt: Prompt, response_model: type[BaseModel], **variables: str) -> dict[str, Any]:
        """The exact request body fields, shared by the live path and Batch API preparation."""
        return {
            "model": self.model,
            "messages": prompt.render(**variables),
            **self.sampling,
            **({"extra_body": self.extra_body} if self.extra_body else {}),
        }

    def call(self, step: str, prompt: Prompt, response_model: type[T], **variables: str) -> tuple[T, CallStat]:
        stat = CallStat(step=step, prompt=f"{prompt.name}.{prompt.version}")
        kwargs = self.request_kwargs(prompt, response_model, **variables)
        key = self.cache.key(kwargs, response_model, self.instructor.mode.value) if self.cache else ""
        if self.cache and (hit := self.cache.get(key, response_model, stat)) is not None:
            return hit

        def on_response(response: Any) -> None:
            usage = getattr(response, "usage", None)
            if usage is not None:
                stat.prompt_tokens += usage.prompt_tokens or 0
                stat.completion_tokens += usage.completion_tokens or 0

        def on_parse_error(*_: Any, **__: Any) -> None:
            stat.reasks += 1

        def once() -> T:
            return self.instructor.chat.completions.create(
                response_model=response_model, max_retries=self.max_reasks + 1, **kwargs
            )

        self.instructor.on("completion:response", on_response)
        self.instructor.on("parse:error", on_parse_error)
        start = time.perf_counter()
        try:
            for attempt in Retrying(
                retry=retry_if_exception(is_transient),
                stop=stop_after_attempt(self.attempts),
                wait=_Wait(self.backoff, 30.0),
                reraise=True,
            ):
                with attempt:
                    stat.retries = attempt.retry_state.attempt_number - 1
                    result = once()
        except Exception as exc:
            raise self._translate(exc, step) from None
        finally:
            self.instructor.off("completion:response", on_response)
            self.instructor.off("parse:error", on_parse_error)
            stat.latency_s = round(time.perf_counter() - start, 3)
        if self.cache:
            self.cache.put(key, result, stat)
        return result, stat

    def _translate(self, exc: BaseException, step: str) -> LLMError:
        err = _root(exc)
        if isinstance(err, (openai.APIConnectionError, openai.APITimeoutError)):
            kind = "timed out" if isinstance(err, openai.APITimeoutError) else "is unreachable"
            return EndpointUnreachable(f"endpoint {self.base_url} {kind} after {self.attempts} attempts")
        if isinstance(err, openai.APIStatusError):
            return LLMError(f"endpoint {self.base_url} answered HTTP {err.status_code} during {step}: {_short(err)}")
        if isinstance(exc, instructor.exceptions.InstructorRetryException):
            return BadModelOutput(
                f"the model's answer for {step} did not match the schema after {self.max_reasks} re-asks: {_short(err)}"
            )
        return LLMError(f"{step}: {type(err).__name__}: {_short(err)}")


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("..." if len(text) > 200 else "")
