"""A fault-injecting, OpenAI-compatible server for tests: real HTTP on 127.0.0.1, scripted answers.

Why a server and not an httpx mock transport: the faults that matter (a refused or dropped connection, a
read timeout, a 429 with Retry-After) live in the HTTP client, the openai SDK and instructor together, and
only real sockets exercise all three the way a production endpoint does. It also works for the CLI in a
subprocess, where no mock can reach.

A *script* is a function from the parsed request JSON to an action:

    Completion(content)          200, an OpenAI chat.completion (with usage) whose message is `content`
    Status(429, {"Retry-After": "0"})   an HTTP error with headers and an OpenAI-style error body
    Delay(2.0, then=action)      wait (interrupted when the server stops), then do `then`
    Drop(b'{"id": "chatc')       send headers promising more, write these bytes, close the socket

`sequence(a, b, c)` plays actions in order and repeats the last; `ScriptedModel` answers the two pipeline
steps deterministically from the article the request carries.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Completion:
    content: str
    prompt_tokens: int = 50
    completion_tokens: int = 20


@dataclass(frozen=True)
class Status:
    code: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "scripted failure"


@dataclass(frozen=True)
class Delay:
    seconds: float
    then: Step | None = None


@dataclass(frozen=True)
class Drop:
    """Headers with a Content-Length the body never reaches, then a closed socket."""

    partial: bytes = b'{"id": "chatcmpl-fake", "object": "chat.com'


Action = Completion | Status | Delay | Drop
Script = Callable[[dict[str, Any]], Action]
Step = Action | Script  # where an action is expected, a script may answer instead (e.g. "then the model")


def completion(obj: Any, **kw: int) -> Completion:
    """A completion whose content is `obj` as JSON (what a well-behaved model returns)."""
    return Completion(json.dumps(obj), **kw)


def malformed() -> Completion:
    """A model that stopped mid-answer: content that is not JSON at all."""
    return Completion('{"events": [{"event_type": "air_defence_inter')


def resolve(step: Step, body: dict[str, Any]) -> Action:
    return step if isinstance(step, Completion | Status | Delay | Drop) else step(body)


def sequence(*steps: Step) -> Script:
    """Play `steps` one per request, in order; the last repeats. Thread-safe."""
    lock = threading.Lock()
    played = [0]

    def script(body: dict[str, Any]) -> Action:
        with lock:
            i = min(played[0], len(steps) - 1)
            played[0] += 1
        return resolve(steps[i], body)

    return script


def chat_completion(content: str, model: str, prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: a drop never poisons a pooled socket

    def log_message(self, *_: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(400, {"error": {"message": "request body is not JSON", "type": "invalid_request_error"}})
            return
        fake = self.server.fake
        fake._enter(body)
        try:
            self._act(fake.script(body), body)
        finally:
            fake._leave()

    def _act(self, action: Action | None, body: dict[str, Any]) -> None:
        if isinstance(action, Delay):
            if self.server.fake.stopping.wait(action.seconds):
                return  # server stopping: just close
            if action.then is None:
                return
            action = resolve(action.then, body)
        if isinstance(action, Completion):
            payload = chat_completion(
                action.content, body.get("model", "fake"), action.prompt_tokens, action.completion_tokens
            )
            self._send(200, payload)
        elif isinstance(action, Status):
            kind = "rate_limit_error" if action.code == 429 else "server_error" if action.code >= 500 else "bad_request"
            self._send(action.code, {"error": {"message": action.message, "type": kind}}, action.headers)
        elif isinstance(action, Drop):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(action.partial) + 500))
            self.end_headers()
            self.wfile.write(action.partial)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
        else:
            raise TypeError(f"not an action: {action!r}")

    def _send(self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeServer


class FakeServer:
    """`with FakeServer(script) as srv:` listens on 127.0.0.1 at a free port; `srv.base_url` ends in /v1.

    Counts what it saw: `requests` (parsed bodies, in arrival order), `count`, and `max_in_flight`, the
    most requests it was handling at the same moment (how a test sees concurrency).
    """

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def _enter(self, body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(body)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


# --- a deterministic model for the two pipeline steps ----------------------------------------------------------

_BLOCK = re.compile(r"<<<ARTICLE\n(.*)\nARTICLE>>>", re.S)
_NUMBERED = re.compile(r"^\[(\d+)\] (.*)$", re.M)
_PLACE = re.compile(r"\b(?:over|in|near|on) (?:the )?([A-Z][a-z]+(?:[- ][A-Z][a-z]+)?)")
_COUNT = re.compile(r"(?<![\w.:])(\d{1,5})(?![\w:])")
_CLAIMANT = re.compile(r"([A-ZА-Я][a-zа-я]+ [A-ZА-Я][a-zа-я]+),? (?:said|wrote|reported|told|сообщил|заявил)")
_DRONE = re.compile(r"drone|беспилот|дрон", re.I)


def step_of(body: dict[str, Any]) -> str:
    """'events' or 'claims': from the response schema's name, else from the prompt text."""
    fmt = body.get("response_format") or {}
    name = str((fmt.get("json_schema") or {}).get("name", "")) + str(
        ((fmt.get("json_schema") or {}).get("schema") or {}).get("title", "")
    )
    if "EventList" in name:
        return "events"
    if "EventDetail" in name:
        return "claims"
    text = first_user_message(body)
    if "List each real event" in text:
        return "events"
    if "They describe one event" in text:
        return "claims"
    return "unknown"


