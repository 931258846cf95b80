"""SHOWCASE_API_KEY on the SageMaker-style service (issue 25.2): wanted beyond loopback when set,
in OpenAI's 401 shape; open when unset, and on 127.0.0.1 (the REST tab's own service).

The app is called in-process (``fastapi.testclient``), as a worker would build it from its
environment: no server listens beyond loopback in a test."""

import pytest
from fastapi.testclient import TestClient

from showcase.deploy import rest_service

KEY = "sk-serve-0123456789abcdef"
RIGHT = {"Authorization": f"Bearer {KEY}"}
WRONG = [{}, {"Authorization": "Bearer local"}, {"Authorization": KEY}, {"Authorization": f"Bearer {KEY[:-1]}"},
         {"Authorization": f"Basic {KEY}"}]


def worker(monkeypatch, host: str | None, key: str | None) -> TestClient:
    """The app a gunicorn worker builds after ``serve --host <host>`` (no lifespan: the model
    does not load, so /invocations answers 503 once it is let in)."""
    for name, value in (("SHOWCASE_SERVE_HOST", host), ("SHOWCASE_API_KEY", key)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return TestClient(rest_service.app_from_env())


def let_in(answer) -> bool:
    return answer.status_code != 401


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", None])   # None: run without serve(), host unknown
def test_beyond_loopback_the_key_is_wanted(monkeypatch, host):
    client = worker(monkeypatch, host, KEY)
    for headers in WRONG:
        for answer in (client.post("/invocations", content=b"x", headers={"Content-Type": "image/png", **headers}),
                       client.get("/execution-parameters", headers=headers)):
            assert answer.status_code == 401, (host, headers, answer.status_code)
            error = answer.json()["error"]
            assert error["type"] == "invalid_request_error" and error["code"] == "invalid_api_key"
            assert set(error) == {"message", "type", "param", "code"} and KEY not in answer.text
    assert let_in(client.get("/execution-parameters", headers=RIGHT))
    assert client.post("/invocations", content=b"x", headers={"Content-Type": "image/png", **RIGHT}).status_code == 503
    assert client.get("/ping").status_code == 503    # a health check sends no key: still answered (loading)


@pytest.mark.parametrize("host, key", [("127.0.0.1", KEY), ("::1", KEY), ("localhost", KEY), ("0.0.0.0", None)])
def test_on_loopback_or_without_a_key_it_is_open(monkeypatch, host, key):
    client = worker(monkeypatch, host, key)
    assert client.get("/execution-parameters").status_code == 200
    assert client.post("/invocations", content=b"x", headers={"Content-Type": "image/png"}).status_code == 503


def test_serve_tells_its_workers_the_host(monkeypatch):
    """gunicorn's workers learn the bound host from the environment ``serve`` leaves them."""
    seen = {}

    def fake_exec(path, argv):
        seen.update(argv=argv, host=rest_service.os.environ.get("SHOWCASE_SERVE_HOST"))
        raise SystemExit

    monkeypatch.setattr(rest_service.os, "execv", fake_exec)
    monkeypatch.setattr(rest_service.os, "environ", dict(rest_service.os.environ))
    with pytest.raises(SystemExit):
        rest_service.serve("classifier", host="0.0.0.0", port=18080, workers=1)
    assert seen["host"] == "0.0.0.0" and "0.0.0.0:18080" in seen["argv"]
