"""E-mail over SMTP: STARTTLS or implicit TLS (certificates checked), optional login, one message per notice
with a plain-text and an HTML part (a digest is one message). The Message-ID comes from the delivery id, so
a resend after a crash is recognisably the same message. 4xx answers and network faults are retried; 5xx
answers are not (the server refuses for good)."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from wirewatch.connectors.deliver import render
from wirewatch.connectors.deliver.outcome import Outcome
from wirewatch.connectors.deliver.secrets import Secret
from wirewatch.notices import Notice

TLS_MODES = ("starttls", "implicit", "none")


@dataclass(frozen=True, slots=True)
class EmailSpec:
    host: str
    to: tuple[str, ...]
    sender: str
    port: int = 587
    tls: str = "starttls"
    username: str | None = None
    password: Secret | None = None
    timeout: float = 30.0
    ca_file: str | None = None

    @property
    def target(self) -> str:
        return f"smtp://{self.host}:{self.port} to {', '.join(self.to)}"


def message(spec: EmailSpec, notice: Notice, delivery_id: str, now: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = render.subject(notice)
    msg["From"] = spec.sender
    msg["To"] = ", ".join(spec.to)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<{delivery_id}@wirewatch>"
    msg.set_content(render.text(notice, mark=lambda s: f"«{s}»"))
    msg.add_alternative(render.as_html(notice), subtype="html")
    return msg


class EmailChannel:
    kind = "email"

    def __init__(self, name: str, spec: EmailSpec) -> None:
        self.name, self.spec = name, spec
        self.target = spec.target

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.spec.ca_file)

    async def deliver(self, notice: Notice, delivery_id: str, now: datetime) -> Outcome:
        return await asyncio.to_thread(self.send, message(self.spec, notice, delivery_id, now))

    def send(self, msg: EmailMessage) -> Outcome:
        s = self.spec
        started = time.monotonic()
        try:
            if s.tls == "implicit":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.tls == "starttls":
                    client.starttls(context=self._tls())
                if s.username and s.password is not None:
                    client.login(s.username, s.password.value)
                refused = client.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            text = _text(exc.smtp_error)
            state = "retry" if 400 <= exc.smtp_code < 500 else "failed"
            return Outcome(state, f"{self.target}: the server answered {exc.smtp_code} {text[:200]}")
        except smtplib.SMTPRecipientsRefused as exc:
            answers = {addr: f"{code} {_text(text)[:100]}" for addr, (code, text) in exc.recipients.items()}
            state = "retry" if all(400 <= code < 500 for code, _ in exc.recipients.values()) else "failed"
            return Outcome(state, f"{self.target}: every recipient refused: "
                                  + "; ".join(f"{a}: {t}" for a, t in sorted(answers.items())))
        except ssl.SSLCertVerificationError as exc:
            return Outcome("retry", f"{self.target}: TLS certificate failed verification: {exc.verify_message}")
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            return Outcome("retry", f"{self.target}: {type(exc).__name__}: {exc}"[:300])
        took = f"sent in {(time.monotonic() - started) * 1000:.0f} ms"
        if refused:
            return Outcome.ok(f"{took}; refused by the server: {', '.join(sorted(refused))}")
        return Outcome.ok(took)

    def close(self) -> None:
        pass


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
