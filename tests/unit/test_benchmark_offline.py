"""``benchmarks.offline.network_waits``: what the offline classroom test checks instead of a time
per call (issue #26, item 5). It must find huggingface_hub's own retry messages, as a Python with
the hub not set offline writes them to stderr (``http_backoff`` against a closed port of
127.0.0.1), and nothing in an app log without them."""

import os
import socket
import subprocess
import sys

from benchmarks import offline

TRY_TWICE = """
from huggingface_hub.utils import http_backoff
try:
    http_backoff("HEAD", "http://127.0.0.1:{port}/model.safetensors", max_retries=1, base_wait_time=0.01)
except Exception as exc:
    print(type(exc).__name__)
"""


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]    # closed again once the socket is: a connection is refused


def test_huggingface_hubs_retry_is_found_in_its_log():
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    run = subprocess.run([sys.executable, "-c", TRY_TWICE.format(port=closed_port())], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "ConnectError", run.stdout + run.stderr
    waits = offline.network_waits(run.stderr)
    assert any("Retrying in" in line for line in waits), run.stderr


def test_an_app_log_without_retries_has_no_waits():
    log = ("* Running on local URL:  http://127.0.0.1:7860\nhub unreachable (probe failed in 0.0 s): offline\n"
           "WARNING: Retry on the examples: none\n")
    assert offline.network_waits(log) == []
