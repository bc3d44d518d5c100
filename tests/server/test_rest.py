"""The REST API against the planted synthetic catalog (rules brain): grounded items, auth and
isolation, feedback, limits, health, metrics."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from recpilot.agent.agent import Agent
from recpilot.server.testing import ADMIN_KEY as ADMIN
from recpilot.server.testing import ALICE_KEY as ALICE
from recpilot.server.testing import BOB_KEY as BOB
from recpilot.server.testing import bearer_header as auth


def test_session_turn_returns_grounded_items_and_continues(
    make_app: Callable[..., FastAPI], agent: Agent
) -> None:
    with TestClient(make_app()) as client:
        r = client.post("/v1/sessions", json={"message": "comedy please"}, headers=auth(ALICE))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["session_id"] and body["turn_id"] and body["degraded"] is False
        assert body["items"], body["reply"]
        by_id = {
            i.item_id: i for i in agent.catalog.get_items([x["item_id"] for x in body["items"]])
        }
        for card in body["items"]:
            item = by_id[card["item_id"]]  # every recommended id is a catalog id
            assert card["title"] == item.title
            assert card["labels"] == item.attributes["genres"] and "Comedy" in card["labels"]
            assert card["time"] == item.attributes["year"]
            assert card["reason"]
        sid = body["session_id"]
        r2 = client.post(
            f"/v1/sessions/{sid}/messages",
            json={"message": "more like the first one"},
            headers=auth(ALICE),
        )
        assert r2.status_code == 200, r2.text
        assert r2.json()["session_id"] == sid and r2.json()["turn_id"] != body["turn_id"]
        first = body["items"][0]["title"]
        assert body["items"][0]["item_id"] not in [c["item_id"] for c in r2.json()["items"]]
        assert any(f"similar to {first}" in c["reason"] for c in r2.json()["items"])
        view = client.get(f"/v1/sessions/{sid}", headers=auth(ALICE)).json()
        assert [t["message"] for t in view["turns"]] == ["comedy please", "more like the first one"]
        assert view["user_id"] == "u1"


def test_auth_required_and_users_isolated(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app()) as client:
        assert client.post("/v1/sessions", json={"message": "drama"}).status_code == 401
        bad = client.post("/v1/sessions", json={"message": "drama"}, headers=auth("nope" * 5))
        assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
        sid = client.post("/v1/sessions", json={"message": "drama"}, headers=auth(BOB)).json()[
            "session_id"
        ]
        # alice's key may not read, continue, or give feedback in bob's session, nor touch his profile
        assert client.get(f"/v1/sessions/{sid}", headers=auth(ALICE)).status_code == 403
        cont = client.post(
            f"/v1/sessions/{sid}/messages", json={"message": "x"}, headers=auth(ALICE)
        )
        assert cont.status_code == 403 and cont.json()["error"]["type"] == "forbidden"
        fb = {"item_id": "i1", "kind": "like", "session_id": sid}
        assert client.post("/v1/feedback", json=fb, headers=auth(ALICE)).status_code == 403
        for method, path in (
            ("GET", "/v1/users/u2/profile"),
            ("GET", "/v1/users/u2/export"),
            ("DELETE", "/v1/users/u2"),
        ):
            assert client.request(method, path, headers=auth(ALICE)).status_code == 403, path
        assert (
            client.post(
                "/v1/sessions", json={"message": "x", "user_id": "u2"}, headers=auth(ALICE)
            ).status_code
            == 403
        )
        # bob's data is intact and bob (and the admin) can read it
        assert client.get(f"/v1/sessions/{sid}", headers=auth(BOB)).status_code == 200
        assert client.get(f"/v1/sessions/{sid}", headers=auth(ADMIN)).status_code == 200
        assert client.get("/v1/users/u2/profile", headers=auth(ADMIN)).status_code == 200


def test_anonymous_only_when_enabled(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(allow_anonymous=True, anonymous_user="u5")) as client:
        r = client.post("/v1/sessions", json={"message": "horror"})
        assert r.status_code == 200
        assert client.get(f"/v1/sessions/{r.json()['session_id']}").json()["user_id"] == "u5"
        assert client.get("/v1/users/u1/profile").status_code == 403


def test_feedback_profile_export_delete(make_app: Callable[..., FastAPI], agent: Agent) -> None:
    with TestClient(make_app()) as client:
        sid = client.post("/v1/sessions", json={"message": "romance"}, headers=auth(ALICE)).json()[
            "session_id"
        ]
        liked = "i10"
        r = client.post(
            "/v1/feedback",
            json={"item_id": liked, "kind": "like", "session_id": sid},
            headers=auth(ALICE),
        )
        assert r.status_code == 200, r.text
        assert liked in client.get(f"/v1/sessions/{sid}", headers=auth(ALICE)).json()["liked"]
        profile = client.get("/v1/users/u1/profile", headers=auth(ALICE)).json()
        assert liked in str(profile)
        unknown = client.post(
            "/v1/feedback", json={"item_id": "nope", "kind": "like"}, headers=auth(ALICE)
        )
        assert unknown.status_code == 404
        bad_kind = client.post(
            "/v1/feedback", json={"item_id": liked, "kind": "love"}, headers=auth(ALICE)
        )
        assert bad_kind.status_code == 422
        exported = client.get("/v1/users/u1/export", headers=auth(ALICE)).json()
        assert sid in str(exported) and liked in str(exported)
        gone = client.delete("/v1/users/u1", headers=auth(ALICE))
        assert gone.status_code == 200
        assert client.get(f"/v1/sessions/{sid}", headers=auth(ALICE)).status_code == 404


def test_recommend_with_filters_and_search(make_app: Callable[..., FastAPI], agent: Agent) -> None:
    with TestClient(make_app(max_items=20)) as client:
        filters = {
            "include": {"genres": ["Horror"]},
            "ranges": {"year": {"min": 1990, "max": 2010}},
        }
        r = client.post("/v1/recommend", json={"n": 7, "filters": filters}, headers=auth(ALICE))
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert 0 < len(items) <= 7
        assert all("Horror" in c["labels"] and 1990 <= c["time"] <= 2010 for c in items)
        # u1's catalog history is never recommended back
        history = set(agent.catalog.query("SELECT item_id FROM interactions WHERE user_id = 'u1'"))
        assert not {(c["item_id"],) for c in items} & history
        assert client.post("/v1/recommend", json={"n": 21}, headers=auth(ALICE)).status_code == 422
        wrong = client.post(
            "/v1/recommend",
            json={"filters": {"include": {"genres": ["Horor"]}}},
            headers=auth(ALICE),
        )
        assert wrong.status_code == 400 and "Horror" in wrong.json()["error"]["message"]
        s = client.post(
            "/v1/items/search",
            json={"include": {"genres": ["Western"]}, "limit": 5},
            headers=auth(ALICE),
        )
        assert s.status_code == 400  # 8 clusters: Action..Thriller; no Western in this catalog
        s = client.post(
            "/v1/items/search",
            json={"include": {"genres": ["Drama"]}, "limit": 5},
            headers=auth(ALICE),
        )
        expected = agent.catalog.query(
            "SELECT count(*) FROM items WHERE list_contains(genres, 'Drama')"
        )[0][0]
        assert s.json()["total"] == expected and len(s.json()["items"]) == 5
        one = client.get("/v1/items/i3", headers=auth(ALICE)).json()
        assert one["title"] == agent.catalog.get_item("i3").title  # type: ignore[union-attr]
        assert client.get("/v1/items/zzz", headers=auth(ALICE)).status_code == 404
        sim = client.get("/v1/items/i3/similar?n=4", headers=auth(ALICE)).json()["items"]
        assert len(sim) == 4 and "i3" not in [c["item_id"] for c in sim]


def test_limits_are_clear_4xx(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(max_message_chars=50, max_body_bytes=2000)) as client:
        long = client.post("/v1/sessions", json={"message": "x" * 51}, headers=auth(ALICE))
        assert long.status_code == 413 and "limit is 50" in long.json()["error"]["message"]
        huge = client.post("/v1/sessions", content=b"{" + b" " * 5000 + b"}", headers=auth(ALICE))
        assert huge.status_code == 413 and "2000 bytes" in huge.json()["error"]["message"]
        empty = client.post("/v1/sessions", json={"message": ""}, headers=auth(ALICE))
        assert empty.status_code == 422
        extra = client.post("/v1/sessions", json={"message": "hi", "bogus": 1}, headers=auth(ALICE))
        assert extra.status_code == 422 and "bogus" in extra.json()["error"]["message"]


def test_health_ready_metrics_request_id(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app()) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json()["status"] == "ready"
        r = client.post(
            "/v1/sessions",
            json={"message": "sci-fi"},
            headers={**auth(ALICE), "X-Request-ID": "abc-123"},
        )
        assert r.headers["x-request-id"] == "abc-123"
        assert len(client.get("/healthz").headers["x-request-id"]) == 16
        text = client.get("/metrics", headers=auth(ADMIN)).text
        assert 'recpilot_turns_total{degraded="false",surface="rest"} 1' in text
        assert "recpilot_turn_seconds_count" in text and "recpilot_queue_depth 0" in text
        assert 'route="/v1/sessions",status="200"' in text
        schema = client.get("/openapi.json").json()
        assert {"/v1/sessions", "/v1/recommend", "/v1/chat/completions", "/v1/feedback"} <= set(
            schema["paths"]
        )


def test_not_ready_answers_503(make_app: Callable[..., FastAPI], agent: Agent) -> None:
    from recpilot.server import ServerSettings, create_app

    app = create_app(
        ServerSettings(dataset="no-such-dataset", allow_anonymous=True, mcp_http=False)
    )
    with TestClient(app) as client:
        app.state.recpilot.loaded.wait(30)
        r = client.get("/readyz")
        assert r.status_code == 503 and "no-such-dataset" in r.json()["error"]
        turn = client.post("/v1/sessions", json={"message": "hi"})
        assert turn.status_code == 503 and turn.headers["retry-after"] == "2"
