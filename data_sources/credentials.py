"""Credentials in a connector's settings: named where they live, never written inline.

A key that holds a secret (`api_key`, `password`, an HTTP bearer token) takes a table naming
its place, exactly one of an environment variable or a file:

    api_key = { env = "RG_OPEN311_KEY" }
    password = { file = "/etc/cityops/mqtt.password" }

An inline string is refused at start with the way to write it, so a secret never sits in a
config file that is shared, printed or committed. The value is read when the connector first
uses it (constructors stay pure); a variable that is unset or a file that cannot be read raises
`CredentialError` naming the variable or the path, never the value.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["CredentialError", "Secret"]

_INLINE = (
    "a credential is never written inline: give where it lives, "
    '{ env = "VARIABLE" } or { file = "/path/to/file" }'
)


class CredentialError(Exception):
    """A credential that could not be read; the message names its place, not its value."""


class Secret(BaseModel):
    """Where a credential lives: `env` (a variable's name) or `file` (a path), exactly one.

    A plain strict model (not a `ConnectorSettings`, which lives beside the connector base):
    `dashboard.config` uses it too (the `[smtp]` password), and must not import the
    connector base, which imports the config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="before")
    @classmethod
    def _not_inline(cls, data: Any) -> Any:
        if isinstance(data, str):
            raise ValueError(_INLINE)
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.env is None) == (self.file is None):
            raise ValueError('give exactly one of env = "VARIABLE" or file = "/path"')
        if self.env is not None and not self.env:
            raise ValueError("env names no variable")
        return self

    @property
    def where(self) -> str:
        """The place, for messages: `environment variable X` or `file /p`."""
        return f"environment variable {self.env}" if self.env else f"file {self.file}"

    def read(self) -> str:
        """The credential, stripped of surrounding whitespace (a file's final newline)."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise CredentialError(f"environment variable {self.env} is not set")
        else:
            assert self.file is not None
            try:
                value = self.file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise CredentialError(f"cannot read credential file {self.file}: {why}") from None
        value = value.strip()
        if not value:
            raise CredentialError(f"{self.where} holds an empty credential")
        return value