def first_user_message(body: dict[str, Any]) -> str:
    """The prompt as the pipeline wrote it; instructor's re-asks append messages after it."""
    for m in body.get("messages", []):
        if m.get("role") == "user":
            content = m.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def article_block(body: dict[str, Any]) -> str:
    m = _BLOCK.search(first_user_message(body))
    return m.group(1) if m else ""


def numbered_sentences(body: dict[str, Any]) -> list[tuple[int, str]]:
    """The `[n] sentence` lines of an events request."""
    return [(int(n), s) for n, s in _NUMBERED.findall(article_block(body))]


def plain_sentences(body: dict[str, Any]) -> list[str]:
    """The sentence lines of a claims request."""
    return [line for line in article_block(body).split("\n") if line.strip()]


def default_events(sents: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """One interception event resting on the sentences that mention a drone (at most 4), English or Russian."""
    hits = [(n, s) for n, s in sents if _DRONE.search(s)]
    if not hits:
        return []
    place = next((m.group(1) for _, s in hits for m in [_PLACE.search(s)] if m), "")
    return [event_dict([n for n, _ in hits][:4], place)]


def event_dict(sentences: list[int], place: str, event_type: str = "air_defence_interception") -> dict[str, Any]:
    return {"event_type": event_type, "place": place, "region": "", "country": "", "when": "", "sentences": sentences}


def default_claims(sents: list[str]) -> dict[str, Any]:
    """The first sentence with a count and a drone: that count, intercepted, quoted whole."""
    figures = []
    for i, s in enumerate(sents):
        counts = [m for m in _COUNT.finditer(s) if not 1900 <= int(m.group(1)) <= 2100]
        if counts and _DRONE.search(s):
            near = " ".join(sents[i : i + 2])
            who = _CLAIMANT.search(near)
            at = max(0, counts[0].start() - 40)
            figures.append(
                {
                    "measure": "drones_intercepted",
                    "value": int(counts[0].group(1)),
                    "claimant": who.group(1) if who else "",
                    "channel": "",
                    "quote": s if len(s) <= 160 else s[at : at + 120],  # a long sentence: the words around it
                }
            )
            break
    return {"actors": [], "weapons": [], "figures": figures}


class ScriptedModel:
    """A script that answers `events` and `claims` like a small, obedient model, and counts the calls.

    `events(numbered_sentences) -> list[event dict]` and `claims(sentences) -> detail dict` can be swapped
    for a test's own behaviour (a compromised model, an empty answer); `delay` slows every answer.
    """

    def __init__(
        self,
        events: Callable[[list[tuple[int, str]]], list[dict[str, Any]]] = default_events,
        claims: Callable[[list[str]], dict[str, Any]] = default_claims,
        delay: float = 0.0,
    ) -> None:
        self.events = events
        self.claims = claims
        self.delay = delay
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Action:
        step = step_of(body)
        with self._lock:
            self.calls[step] += 1
        if step == "events":
            action: Action = completion({"events": self.events(numbered_sentences(body))})
        elif step == "claims":
            action = completion(self.claims(plain_sentences(body)))
        else:
            action = Status(400, message="the scripted model knows only the events and claims steps")
        return Delay(self.delay, then=action) if self.delay else action
