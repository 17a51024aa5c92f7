"""`[alerts]` outbound keys are validated at start: a wrong key or value is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.config import ConfigError, load_config


def _load(tmp_path: Path, text: str) -> None:
    file = tmp_path / "cityops.toml"
    file.write_text(text, encoding="utf-8")
    load_config(file, env={})


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        (
            '[[alerts.webhooks]]\nname = "a"\nurl = "https://h.example"\nsecret = { env = "S" }\nurll = "x"',
            "alerts.webhooks.0.urll: unknown key",
        ),
        (
            '[[alerts.webhooks]]\nname = "a"\nurl = "https://h.example"\nsecret = "inline"',
            "alerts.webhooks.0.secret",
        ),
        (
            '[[alerts.webhooks]]\nname = "a"\nurl = "ftp://h"\nsecret = { env = "S" }',
            "alerts.webhooks.0.url",
        ),
        (
            '[[alerts.webhooks]]\nname = "a"\nurl = "https://h.example"\nsecret = { env = "S" }\nevents = ["opend"]',
            "alerts.webhooks.0.events.0",
        ),
        (
            '[[alerts.email]]\nname = "m"\nto = ["a@b.example"]\nmin_severity = "huge"',
            "alerts.email.0.min_severity",
        ),
        ('[[alerts.email]]\nname = "m"\nto = ["a@b.example"]', "configure [smtp]"),
        ("[alerts.cap]\npublik = true", "alerts.cap.publik: unknown key"),
    ],
)
def test_a_wrong_key_is_named_with_the_file(tmp_path: Path, toml: str, named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, toml)
    assert named in str(caught.value)
    assert str(tmp_path / "cityops.toml") in str(caught.value)


def test_the_example_config_loads(tmp_path: Path) -> None:
    example = Path(__file__).parents[2] / "cityops.toml.example"
    config = load_config(example, env={})
    assert config.alerts.cap.public
