"""`[[reports]]` and `[smtp]` are checked at start: a wrong key or value stops the program
naming the key and the file; a password is never written inline."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.config import ConfigError, load_config

REPORT = """
[[reports]]
name = "lighting-weekly"
view = "/lighting?range=7d"
cron = "0 7 * * mon"
user = "bao-cao"
"""
SMTP = """
[smtp]
host = "127.0.0.1"
from = "ioc@rachgia.gov.vn"
"""


def _load(tmp_path: Path, text: str) -> str:
    file = tmp_path / "cityops.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(file, env={})
    message = str(err.value)
    assert str(file) in message
    return message


def test_a_valid_report_loads(tmp_path: Path) -> None:
    file = tmp_path / "cityops.toml"
    file.write_text(SMTP + REPORT + 'email = ["a@rachgia.gov.vn"]\n', encoding="utf-8")
    config = load_config(file, env={})
    assert config.report("lighting-weekly").email == ("a@rachgia.gov.vn",)
    assert config.smtp is not None and config.smtp.sender == "ioc@rachgia.gov.vn"


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ('colour = "blue"\n', "reports.0.colour: unknown key"),
        ('email = ["a@rachgia.gov.vn"]\n', "configure [smtp]"),
        ('paper = "A5"\n', "reports.0.paper"),
        ('webhook = { url = "ftp://x" }\n', "reports.0.webhook.url"),
        ('webhook = { url = "https://x.vn", send = "link" }\n', "set [exports] base_url"),
    ],
)
def test_a_wrong_report_key_or_value_is_named(tmp_path: Path, extra: str, named: str) -> None:
    assert named in _load(tmp_path, REPORT + extra)


def test_a_wrong_view_or_cron_is_named(tmp_path: Path) -> None:
    message = _load(tmp_path, REPORT.replace("/lighting?", "/admin?").replace("0 7", "61 7"))
    assert "reports.0.view" in message and "reports.0.cron" in message


def test_the_smtp_password_is_never_inline(tmp_path: Path) -> None:
    text = SMTP + 'username = "ioc"\npassword = "hunter2"\n'
    message = _load(tmp_path, text)
    assert "smtp.password" in message and "never written inline" in message
    assert "hunter2" not in message
