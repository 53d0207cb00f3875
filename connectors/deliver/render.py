"""A notice as people read it: an e-mail subject, plain text, HTML, and the text Slack and Mattermost
incoming webhooks show. The headline, the rule and severity, the evidence sentences with the matched words
marked, countries and regions, and the link; a digest or summary lists its entries the same way."""

from __future__ import annotations

import html
from typing import Callable

from wirewatch.notices import Notice
from wirewatch.records import Alert, Evidence

Mark = Callable[[str], str]


def marked(evidence: Evidence, mark: Mark, escape: Callable[[str], str] = lambda s: s) -> str:
    """The sentence with each marked range wrapped by ``mark``; the rest passed through ``escape``."""
    out, at = [], 0
    for start, end in evidence.marks:
        if start < at:
            continue
        out += [escape(evidence.text[at:start]), mark(escape(evidence.text[start:end]))]
        at = end
    out.append(escape(evidence.text[at:]))
    return "".join(out)


def _where(alert: Alert) -> str:
    return " · ".join(part for part in (", ".join(alert.countries), ", ".join(alert.regions)) if part)


def _heading(notice: Notice) -> str:
    if notice.kind == "alert" and notice.alert is not None:
        return ""
    if notice.kind == "escalation":
        return f"Escalation: {notice.reason}"
    noun = "summary" if notice.kind == "summary" else "digest"
    return f"{notice.reason[:1].upper()}{notice.reason[1:]} ({notice.count} in this {noun})"


def subject(notice: Notice) -> str:
    a = notice.alert
    if notice.kind == "alert" and a is not None:
        return f"[{a.severity}] {a.rule}: {a.title}"[:200]
    if notice.kind == "escalation" and a is not None:
        return f"[{a.severity}] escalation {a.rule}: {a.title}"[:200]
    return f"wirewatch {notice.kind}: {notice.count} alert(s) for {notice.subscriber}"


def _alert_text(alert: Alert, mark: Mark) -> list[str]:
    lines = [f"[{alert.severity}] {alert.rule}: {alert.title}"]
    lines += [f"  > {marked(e, mark)}" for e in alert.evidence]
    where = _where(alert)
    if where:
        lines.append(f"  {where}")
    if alert.url:
        lines.append(f"  {alert.url}")
    return lines


def _entries(notice: Notice, one: Callable[[Notice], list[str]]) -> list[str]:
    lines = []
    for entry in notice.entries:
        lines += one(entry)
    if notice.more:
        lines.append(f"… and {notice.more} more")
    return lines


def text(notice: Notice, mark: Mark = lambda s: f"*{s}*") -> str:
    """Plain text (``mark`` = ``*word*``, which Slack and Mattermost show in bold)."""

    def one(n: Notice) -> list[str]:
        head = [f"Escalation: {n.reason}"] if n.kind == "escalation" else []
        return head + (_alert_text(n.alert, mark) if n.alert is not None else [n.reason])

    heading = _heading(notice)
    lines = [heading] if heading else []
    if notice.alert is not None:
        lines += _alert_text(notice.alert, mark)
    lines += _entries(notice, one)
    return "\n".join(lines) + "\n"


def _alert_html(alert: Alert) -> str:
    e = html.escape
    parts = [f"<h3>[{e(alert.severity)}] {e(alert.rule)}: {e(alert.title)}</h3>"]
    parts += [f"<blockquote>{marked(ev, lambda s: f'<mark>{s}</mark>', e)}</blockquote>" for ev in alert.evidence]
    where = _where(alert)
    if where:
        parts.append(f"<p>{e(where)}</p>")
    if alert.url:
        parts.append(f'<p><a href="{e(alert.url, quote=True)}">{e(alert.url)}</a></p>')
    return "\n".join(parts)


def as_html(notice: Notice) -> str:
    e = html.escape
    body = []
    heading = _heading(notice)
    if heading:
        body.append(f"<h2>{e(heading)}</h2>")
    if notice.alert is not None:
        body.append(_alert_html(notice.alert))
    for entry in notice.entries:
        if entry.kind == "escalation":
            body.append(f"<p><b>Escalation:</b> {e(entry.reason)}</p>")
        body.append(_alert_html(entry.alert) if entry.alert is not None else f"<p>{e(entry.reason)}</p>")
    if notice.more:
        body.append(f"<p>… and {notice.more} more</p>")
    return "<!doctype html>\n<html><body>\n" + "\n".join(body) + "\n</body></html>\n"
