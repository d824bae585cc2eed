"""Prompts are files: `prompts/<name>.<version>.yaml`, checked by a pydantic model, rendered with `$vars`.

Every output records each prompt's name, version and sha256, so a result can always be traced to the
exact text that produced it. The article is only ever inserted between data delimiters.
"""

from __future__ import annotations

import hashlib
import os
import re
import string
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError
from .records import PromptRef

ARTICLE_OPEN = "<<<ARTICLE"
ARTICLE_CLOSE = "ARTICLE>>>"
_NAME = re.compile(r"^(?P<name>[a-z_]+)\.(?P<version>v\d+)\.yaml$")


class PromptFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z_]+$")
    version: str = Field(pattern=r"^v\d+$")
    description: str
    system: str
    user: str


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    sha256: str
    system: str
    user: str
    path: Path

    @property
    def ref(self) -> PromptRef:
        return PromptRef(name=self.name, version=self.version, sha256=self.sha256)

    def render(self, **variables: str) -> list[dict[str, str]]:
        try:
            user = string.Template(self.user).substitute(variables)
            system = string.Template(self.system).substitute(variables)
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"{self.path}: template variable {exc} not provided") from None
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def default_dir() -> Path:
    env = os.environ.get("SUMMARISE_PROMPTS_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "prompts", here / "prompts"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("prompts directory not found; set SUMMARISE_PROMPTS_DIR")


def load_file(path: Path) -> Prompt:
    m = _NAME.match(path.name)
    if not m:
        raise ConfigError(f"{path}: prompt files are named <name>.v<N>.yaml")
    raw = path.read_bytes()
    try:
        data = PromptFile.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"{path}: invalid prompt file: {first}") from None
    if (data.name, data.version) != (m["name"], m["version"]):
        raise ConfigError(f"{path}: name/version inside ({data.name}.{data.version}) differ from the file name")
    return Prompt(
        name=data.name,
        version=data.version,
        sha256=hashlib.sha256(raw).hexdigest(),
        system=data.system,
        user=data.user,
        path=path,
    )


def available(directory: Path | None = None) -> dict[str, list[str]]:
    """name -> versions, oldest first."""
    out: dict[str, list[str]] = {}
    for path in sorted((directory or default_dir()).glob("*.yaml")):
        m = _NAME.match(path.name)
        if m:
            out.setdefault(m["name"], []).append(m["version"])
    for versions in out.values():
        versions.sort(key=lambda v: int(v[1:]))
    return out


def load(name: str, version: str | None = None, directory: Path | None = None) -> Prompt:
    """Load `name` at `version`, or the newest version that exists."""
    directory = directory or default_dir()
    versions = available(directory).get(name)
    if not versions:
        raise ConfigError(f"no prompt named {name!r} in {directory}")
    if version is None:
        version = versions[-1]
    if version not in versions:
        raise ConfigError(f"prompt {name!r} has no version {version} (have: {', '.join(versions)})")
    return load_file(directory / f"{name}.{version}.yaml")


def delimit(text: str) -> str:
    """Put article text between delimiters, neutralising any delimiter the article itself contains."""
    cleaned = text.replace(ARTICLE_OPEN, "<<ARTICLE").replace(ARTICLE_CLOSE, "ARTICLE>>")
    return f"{ARTICLE_OPEN}\n{cleaned}\n{ARTICLE_CLOSE}"
