"""TensorFlow in a process of its own, spoken to in JSON lines.

The app never imports TensorFlow: imported before torch's triton it makes torch crash, and it
costs over a gigabyte and seconds to import (the worker reports its ``import_s``). A tab that needs it starts ``python -m
<its worker module>`` once, on first use, and keeps it. One request per line goes to the worker's
stdin; on stdout the worker says ``{"ready": version, "import_s": s}`` once, then for each request
any number of ``{"progress": fraction, "text": ...}`` lines and one ``{"result": ...}`` or
``{"error": ...}``. Arrays travel as ``.npy``/``.npz`` files in the worker's folder.

Both sides live here: ``serve_tensorflow(handle)`` is a worker's main loop, and
``TensorFlowWorker`` is the app's end, subclassed by each tab for its own requests
(``showcase.frameworks.graph_mode``, ``showcase.optimize.tflite_worker``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Callable

from showcase.core import children
from showcase.core.errors import InputError
from showcase.core.settings import ROOT

Say = Callable[[float, str], None]


def tensorflow_installed() -> bool:
    """Whether TensorFlow can be found, without importing it (the import is the worker's)."""
    return importlib.util.find_spec("tensorflow") is not None


# --- the worker's side (TensorFlow, no torch) -------------------------------------------------

def serve_tensorflow(handle: Callable[[dict, Say], dict]) -> None:
    """Import TensorFlow, say ready, then answer every request line with ``handle(request, say)``."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # fd 1 now points at stderr: nothing TensorFlow or absl prints can corrupt the protocol
    started = time.perf_counter()
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
    except Exception as exc:  # noqa: BLE001 - reported to the app, which says TensorFlow is unavailable
        out.write(json.dumps({"error": f"TensorFlow could not be imported: {type(exc).__name__}: {exc}"}) + "\n")
        return
    out.write(json.dumps({"ready": tf.__version__, "import_s": round(time.perf_counter() - started, 2)}) + "\n")

    def say(fraction: float, text: str) -> None:
        out.write(json.dumps({"progress": fraction, "text": text}) + "\n")

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if request.get("quit"):
                return
            out.write(json.dumps({"result": handle(request, say)}) + "\n")
        except Exception as exc:  # noqa: BLE001 - one bad request must not end the worker
            out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}",
                                  "traceback": traceback.format_exc(limit=3)}) + "\n")


# --- the app's side (no TensorFlow) -----------------------------------------------------------

class TensorFlowWorker:
    """One long-lived worker process; requests one at a time (hold ``lock`` while preparing one)."""

    module = ""                       # the worker's module, run as ``python -m module``
    unavailable = InputError          # raised, with a message for the user, when it cannot serve
    missing = "TensorFlow is not installed here."
    start_timeout = 240.0             # s: importing TensorFlow on a busy 2-core machine
    call_timeout = 600.0

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.lock = threading.RLock()
        self.folder = Path(tempfile.mkdtemp(prefix=f"showcase-{self.module.rsplit('.', 1)[-1]}-"))
        self.log = self.folder / "worker.log"
        self.version = None
        self.import_s = None

    def _read(self, timeout: float) -> dict:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not line:
            self.stop()
            raise self.unavailable(f"The TensorFlow worker did not answer within {timeout:.0f} s.")
        if not line[0]:
            tail = self.log.read_text(errors="replace")[-400:] if self.log.exists() else ""
            self.stop()
            raise self.unavailable(f"The TensorFlow worker exited. Its last words: {tail.strip() or '(none)'}")
        return json.loads(line[0])

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        if not tensorflow_installed():
            raise self.unavailable(self.missing)
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        with open(self.log, "ab") as log:
            self.process = children.Child([sys.executable, "-m", self.module], cwd=ROOT, env=env, text=True,
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        hello = self._read(self.start_timeout)
        if "error" in hello:
            self.stop()
            raise self.unavailable(f"TensorFlow is unavailable here. {hello['error']}")
        self.version, self.import_s = hello["ready"], hello["import_s"]

    def request(self, payload: dict, say: Say, span: tuple[float, float] = (0.0, 1.0)) -> dict:
        """Send ``payload`` and return the result, passing progress on to ``say`` within ``span``."""
        with self.lock:
            self.start()
            self.process.stdin.write(json.dumps(payload) + "\n")
            self.process.stdin.flush()
            low, high = span
            while True:
                message = self._read(self.call_timeout)
                if "progress" in message:
                    say(low + (high - low) * message["progress"], message["text"])
                elif "error" in message:
                    raise self.unavailable(f"TensorFlow failed: {message['error']}")
                else:
                    return dict(message["result"], worker_import_s=self.import_s)

    def stop(self) -> None:
        if self.process is not None:
            children.stop(self.process, grace=0)
            self.process = None
