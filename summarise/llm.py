"""The one road to a model: `openai` + `instructor`, to any OpenAI-compatible endpoint.

Retries live in exactly one place. The openai client's own `max_retries` is 0; tenacity retries transient
failures (connection errors, timeouts, 408, 429 honouring Retry-After, 5xx) with exponential backoff and
jitter; instructor re-asks on invalid JSON, bounded by `max_reasks` and counted in every `CallStat`.
tests/test_faults.py drives each of these through a real socket (tests/fakeserver.py).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any, TypeVar

import httpx2 as httpx
import instructor
import openai
from instructor.core import InstructorRetryException
from pydantic import BaseModel
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from .cache import ResponseCache
from .errors import BadModelOutput, EndpointUnreachable, LLMError
from .prompts import Prompt
from .records import CallStat

T = TypeVar("T", bound=BaseModel)

# instructor logs every failed attempt at ERROR; with no logging configured Python prints those to stderr,
# which broke the CLI's "one line per failure" promise. The outcome is reported once, as an LLMError.
logging.getLogger("instructor").addHandler(logging.NullHandler())


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
        return err.status_code in (408, 429) or err.status_code >= 500
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
    """Exponential backoff with jitter, or the server's Retry-After when it gives one.

    The jitter scales with `initial` (tenacity's wait_exponential_jitter adds a fixed 0-1 s), so a small
    backoff is really small: tests run their retries in milliseconds.
    """

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial = initial
        self.maximum = maximum

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = _retry_after(exc) if exc else None
        if after is not None:
            return after
        exp = self.initial * 2 ** (state.attempt_number - 1)
        return min(self.maximum, exp + random.uniform(0, self.initial))


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
        transport: httpx.BaseTransport | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        http_client = httpx.Client(transport=transport, timeout=timeout) if transport else None
        self.base_url = base_url
        self.model = model
        self.client = openai.OpenAI(
            base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout, http_client=http_client
        )
        self.mode = instructor.Mode.JSON_SCHEMA
        self.attempts = attempts
        self.max_reasks = max_reasks
        self.backoff = backoff
        self.sampling: dict[str, Any] = {"temperature": temperature}
        if seed is not None:
            self.sampling["seed"] = seed
        self.cache = cache  # consulted before any request; never changes what is sent
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Stop: calls not yet made fail at once and retry waits end early (Ctrl-C in a batch)."""
        self._cancelled.set()

    def _pause(self, seconds: float) -> None:
        self._cancelled.wait(seconds)  # a retry wait that cancel() cuts short

    def _request(self, prompt: Prompt, **variables: str) -> dict[str, Any]:
        """The request body fields: the same for every endpoint, so cassettes and cache keys are portable."""
        return {"model": self.model, "messages": prompt.render(**variables), **self.sampling}

    def call(self, step: str, prompt: Prompt, response_model: type[T], **variables: str) -> tuple[T, CallStat]:
        stat = CallStat(step=step, prompt=f"{prompt.name}.{prompt.version}")
        kwargs = self._request(prompt, **variables)
        key = self.cache.key(kwargs, response_model, self.mode.value) if self.cache else ""
        if self.cache and (hit := self.cache.get(key, response_model, stat)) is not None:
            return hit

        def on_response(response: Any) -> None:
            usage = getattr(response, "usage", None)
            if usage is not None:
                stat.prompt_tokens += usage.prompt_tokens or 0
                stat.completion_tokens += usage.completion_tokens or 0

        def on_parse_error(*_: Any, is_last_attempt: bool = False, **__: Any) -> None:
            if not is_last_attempt:  # the last invalid answer is not re-asked: it ends the call
                stat.reasks += 1

        def once() -> T:
            return client.chat.completions.create(response_model=response_model, max_retries=self.max_reasks, **kwargs)

        # A wrapper per call: its hooks count this call's tokens and re-asks only, even with --jobs threads.
        client = instructor.from_openai(self.client, mode=self.mode)
        client.on("completion:response", on_response)
        client.on("parse:error", on_parse_error)
        start = time.perf_counter()
        try:
            for attempt in Retrying(
                retry=retry_if_exception(lambda e: is_transient(e) and not self._cancelled.is_set()),
                stop=stop_after_attempt(self.attempts),
                wait=_Wait(self.backoff, 30.0),
                sleep=self._pause,
                reraise=True,
            ):
                with attempt:
                    if self._cancelled.is_set():
                        raise LLMError("cancelled")
                    stat.retries = attempt.retry_state.attempt_number - 1
                    result = once()
        except Exception as exc:
            raise self._translate(exc, step) from None
        finally:
            stat.latency_s = round(time.perf_counter() - start, 3)
        if self.cache:
            self.cache.put(key, result, stat)
        return result, stat

    def _translate(self, exc: BaseException, step: str) -> LLMError:
        if isinstance(exc, LLMError):
            return exc
        err = _root(exc)
        if isinstance(err, (openai.APIConnectionError, openai.APITimeoutError)):
            kind = "timed out" if isinstance(err, openai.APITimeoutError) else "is unreachable"
            return EndpointUnreachable(f"endpoint {self.base_url} {kind} after {self.attempts} attempts")
        if isinstance(err, openai.APIStatusError):
            return LLMError(f"endpoint {self.base_url} answered HTTP {err.status_code} during {step}: {_short(err)}")
        if isinstance(exc, InstructorRetryException):
            return BadModelOutput(
                f"the model's answer for {step} did not match the schema after {self.max_reasks} re-asks: {_short(err)}"
            )
        return LLMError(f"{step}: {type(err).__name__}: {_short(err)}")


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("..." if len(text) > 200 else "")
