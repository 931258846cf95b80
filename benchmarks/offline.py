"""The offline classroom: the app in a network namespace with only loopback, every tab's first example.

The script runs itself again under ``unshare --net`` (root, util-linux), where the only network
interface is ``lo``, brought up here without ``ip``. Inside, it starts ``python app.py`` with no
``SHOWCASE_OFFLINE`` or ``HF_HUB_OFFLINE`` set, as a teacher would, so the app must find out by
itself that the hub cannot be reached (one short probe, ``showcase.core.models``) rather than wait
on retries. Then each tab's main call with its first example goes through ``gradio_client`` on the
loopback: it must answer, within a bound that a network retry would break (not a speed claim),
and its metrics should name the model that served.

    sudo python -m benchmarks.offline             # writes benchmarks/OFFLINE.md
    python -m benchmarks.offline --json out.json  # also the rows as JSON (tests/app/test_offline.py)
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "OFFLINE.md"
CALL_LIMIT_S = 120   # transformers alone retries an unreachable hub for ~25 s a file
# What huggingface_hub's http_backoff logs before each sleep between tries (WARNING, to stderr):
# a wait on the network, whatever the machine's speed. The report's CALL_LIMIT_S is a time, which
# a busy machine can pass on its own; the test checks the log instead.
NETWORK_WAIT = re.compile(r"Retrying in [\d.]+s|before retry \[Retry")


def network_waits(log: str) -> list[str]:
    """The lines of an app's log that say it waited to try the network again."""
    return [line.strip()[:200] for line in log.splitlines() if NETWORK_WAIT.search(line)]


def why_not() -> str | None:
    """Why the namespace cannot be made here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root for `unshare --net`"
    if shutil.which("unshare") is None:
        return "`unshare` (util-linux) is not installed"
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"`unshare --net` is refused here: {probe.stderr.strip()[:200]}"
    return None


def loopback_up() -> None:
    """``ip link set lo up``, by the ioctls it makes (no iproute2 needed)."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sH", fcntl.ioctl(s, siocgifflags, struct.pack("16sH22x", b"lo", 0))[:18])[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH22x", b"lo", flags | iff_up))


def interfaces() -> list[str]:
    """This namespace's interfaces (``/sys/class/net`` still shows the host's: sysfs is not remounted)."""
    return sorted(name for _, name in socket.if_nameindex())


def inside(say=print) -> dict:
    """In the namespace: start the app, call each tab's first example, return the rows."""
    from benchmarks import server

    loopback_up()
    assert interfaces() == ["lo"], f"more than loopback in the namespace: {interfaces()}"
    try:   # the hub is out of reach: the probe the app makes must fail at once
        socket.create_connection(("huggingface.co", 443), timeout=3).close()
        reachable = True
    except OSError:
        reachable = False
    assert not reachable, "the hub answered from inside the namespace"
    env = {"SHOWCASE_OFFLINE": None, "HF_HUB_OFFLINE": None, "TRANSFORMERS_OFFLINE": None}
    log = Path(os.environ.get("OFFLINE_APP_LOG", "/tmp/offline-app.log"))
    rows = []
    with server.served(env=env, log=log) as app:
        say({"start_s": round(app.start_s, 1)})
        client = server.connect(app.url)
        for topic, api, args in server.first_examples():
            started = time.perf_counter()
            try:
                metrics, error = server.metrics_of(client.predict(*args, api_name=f"/{api}")), None
            except Exception as exc:  # noqa: BLE001 - reported per tab
                metrics, error = {}, f"{type(exc).__name__}: {exc}"[:300]
            rows.append({"tab": topic.module, "api": api, "seconds": round(time.perf_counter() - started, 2),
                         "error": error, "served_by": server.served_by(metrics)})
            say(rows[-1])
        client.close()
        start_s = app.start_s
    return {"interfaces": interfaces(), "start_s": round(start_s, 1), "rows": rows}


def in_namespace(json_out: Path, timeout: float) -> dict:
    """Run ``inside()`` in a new network namespace and return what it found."""
    command = ["unshare", "--net", sys.executable, "-m", "benchmarks.offline", "--inside", "--json", str(json_out)]
    subprocess.run(command, cwd=ROOT, check=True, timeout=timeout)
    return json.loads(json_out.read_text())


def section(result: dict) -> list[str]:
    rows = result["rows"]
    failed = [r for r in rows if r["error"]]
    slow = [r for r in rows if r["seconds"] > CALL_LIMIT_S]
    unnamed = [r for r in rows if not r["served_by"]]
    lines = ["## The offline classroom: a network namespace with only loopback", "",
             f"Interfaces: {', '.join(result['interfaces'])}. The app started in {result['start_s']} s with neither "
             f"`SHOWCASE_OFFLINE` nor `HF_HUB_OFFLINE` set. {len(rows) - len(failed)} of {len(rows)} tabs answered their "
             f"first example; {len(slow)} took over {CALL_LIMIT_S} s; the slowest took {max(r['seconds'] for r in rows):.1f} s. "
             f"{len(rows) - len(unnamed)} name the model that served in their metrics"
             + ("; these do not: " + ", ".join(f"`{r['tab']}`" for r in unnamed) + "." if unnamed else "."), "",
             "| tab | api_name | seconds | result | model that served |", "|---|---|---|---|---|"]
    lines += [f"| {r['tab']} | `{r['api']}` | {r['seconds']} | {r['error'] or 'ok'} | {r['served_by'] or '–'} |"
              for r in rows]
    return lines + [""]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)
    if args.inside:
        result = inside()
        if args.json:
            args.json.write_text(json.dumps(result, indent=1))
        return result
    if (reason := why_not()) is not None:
        sys.exit(f"cannot run offline: {reason}")
    json_out = args.json or Path(f"/tmp/offline-{os.getpid()}.json")
    result = in_namespace(json_out, args.timeout)
    print("\n".join(section(result)))
    if not args.json:
        head = ["# Offline classroom", "", f"Written by `python -m benchmarks.offline` on "
                f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.", ""]
        args.out.write_text("\n".join(head + section(result)), encoding="utf-8")
        print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
