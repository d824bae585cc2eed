"""Every error `summarise` raises on purpose, in one tree.

    SummariseError                 one line for the user; the CLI prints it and sets the exit code
    ├── InputError                 the article cannot be read: missing, empty, binary, undecodable, a directory
    ├── ConfigError                bad flags or environment, bad prompt file
    ├── ModelError                 the embedded model cannot be used
    │   └── ModelFileError         GGUF missing, incomplete or with the wrong sha256
    └── LLMError                   a call to the OpenAI-compatible endpoint failed for good
        ├── EndpointUnreachable    connection refused, DNS, timeouts after retries
        └── BadModelOutput         the model's answer did not validate after the allowed re-asks

Anything else escaping to the CLI is a bug. This module imports nothing else from the package.
"""

from __future__ import annotations


class SummariseError(Exception):
    """Base class; `str(err)` is a single line fit for standard error."""

    exit_code = 1


class InputError(SummariseError):
    pass


class ConfigError(SummariseError):
    exit_code = 2


class ModelError(SummariseError):
    pass


class ModelFileError(ModelError):
    pass


class LLMError(SummariseError):
    pass


class EndpointUnreachable(LLMError):
    pass


class BadModelOutput(LLMError):
    pass
