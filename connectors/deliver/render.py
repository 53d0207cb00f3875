"""A notice as people read it: an e-mail subject, plain text, HTML, and the text Slack and Mattermost
incoming webhooks show. The headline, the rule and severity, the evidence sentences with the matched words
marked, countries and regions, and the link; a digest or summary lists its entries the same way."""

from __future__ import annotations

import html
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Style:
    """How each part of an alert is written: its headline, an evidence sentence, where, and its link."""

    head: Callable[[Alert], str]
    quote: Callable[[Evidence], str]
    place: Callable[[str], str]
    link: Callable[[str], str]


def _parts(alert: Alert, style: _Style) -> list[str]:
    parts = [style.head(alert), *(style.quote(e) for e in alert.evidence)]
    where = _where(alert)
    if where:
        parts.append(style.place(where))
    if alert.url:
        parts.append(style.link(alert.url))
    return parts


def _alert_text(alert: Alert, mark: Mark) -> list[str]:
    return _parts(alert, _Style(lambda a: f"[{a.severity}] {a.rule}: {a.title}", lambda e: f"  > {marked(e, mark)}",
                                lambda w: f"  {w}", lambda u: f"  {u}"))


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
    return "\n".join(_parts(alert, _Style(
        lambda a: f"<h3>[{e(a.severity)}] {e(a.rule)}: {e(a.title)}</h3>",
        lambda ev: f"<blockquote>{marked(ev, lambda s: f'<mark>{s}</mark>', e)}</blockquote>",
        lambda w: f"<p>{e(w)}</p>",
        lambda u: f'<p><a href="{e(u, quote=True)}">{e(u)}</a></p>',
    )))


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
