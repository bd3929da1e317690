"""What a notification says: a delivery's payload as a short title and text for a person
(email, ntfy, chat), where a webhook receiver gets the JSON itself."""

from __future__ import annotations

from typing import Any

_EVENT_WORDS = {
    "episode.created": "needs attention",
    "episode.escalated": "now an alert",
    "episode.resolved": "settled",
    "episode.withdrawn": "withdrawn",
    "summary.weekly": "week in review",
    "plan.at_risk": "a planned run is at risk",
}


def message(payload: dict[str, Any], public_url: str | None) -> tuple[str, str]:
    """(title, text): who and what in the title; the headline sentence (an episode), the
    check's sentence (a planned run at risk) or the summary's lines (a week), then a link to
    the athlete's page when the server's address is known."""
    event = str(payload.get("event", ""))
    athlete = payload.get("athlete") or {}
    name = str(athlete.get("name", "an athlete"))
    words = _EVENT_WORDS.get(event, event)
    if event.startswith("episode."):
        episode = payload.get("episode") or {}
        title = f"loadwatch: {name}, {words} ({episode.get('severity', '')})"
        lines = [str(episode.get("headline", ""))]
    elif event == "plan.at_risk":
        planned = payload.get("planned") or {}
        title = f"loadwatch: {name}, {words} ({planned.get('date', '')})"
        lines = [str(planned.get("sentence", ""))]
    else:
        title = f"loadwatch: {name}, {words} from {payload.get('week', '')}"
        lines = [str(line) for line in payload.get("lines", [])]
    if public_url and "id" in athlete:
        lines.append(f"{public_url.rstrip('/')}/#athlete={athlete['id']}")
    return title, "\n".join(lines)
