"""Nothing outside the app's own folders is served: the known Gradio path-traversal shapes, the
upload route, the size limit, and the routes that must stay off in a public app."""

import json
import os
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from showcase.core.settings import ROOT
from tests.capture import Capture

pytestmark = pytest.mark.slow
SECRET_FILES = ["/etc/passwd", "/proc/self/environ", str(ROOT / "app.py"), str(ROOT / ".git" / "config"),
                str(ROOT / "requirements.txt")]


def leaked(response: httpx.Response) -> bool:
    text = response.text
    return response.status_code == 200 and any(m in text for m in ("root:x:0:0", "PATH=", "import gradio",
                                                                  "[core]", "torch=="))


def traversal_paths():
    for target in SECRET_FILES:
        yield f"/gradio_api/file={target}"
        yield f"/gradio_api/file={quote(target, safe='')}"
        yield f"/file={target}"                                   # the pre-4 route
        yield f"/gradio_api/file/{target.lstrip('/')}"
    for up in ("../" * 8, "..%2F" * 8, "%2e%2e/" * 8, "..%252F" * 8, "....//" * 8, "..\\" * 8):
        yield f"/gradio_api/file={up}etc/passwd"
        yield f"/gradio_api/file=/tmp/gradio/{up}etc/passwd"       # CVE-2023-51449: from inside the cache
        yield f"/static/{up}etc/passwd"
        yield f"/assets/{up}etc/passwd"
        yield f"/gradio_api/file/{up}etc/passwd"


@pytest.mark.parametrize("path", list(traversal_paths()))
def test_no_file_outside_the_app_is_served(app_url, path):
    response = httpx.get(app_url.rstrip("/") + path, timeout=10)
    assert not leaked(response), f"{path} served {response.text[:80]!r}"


def test_cve_2024_1561_component_server_cannot_copy_a_file_into_the_cache(app_url):
    config = httpx.get(f"{app_url.rstrip('/')}/config", timeout=30).json()
    ids = [c["id"] for c in config["components"] if c.get("type") in ("image", "audio", "file", "video")][:3]
    assert ids
    for component_id in ids:
        for route in ("/gradio_api/component_server", "/component_server"):
            answer = httpx.post(app_url.rstrip("/") + route, timeout=10, json={
                "component_id": component_id, "data": "/etc/passwd", "fn_name": "move_resource_to_block_cache",
                "session_hash": "probe"})
            assert "root:x:0:0" not in answer.text
            if answer.status_code == 200 and isinstance(answer.json(), str):
                copied = httpx.get(f"{app_url.rstrip('/')}/gradio_api/file={answer.json()}", timeout=10)
                assert not leaked(copied), "move_resource_to_block_cache copied /etc/passwd"


def test_an_upload_named_like_a_path_stays_in_gradio_s_folder(app_url):
    answer = httpx.post(f"{app_url.rstrip('/')}/gradio_api/upload", timeout=30,
                        files={"files": ("../../../../tmp/evil.txt", b"hello", "text/plain")})
    assert answer.status_code == 200, answer.text
    stored = Path(answer.json()[0])
    assert stored.name == "evil.txt" and ".." not in stored.parts and not Path("/tmp/evil.txt").exists()


def test_an_upload_over_max_file_size_is_refused(app_url, monkeypatch):
    from showcase.core.settings import settings

    too_big = (settings().max_file_mb + 1) * 1024 * 1024
    answer = httpx.post(f"{app_url.rstrip('/')}/gradio_api/upload", timeout=60,
                        files={"files": ("big.bin", b"\0" * too_big, "application/octet-stream")})
    assert answer.status_code == 413, answer.status_code


@pytest.mark.parametrize("path", ["/gradio_api/monitoring/guess", "/monitoring/guess", "/monitoring/summary",
                                  "/gradio_api/vibe-code", "/gradio_api/profiling/traces"])
def test_dashboards_and_editors_are_not_open(app_url, path):
    response = httpx.get(app_url.rstrip("/") + path, timeout=10)
    assert response.status_code in (401, 403, 404, 405), (path, response.status_code, response.text[:120])


def test_the_monitoring_page_is_off(app_url):
    """Gradio's monitoring is on unless launch() says otherwise; its summary route has no key."""
    for path in ("/monitoring", "/gradio_api/monitoring", "/monitoring/summary"):
        response = httpx.get(app_url.rstrip("/") + path, timeout=10)
        assert response.status_code in (403, 404), (path, response.status_code)


