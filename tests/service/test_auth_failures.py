"""Failed authentication is rate-limited per client address: after N wrong keys, 429 with Retry-After (issue 15)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from service_harness import make_settings

from detector.service.app import create_app


def test_wrong_keys_from_one_address_are_throttled_and_other_addresses_are_not(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, auth_fail_limit=3, auth_fail_window_seconds=60, run_worker=False))
    with (
        TestClient(app, client=("203.0.113.7", 4000)) as guesser,
        TestClient(app, client=("198.51.100.2", 4000)) as colleague,
    ):
        good = app.state.store.create_key("t")
        revoked = app.state.store.create_key("old")
        app.state.store.revoke_key(app.state.store.find_key(revoked).id)
        assert guesser.get("/v1/models").status_code == 401  # no key at all: not a guess, not counted
        codes = [guesser.get("/v1/models", headers={"X-API-Key": k}).status_code for k in ("x1", revoked, "x3")]
        assert codes == [401, 403, 401]
        r = guesser.get("/v1/models", headers={"X-API-Key": "x4"})
        assert r.status_code == 429
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["retry-after"] == "20"  # one more guess per 60 s / 3
        assert r.json()["detail"] == "too many requests with a wrong API key from this address (at most 3 per 60 s)"
        assert guesser.get("/v1/models", headers={"X-API-Key": good}).status_code == 429  # locked out meanwhile
        assert colleague.get("/v1/models", headers={"X-API-Key": "y1"}).status_code == 401
        assert colleague.get("/v1/models", headers={"X-API-Key": good}).status_code == 200
        assert guesser.get("/healthz").status_code == 200  # outside /v1: no key, no limit
