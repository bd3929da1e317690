"""Notification channels over the API: any signed-in user registers Apprise URLs, sees them
back with their secrets masked, only their own; unsafe targets are a 422 problem; channels and
webhooks are listed apart."""

from __future__ import annotations

from support.api_env import API, Env

MAIL = "mailtos://coach:hunter22@hooks.example?to=coach@example.org"


def test_channels_are_masked_owner_only_and_apart_from_webhooks(env: Env) -> None:
    made = env.client.post(f"{API}/notifications", json={"url": MAIL}, headers=env.coach)
    assert made.status_code == 201, made.text
    channel = made.json()
    assert channel["service"] == "email" and channel["active"] is True
    assert "hunter22" not in channel["url"] and channel["url"].startswith("mailtos://coach:")
    listed = env.client.get(f"{API}/notifications", headers=env.coach).json()
    assert [c["id"] for c in listed["data"]] == [channel["id"]] and listed["count"] == 1
    # Not a webhook, and nobody else's.
    assert env.client.get(f"{API}/webhooks", headers=env.coach).json()["data"] == []
    assert env.client.get(f"{API}/notifications", headers=env.admin).json()["data"] == []
    other = env.client.delete(f"{API}/notifications/{channel['id']}", headers=env.admin)
    assert other.status_code == 404
    hook_path = env.client.delete(f"{API}/webhooks/{channel['id']}", headers=env.coach)
    assert hook_path.status_code == 404
    gone = env.client.delete(f"{API}/notifications/{channel['id']}", headers=env.coach)
    assert gone.status_code == 200 and gone.json()["id"] == channel["id"]
    assert env.client.get(f"{API}/notifications", headers=env.coach).json()["data"] == []


def test_an_athlete_registers_their_own_channel(env: Env) -> None:
    r = env.client.post(
        f"{API}/notifications", json={"url": "ntfys://ann-training"}, headers=env.athlete_user
    )
    assert r.status_code == 201, r.text
    assert r.json()["service"] == "ntfy"


def test_unsafe_or_unknown_targets_are_refused_with_a_problem(env: Env) -> None:
    for url, words in [
        ("json://hooks.example/x", "must be encrypted"),
        ("jsons://169.254.169.254/x", "metadata"),
        ("gopher://example.org/", "supported services"),
        ("ntfys://localhost/t", "loopback"),
    ]:
        r = env.client.post(f"{API}/notifications", json={"url": url}, headers=env.coach)
        assert r.status_code == 422, url
        assert r.headers["content-type"].startswith("application/problem+json")
        assert words in r.json()["detail"], (url, r.json())


def test_the_weekly_summary_is_set_per_athlete(env: Env) -> None:
    path = f"{API}/athletes/{env.athlete_id}"
    assert env.client.get(path, headers=env.coach).json()["weekly_summary"] is False
    r = env.client.patch(path, json={"weekly_summary": True}, headers=env.coach)
    assert r.status_code == 200 and r.json()["weekly_summary"] is True
    assert (
        env.client.patch(path, json={"weekly_summary": None}, headers=env.coach).status_code == 422
    )
