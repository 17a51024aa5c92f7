"""Mail over SMTP (`[smtp]`): the one sender scheduled reports and alert e-mails go through.

Bounded by `[smtp] timeout_s`; the password is read when a message is sent. Errors are the
standard library's (`OSError`, `smtplib.SMTPException`): callers decide what a failure means.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from dashboard.config_exports import SmtpConfig

__all__ = ["new_message", "send_message"]

# Headers folded at RFC 5322's hard limit (998), not its 78-character advice: the standard
# library's folding of a long subject that mixes ASCII and encoded words drops the spaces
# between them ("· Rạch Giá" arrives as "·RạchGiá").
_POLICY = policy.default.clone(max_line_length=998)


def new_message(smtp: SmtpConfig, to: Sequence[str], subject: str) -> EmailMessage:
    """A message from `[smtp] from` to `to`, dated now, with a Message-ID of the sender's
    domain; the caller sets its content."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rsplit("@", 1)[-1])
    return message


def send_message(smtp: SmtpConfig, message: EmailMessage) -> None:
    """Send `message` through the `[smtp]` server (TLS as configured, login when given)."""
    password = smtp.password.read() if smtp.password is not None else None
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=smtp.timeout_s, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if smtp.username is not None and password is not None:
            client.login(smtp.username, password)
        client.send_message(message)
