"""Past one machine (issue #30, item 5), without Docker: two replicas of ``python app.py`` on loopback
ports behind the real HAProxy, configured by compose's own ``deploy/haproxy.cfg`` with only the
bind address and the server lines changed. A short class of Locust students through the balancer
(``benchmarks.classroom``): no errors, both replicas served, every student stayed on one replica
(the cookie); then one replica is killed and new students are all served by the other.

    python -m pytest tests/app/test_replicas.py -q      # needs Debian's haproxy (make test installs it)
"""

import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from showcase.core import children
from showcase.core.settings import ROOT

pytestmark = pytest.mark.slow

TABS = {"math.svd", "math.pca", "classic.ensembles", "vision.dcgan"}


def local_config(port: int, replicas: dict[str, str]) -> str:
    """deploy/haproxy.cfg with the frontend on 127.0.0.1:``port`` and ``replicas`` ({name: host:port})
    in place of the block between "# servers:" and "# end servers" (Docker's DNS there)."""
    text = (ROOT / "deploy" / "haproxy.cfg").read_text(encoding="utf-8")
    text, bound = re.subn(r"^(\s*)bind :\d+$", rf"\g<1>bind 127.0.0.1:{port}", text, flags=re.M)
    servers = "".join(f"    server {name} {address} check\n" for name, address in replicas.items())
    text, replaced = re.subn(r"^\s*# servers:.*?# end servers\n", servers, text, flags=re.M | re.S)
    assert bound == 1 and replaced == 1, "deploy/haproxy.cfg lost its bind line or its servers block"
    return text


def wait_for_port(port: int, process: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert process.poll() is None, "haproxy exited"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"haproxy did not listen on {port}")


@pytest.fixture()
def balanced(tmp_path):
    """Two app replicas and HAProxy in front; all stopped after the test."""
    from benchmarks import server

    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    assert Path(haproxy).is_file(), "install Debian's haproxy (make test does, as root)"
    apps = {}
    try:
        for name in ("one", "two"):
            apps[name] = server.start(env={"GRADIO_EXAMPLES_CACHE": str(tmp_path / name / "examples")},
                                      log=tmp_path / f"{name}.log")
        port = server.free_port()
        cfg = tmp_path / "haproxy.cfg"
        cfg.write_text(local_config(port, {n: a.url.removeprefix("http://") for n, a in apps.items()}), encoding="utf-8")
        balancer = children.Child([haproxy, "-db", "-f", str(cfg)], stdout=open(tmp_path / "haproxy.log", "w"),  # noqa: SIM115
                                  stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, balancer)
            yield f"http://127.0.0.1:{port}", apps
        finally:
            children.stop(balancer)
    finally:
        for app in apps.values():
            server.stop(app)


def class_through(url: str, students: int, seconds: float, work: Path) -> list[dict]:
    from benchmarks import classroom

    work.mkdir()
    result = classroom.drive(url, classroom.plan(TABS), students=students, seconds=seconds, pid=None, work=work, after=0)
    errors = [f"{r['api']}: {r['error']}" for r in result["records"] if r["error"]]
    assert not errors, errors[:5]
    return result["records"]


def test_two_replicas_behind_haproxy_keep_each_student_on_one_and_survive_losing_one(balanced, tmp_path):
    url, apps = balanced
    records = class_through(url, students=8, seconds=25, work=tmp_path / "class")
    by_student: dict[str, set[str]] = {}
    for r in records:
        by_student.setdefault(r["student"], set()).update(r["replicas"])
    assert all(len(seen) == 1 for seen in by_student.values()), by_student      # sticky: one replica each
    assert set().union(*by_student.values()) == {"one", "two"}, by_student      # and both served

    apps["one"].process.send_signal(signal.SIGKILL)          # a replica dies mid-lesson
    apps["one"].process.wait()
    after = class_through(url, students=4, seconds=12, work=tmp_path / "after")
    assert {r["student"] for r in after} and all(r["replicas"] == ["two"] for r in after), after[:3]
