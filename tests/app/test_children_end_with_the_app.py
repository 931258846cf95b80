"""Nothing the app started outlives it when it is killed outright (issue #25, item 4).

``python app.py`` runs in a process of its own, marked by an environment variable that every process
it starts inherits. Through ``gradio_client`` it starts the long-lived children (the REST tab's
gunicorn and its worker, Piper, TensorFlow's worker), runs the tabs whose processes end with their
run (torchrun's DDP processes, the serverless tab's functions-framework), and starts a Flower run (its worker and Ray's raylet, GCS and workers);
while that run is under way the app gets SIGKILL, as from the out-of-memory killer, which runs no
handler and no atexit. Every process seen below the app while it ran, and every process that
carries the mark, must be gone soon after. SIGTERM, Ctrl-C and a normal exit are covered, more
cheaply, by tests/unit/core/test_children.py; that every process the app starts is a
``children.Child`` is checked there too (torchrun, the TensorFlow workers, functions-framework and
the traced quantization rows are started the same way).
"""

import os
import signal
import time
import uuid

import psutil
import pytest

from pages.deploy.serverless import API

pytestmark = pytest.mark.slow
MARK = "SHOWCASE_CHILDREN_TEST"


def marked(mark: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get(MARK) == mark:
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return found


def alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE    # is_running compares start times
    except psutil.NoSuchProcess:
        return False


def test_every_process_the_app_started_ends_when_the_app_is_killed(tmp_path):
    from benchmarks import server

    mark = uuid.uuid4().hex
    started = time.monotonic()
    app = server.start({MARK: mark}, log=tmp_path / "app.log")
    phases = {"app start": time.monotonic() - started}
    seen: dict[int, psutil.Process] = {}
    names: dict[int, str] = {}

    def record() -> str:
        for p in psutil.Process(app.pid).children(recursive=True):
            try:
                seen.setdefault(p.pid, p)
                names[p.pid] = " ".join(p.cmdline())[:160]   # the latest: a fork shows its parent's until exec
            except psutil.NoSuchProcess:
                pass
        return "\n".join(names.values())

    try:
        # and the one start-up line that says where the ratings go (issue #25, item 5)
        assert "run-time data (the listening test's ratings) in " in (tmp_path / "app.log").read_text()
        client = server.connect(app.url)
        *_, metrics = client.predict("classifier", 1, 16, api_name="/rest_api_demo")
        assert metrics["errors"] == 0 and "gunicorn" in record()
        phases["rest_api_demo"] = time.monotonic() - started - sum(phases.values())
        client.predict("Piper starts once and stays.", "piper", False, api_name="/synthesize")
        assert "-m piper" in record()
        phases["piper"] = time.monotonic() - started - sum(phases.values())
        client.predict("tf_function", 1, 5, api_name="/graph_mode")     # TensorFlow's worker starts and stays
        assert "tf_worker" in record()
        phases["tensorflow"] = time.monotonic() - started - sum(phases.values())

        def watched(*args, api_name):   # the processes of a run that ends before the kill: seen while it runs
            job = client.submit(*args, api_name=api_name)
            while not job.done():
                record()
                time.sleep(0.1)
            return job.result()

        watched(2, 4, 16, 0.05, "float64", api_name="/ddp_train")
        watched(*API["serverless_demo"], api_name="/serverless_demo")
        assert "torch.distributed.run" in record() and "functions-framework" in record()
        phases["ddp, serverless"] = time.monotonic() - started - sum(phases.values())
        # the cheapest Flower run there is; the app is killed while Ray is up, long before it ends
        job = client.submit(2, 3, 1.0, 1.0, 1.0, 1e-5, "iid", api_name="/dp_federated")
        deadline = time.monotonic() + 240
        while "raylet" not in record() and time.monotonic() < deadline and not job.done():
            time.sleep(0.25)
        assert "raylet" in record(), (job.status(), names)
        time.sleep(1.0)
        record()
        phases["flower until ray"] = time.monotonic() - started - sum(phases.values())
    finally:
        os.kill(app.pid, signal.SIGKILL)
    # not reaped until the end: reaping a children.Child (as server.start makes the app) also kills
    # what is left of its process group, and would hide the leftovers this test looks for
    while psutil.Process(app.pid).status() != psutil.STATUS_ZOMBIE:
        time.sleep(0.05)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        left = [p for p in seen.values() if alive(p)] + [p for p in marked(mark) if p.pid not in seen]
        if not left:
            break
        time.sleep(0.2)
    phases["all gone"] = time.monotonic() - started - sum(phases.values())
    print({k: round(v, 1) for k, v in phases.items()}, f"{len(seen)} processes seen")
    for p in left:                                    # the test leaves nothing behind either way
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    app.process.wait(30)
    assert not left, "outlived the app: " + "; ".join(names.get(p.pid) or str(p.pid) for p in left)
    kinds = ("gunicorn", "-m piper", "tf_worker", "torch.distributed.run", "functions-framework",
             "dp_federated_worker", "raylet", "gcs_server")
    assert [k for k in kinds if not any(k in n for n in names.values())] == [], names
