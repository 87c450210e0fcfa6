"""Every operation of the OpenAPI document, called by a key of another tenant with tenant A's real ids: no answer
tells B anything of A's (issue 15, "a test walks every OpenAPI path with a second key").

Key A creates what the API lets a client create: a job from an upload (so results, series and plots), and
outcomes on it and without it. Then B (a tenant of its own) and a key from the settings call every path and
method the app's own ``/openapi.json`` lists, path parameters filled with A's ids (every value of an enum
parameter), query parameters with A's ids where their name asks for one, bodies naming A's job where their
schema has a ``job_id``. For each call:

* an operation with a path parameter answers 404, and a list answers an empty page;
* the answer, A's ids in it swapped for stand-ins that name nothing, is word for word the answer to the same
  call made with the stand-ins: B cannot even tell A's ids from made-up ones;
* no answer holds any of A's data that B did not send itself: job id, series ids, file name, notes, scores.

A new operation in the document is walked without a change here, unless it takes a body of a kind this file
cannot build: then the walk fails naming it. Last, a colleague of A (same tenant) walks the same paths and
sees A's job everywhere: sharing on purpose, and proof that the walk reaches the data it looks for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import make_settings, tenant_keys, wait_done

from detector.service.app import create_app

MARK = "qz7north"  # in every id and text of A's, so a leak of any of them is found by one search
SERIES = {"feeder-0001": f"{MARK}-feeder-0001", "feeder-0006": f"{MARK}-feeder-0006"}
FILENAME = f"{MARK}-upload.parquet"
NOTES = (f"{MARK}: 500 S19s behind the substation", f"{MARK}: a bakery, not rigs")
ENV_KEY = "dk_settings-key-for-the-walk"
METHODS = ("get", "post", "put", "patch", "delete")
UNKNOWN_JOB = "0" * 32  # a stand-in for A's job id, of the same shape, that names nothing


@dataclass
class TenantA:
    """What key A created, and every piece of it that must not reach another tenant."""

    job_id: str
    series: list[str]
    secrets: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Call:
    """One request of the walk; ``sent`` are the values of A's it carries (B may see those echoed)."""

    method: str
    path: str  # as in the document
    url: str
    params: dict[str, str]
    kwargs: dict[str, Any]
    sent: frozenset[str]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, feeders: pd.DataFrame) -> Iterator[dict[str, Any]]:
    settings = make_settings(tmp_path_factory.mktemp("walk"), api_keys=[ENV_KEY])
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        keys = {**tenant_keys(app.state.store), "env": ENV_KEY}
        a = {"X-API-Key": keys["a"]}
        frame = feeders[feeders.series_id.isin(list(SERIES))].assign(series_id=lambda f: f.series_id.map(SERIES))
        r = c.post(
            "/v1/jobs",
            files={"file": (FILENAME, frame.to_parquet(index=False))},
            data={"peers": "none"},
            headers=a,
        )
        assert r.status_code == 202, r.text
        job = wait_done(c, r.json()["id"], keys["a"])
        assert job["state"] == "done", job
        assert job["counts"]["failed"] == 0, job
        tenant_a = TenantA(job["id"], list(SERIES.values()))
        first = SERIES["feeder-0001"]
        outcomes = [
            {"series_id": first, "outcome": "mining", "job_id": job["id"], "note": NOTES[0]},
            {"series_id": f"{MARK}-meter-9", "outcome": "not_mining", "note": NOTES[1]},
        ]
        for body in outcomes:
            assert c.post("/v1/outcomes", json=body, headers=a).status_code == 201
        rows = c.get(f"/v1/jobs/{job['id']}/results", headers=a).json()["items"]
        scores = {repr(row["score"]) for row in rows if len(repr(row["score"])) >= 10}  # enough digits to be A's
        tenant_a.secrets = {job["id"], MARK, *tenant_a.series, FILENAME, *NOTES, *scores}
        yield {"client": c, "keys": keys, "a": tenant_a, "doc": c.get("/openapi.json").json()}


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every operation in the document, reading ones first.

    Reading first: B's own upload (a POST) would otherwise appear in B's job list.
    """
    ops = [(m, path, op) for path, item in doc["paths"].items() for m, op in item.items() if m in METHODS]
    return sorted(ops, key=lambda o: (o[0] != "get", o[1], o[0]))


def _ids_for(name: str, a: TenantA) -> list[str]:
    """A's values for a parameter or field of this name ([] for a name that holds no id of A's)."""
    return {"job_id": [a.job_id], "series_id": a.series}.get(name, [])


def _schema(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _enum(doc: dict[str, Any], param: dict[str, Any]) -> list[str]:
    schema = _schema(doc, param.get("schema", {}))
    options = [schema, *schema.get("anyOf", [])]
    return [str(v) for s in options for v in _schema(doc, s).get("enum", [])]


def _bodies(doc: dict[str, Any], op: dict[str, Any], path: str, a: TenantA) -> list[tuple[dict[str, Any], set[str]]]:
    """Request bodies for an operation: (httpx keyword arguments, A's values in them)."""
    content = op.get("requestBody", {}).get("content", {})
    if not content:
        return [({}, set())]
    bodies: list[tuple[dict[str, Any], set[str]]] = []
    for media, spec in content.items():
        if media == "application/json":
            schema = _schema(doc, spec.get("schema", {}))
            body = dict((schema.get("examples") or [{}])[0])
            sent: set[str] = set()
            if "job_id" in schema.get("properties", {}):  # a body that names a job (outcomes): A's, with A's series
                body = {**body, "job_id": a.job_id, "series_id": a.series[0]}
                sent = {a.job_id, a.series[0]}
            bodies.append(({"json": body}, sent))
        elif media == "text/csv":  # the document's own example
            headers = {"Content-Type": media}
            bodies.append(({"content": str(spec.get("example", "")).encode(), "headers": headers}, set()))
        elif media == "multipart/form-data":  # an upload: B's own small file, nothing of A's
            csv = b"series_id,timestamp,load\nb-meter,2024-01-01T00:00:00Z,1.0\n"
            bodies.append(({"files": {"file": ("b.csv", csv)}, "data": {"unit": "kW"}}, set()))
        else:
            raise AssertionError(f"{path}: no body of type {media} this walk can build; teach _bodies")
    return bodies


def _calls(doc: dict[str, Any], a: TenantA) -> Iterator[Call]:
    """Every request of the walk: each operation with each filling of its parameters by A's values."""
    for method, path, op in _operations(doc):
        params = op.get("parameters", [])
        fills: list[tuple[str, dict[str, str], set[str]]] = [(path, {}, set())]
        for p in (p for p in params if p["in"] == "path"):
            values = _ids_for(p["name"], a) or _enum(doc, p)
            assert values, f"{method.upper()} {path}: no value of A's for path parameter {p['name']!r}"
            sent_for = set(_ids_for(p["name"], a))
            fills = [
                (url.replace("{" + p["name"] + "}", v), q, sent | ({v} & sent_for))
                for url, q, sent in fills
                for v in values
            ]
        queries: list[tuple[dict[str, str], set[str]]] = [({}, set())]
        for p in (p for p in params if p["in"] == "query"):
            queries += [({p["name"]: v}, {v}) for v in _ids_for(p["name"], a)]
            queries += [({p["name"]: v}, set()) for v in _enum(doc, p)]
        for url, _, path_sent in fills:
            for query, query_sent in queries:
                for kwargs, body_sent in _bodies(doc, op, path, a):
                    sent = frozenset(path_sent | query_sent | body_sent)
                    yield Call(method.upper(), path, url, query, kwargs, sent)


def _unknown(text: str, a: TenantA) -> str:
    """``text`` with every id of A's swapped for a stand-in that names nothing (job first: ids are disjoint)."""
    text = text.replace(a.job_id, UNKNOWN_JOB)
    for sid in a.series:
        text = text.replace(sid, sid.replace(MARK, "nobodys"))
    return text


def _send(client: TestClient, call: Call, key: str, swap: TenantA | None = None) -> Any:
    """Send ``call`` with ``key``; ``swap``: with that tenant's ids replaced by stand-ins that name nothing."""

    def f(s: str) -> str:
        return _unknown(s, swap) if swap is not None else s

    url, params = f(call.url), {k: f(v) for k, v in call.params.items()}
    kwargs = json.loads(f(json.dumps(call.kwargs))) if "json" in call.kwargs else dict(call.kwargs)
    headers = {"X-API-Key": key, **kwargs.pop("headers", {})}
    return client.request(call.method, url, params=params, headers=headers, **kwargs)


@pytest.mark.parametrize("outsider", ["b", "env"])
def test_another_tenant_learns_nothing_on_any_operation(service: dict[str, Any], outsider: str) -> None:
    c, a, key = service["client"], service["a"], service["keys"][outsider]
    walked: set[tuple[str, str]] = set()
    n = 0
    for call in _calls(service["doc"], a):
        where = f"{outsider}: {call.method} {call.url} {call.params}"
        r = _send(c, call, key)
        n += 1
        walked.add((call.method, call.path))
        assert r.status_code < 500, (where, r.text)
        leaked = [s for s in a.secrets - call.sent if s in r.text]
        if call.sent:  # sent A's values: the answer is the one to ids that do not exist, word for word
            leaked = [s for s in leaked if s != MARK]  # the mark is part of every id sent
            twin = _send(c, call, key, swap=a)
            assert (r.status_code, _unknown(r.text, a)) == (twin.status_code, twin.text), where
        assert not leaked, (where, leaked, r.text[:500])
        if "{" in call.path or (call.path == "/v1/outcomes" and call.method == "POST"):
            assert r.status_code == 404, (where, r.status_code, r.text[:300])
        elif call.method == "GET" and isinstance(body := _json(r), dict) and "items" in body:
            assert (body["items"], body["total"]) == ([], 0), where
    listed = {(m.upper(), p) for m, p, _ in _operations(service["doc"])}
    assert walked == listed
    assert any("{job_id}" in p for _, p in walked)
    assert ("POST", "/v1/outcomes") in walked
    assert n >= 20, n


def _json(r: Any) -> Any:
    try:
        return r.json()
    except ValueError:
        return None


def test_a_colleague_of_the_same_tenant_sees_a_s_job_on_every_path(service: dict[str, Any]) -> None:
    """The same walk with key A2 (tenant "north", like A): 200 wherever A's job is named, A's data in the answer."""
    c, a, key = service["client"], service["a"], service["keys"]["a2"]
    seen = 0
    for call in _calls(service["doc"], a):
        if call.method != "GET":
            continue
        r = c.get(call.url, params=call.params, headers={"X-API-Key": key})
        assert r.status_code < 500, (call, r.text)
        if "{job_id}" in call.path:
            assert r.status_code == 200, (call.url, call.params, r.text[:300])
            seen += 1
    assert seen >= 4 * len(a.series)  # job, results (JSON and CSV), series, three plots
    h = {"X-API-Key": key}
    assert a.job_id in [j["id"] for j in c.get("/v1/jobs", headers=h).json()["items"]]
    assert sorted(o["note"] for o in c.get("/v1/outcomes", headers=h).json()["items"]) == sorted(NOTES)
