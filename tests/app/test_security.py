"""Nothing outside the app's own folders is served: the known Gradio path-traversal shapes, the
upload route, the size limit, and the routes that must stay off in a public app."""

import json
import os
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from showcase.core.settings import ROOT

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
    """SSRF: /proxy= only forwards to Hugging Face Spaces this app loaded; never to localhost."""
    for target in ("http://127.0.0.1:22/", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"):
        response = httpx.get(f"{app_url.rstrip('/')}/gradio_api/proxy={target}", timeout=10)
        assert response.status_code != 200 or "root:x" not in response.text, target


def test_the_openai_key_from_the_environment_is_not_in_the_page_config(app_url):
    secret = os.environ.get("OPENAI_API_KEY")
    body = json.dumps(httpx.get(f"{app_url.rstrip('/')}/config", timeout=30).json())
    assert "sk-" not in body and (not secret or secret not in body)