def test_proxy_route_does_not_fetch_arbitrary_urls(app_url):
    """SSRF: /proxy= only forwards to Hugging Face Spaces this app loaded; never to localhost. A
    service of the test's own on 127.0.0.1 tells whether anything reached it, where an SSH banner
    or a cloud's metadata reply could not be recognised by any marker."""
    with Capture() as local:
        port = local.url.split(":")[2].split("/")[0]
        for target in (local.url + "/secret", f"http://localhost:{port}/secret", f"http://[::ffff:127.0.0.1]:{port}/",
                       "http://127.0.0.1:22/", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"):
            response = httpx.get(f"{app_url.rstrip('/')}/gradio_api/proxy={target}", timeout=10)
            # only a Space's reply may come back: anything the proxy fetched from elsewhere is a 200
            assert response.status_code in (400, 403, 404), (target, response.status_code, response.text[:120])
        assert not local.requests, local.text()[:300]


# --- keys: set before the app starts, as an owner sets them (issue 25.1, 25.2) --------------------

OWNER_KEY = "sk-owner-NEVER-LEAVES-a1b2c3d4e5f6"
SHOWCASE_KEY = "sk-showcase-v1-f6e5d4c3b2a1"


@pytest.fixture(scope="module")
def keyed_app(tmp_path_factory):
    """``python app.py`` in its own process with the three key settings in its environment from
    the start, the owner's base URL a capture server; yields (url, owner's capture)."""
    from benchmarks import server

    with Capture() as owners:
        env = {"OPENAI_API_KEY": OWNER_KEY, "OPENAI_BASE_URL": owners.url, "SHOWCASE_API_KEY": SHOWCASE_KEY}
        with server.served(env, log=tmp_path_factory.mktemp("keyed") / "app.log") as app:
            yield app.url, owners


def test_the_owners_key_never_reaches_a_base_url_a_visitor_typed(keyed_app):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url, owners = keyed_app
    client = Client(url, verbose=False, ssl_verify=False)
    with Capture() as theirs:
        with pytest.raises(AppError, match="No API key"):
            client.predict("hi", [], "", "pydoc-gpt", theirs.url, "", 0.8, 0.95, 5, api_name="/chat")
        with pytest.raises(AppError, match="No API key"):
            client.predict("hi", [], "", "pydoc-gpt", theirs.url + "/", "", 0.8, 0.95, 5, api_name="/chat")
    assert OWNER_KEY not in theirs.text() and SHOWCASE_KEY not in theirs.text()
    # the control, which shows the app did read the key: the owner's base URL gets it
    with pytest.raises(AppError, match="refused the API key"):
        client.predict("hi", [], "", "pydoc-gpt", owners.url, "", 0.8, 0.95, 5, api_name="/chat")
    assert f"Bearer {OWNER_KEY}" in owners.text()


def test_v1_wants_showcase_api_key_when_set_and_the_tab_still_works(keyed_app):
    from gradio_client import Client

    url, _ = keyed_app
    body = {"model": "pydoc-gpt", "messages": [{"role": "user", "content": "The"}], "max_tokens": 2}
    for headers in ({}, {"Authorization": "Bearer local"}, {"Authorization": f"Bearer {OWNER_KEY}"}):
        for answer in (httpx.get(f"{url}/v1/models", headers=headers, timeout=30),
                       httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers, timeout=30)):
            assert answer.status_code == 401, (headers, answer.status_code)
            assert answer.json()["error"]["code"] == "invalid_api_key" and SHOWCASE_KEY not in answer.text
    assert httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {SHOWCASE_KEY}"}, timeout=30).json()["data"]
    # the tab's own calls to /v1 send the key, and the tab says a key is wanted
    metrics = Client(url, verbose=False, ssl_verify=False).predict("The", [], "", "pydoc-gpt", "", "", 0, 1, 3,
                                                                    api_name="/chat")[-1]
    assert metrics["completion_tokens"] >= 1
    assert shown_keys(url) >= {"chat.v1_locked"} and "chat.v1_open" not in shown_keys(url)


def test_v1_is_open_without_showcase_api_key_and_the_tab_says_so(app_url):
    assert not os.environ.get("SHOWCASE_API_KEY")
    assert httpx.get(f"{app_url.rstrip('/')}/v1/models", timeout=30).status_code == 200   # no Authorization at all
    assert "chat.v1_open" in shown_keys(app_url) and "chat.v1_locked" not in shown_keys(app_url)


def shown_keys(url: str) -> set[str]:
    """The chat tab's /v1 notes that the page's components show (the translation table in the
    config holds every note; a component's value names the one it shows)."""
    config = httpx.get(f"{url.rstrip('/')}/config", timeout=30).json()
    values = [str(c.get("props", {}).get("value")) for c in config["components"]]
    return {k for k in ("chat.v1_open", "chat.v1_locked") if any(k in v for v in values)}


def test_no_key_from_the_environment_is_in_the_page_config(keyed_app):
    url, _ = keyed_app
    body = json.dumps(httpx.get(f"{url}/config", timeout=30).json())
    assert OWNER_KEY not in body and SHOWCASE_KEY not in body and OWNER_KEY[-8:] not in body
