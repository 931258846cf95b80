"""Measure the app as a user meets it, and write benchmarks/RESULTS.md.

1. Cold start: ``python app.py`` until ``/gradio_api/info`` answers, beside the floor
   ``python -c "import gradio, torch"`` (median of three each).
2. Every endpoint of every page's ``API``: p50 / p95 over ``--calls`` calls through
   ``gradio_client`` (after one warm-up call, which is reported on its own as the first call).
3. Peak RSS of the server (VmHWM) after every endpoint was called, and the RSS each area's
   endpoints added (VmRSS read after each endpoint's calls).
4. The speed claims of each tab, as ratios measured side by side in one run: every
   ``benchmarks/<area>/<topic>.py`` with a ``claims()`` function.
5. Each tab's first selection until its outputs are filled (``pages/fill.py``), in-process on a
   fresh examples cache: the first learner's (it computes the first example) and the next one's.
6. Page load in Chromium beside a minimal Gradio app (cold and warm), and each tab's first open on
   examples cached at build (``benchmarks/page_load.py``, runs alone too); ``--page-load 0`` skips it.

    python -m benchmarks                 # everything (about 20 minutes here)
    python -m benchmarks --calls 5 --only svd_compress,pca_project --no-claims
    python -m benchmarks --no-cold --no-endpoints --claims vision/detection,optimize/quantization
    python -m benchmarks --no-cold --no-endpoints --no-claims --tabs math.pca,vision.dcgan --out /tmp/fill.md
    python -m benchmarks --load 90 --leaks 200 --offline   # also the sections of benchmarks.load,
                                                           # .leaks and .offline (each runs alone too)
    python -m benchmarks --classroom 60 --minutes 10     # only the class at once: benchmarks/CLASSROOM.md
    python -m benchmarks --no-cold --no-endpoints --no-claims --no-fill --page-load 5   # page load only
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "RESULTS.md"

from benchmarks import server  # noqa: E402 - after the path is set
from benchmarks.server import free_port, rss_mb, wait_for  # noqa: E402
from benchmarks.verdict import as_reading, measured  # noqa: E402


def start_app(env_extra: dict | None = None) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    # SHOWCASE_DATA: what the app writes (the listening test's ratings) goes to a scratch folder,
    # never into the real store
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1",
               SHOWCASE_OFFLINE=os.environ.get("SHOWCASE_OFFLINE", "1"),
               SHOWCASE_DATA=tempfile.mkdtemp(prefix="showcase-bench-data-"), **(env_extra or {}))
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_for(url, process)
    return process, url, time.perf_counter() - started


def cold_start(repeats: int = 3) -> dict:
    floors, starts = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import gradio, torch"], check=True)
        floors.append(time.perf_counter() - t)
        process, _, seconds = start_app()
        starts.append(seconds)
        process.terminate()
        process.wait()
    floor, start = statistics.median(floors), statistics.median(starts)
    return {"import_floor_s": round(floor, 2), "cold_start_s": round(start, 2), "ratio": round(start / floor, 2)}


def page_calls(only: set[str] | None):
    from app import available_topics

    for topic in available_topics():
        page = importlib.import_module(f"pages.{topic.area}.{topic.name}")
        once = getattr(page, "API_ONCE_PER_SESSION", set())
        for api_name, args in getattr(page, "API", {}).items():
            if not only or api_name in only:
                yield topic, api_name, args, api_name in once


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# The same queue and client with no work at all: what any endpoint costs before it does anything.
NO_OP_APP = """
import os, gradio as gr
with gr.Blocks() as demo:
    a, b = gr.Number(), gr.Number()
    gr.Button().click(lambda x: x, a, b, api_name="no_op")
demo.queue().launch(server_port=int(os.environ["GRADIO_SERVER_PORT"]))
"""


def repeats_are(first_ms: float, p50_ms: float, result) -> str:
    """What the repeated identical calls measured: the backend's cache (its metrics say
    ``cached``), a warm process (the first call loaded or compiled something), or the work itself."""
    outputs = result if isinstance(result, tuple) else (result,)
    metrics = outputs[-1] if outputs and isinstance(outputs[-1], dict) else {}
    if any("cached" in key and value is True for key, value in metrics.items()):
        return "cache hits"
    return "warm (first call loads)" if p50_ms < first_ms / 2 else "computed each time"


def time_calls(client, args, api_name: str, calls: int, once_per_session: bool = False) -> dict:
    """The first call, then p50 / p95 of the next ``calls`` (3 for endpoints slower than 3 s).
    ``once_per_session``: the app refuses a repeat in one session (a rating), so each call is a
    new session, as each new listener is."""
    times = []
    for i in range(1 + calls):
        if once_per_session:
            client.reset_session()
        t = time.perf_counter()
        result = client.predict(*args, api_name=f"/{api_name}")
        times.append(time.perf_counter() - t)
        if i == 3 and times[0] >= 3:  # training demos: a few repeats tell their p50 well enough
            break
    steady = sorted(times[1:])
    first, p50 = round(1000 * times[0]), round(1000 * statistics.median(steady))
    return {"api": api_name, "first_ms": first, "p50_ms": p50,
            "p95_ms": round(1000 * steady[max(0, int(round(0.95 * len(steady))) - 1)]), "calls": len(steady),
            "repeats": repeats_are(first, p50, result)}


def endpoints(calls: int, only: set[str] | None) -> tuple[list[dict], float]:
    from gradio_client import handle_file

    rows = []
    process = subprocess.Popen([sys.executable, "-c", NO_OP_APP], env=dict(os.environ, GRADIO_SERVER_PORT=str(port := free_port())),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}", process)
        rows.append({"topic": "(a Gradio app with one no-op endpoint)", **time_calls(server.connect(f"http://127.0.0.1:{port}"), [1], "no_op", calls)})
        print(rows[-1], flush=True)
    finally:
        process.terminate()
        process.wait()

    process, url, _ = start_app()
    try:
        app = server.connect(url)
        before = rss_mb(process.pid)["rss"]
        rows.append({"topic": "(the app after start-up, before any call)", "api": "", "rss_mb": round(before)})
        for topic, api_name, args, once in page_calls(only):
            real = [handle_file(a) if isinstance(a, str) and "\n" not in a and len(a) < 1024 and Path(a).is_file() else a for a in args]
            rows.append({"topic": topic.module, **time_calls(app, real, api_name, calls, once)})
            # what this endpoint's calls added to the server (the models and caches it loaded first)
            now = rss_mb(process.pid)["rss"]
            rows[-1].update(rss_mb=round(now), rss_growth_mb=round(now - before))
            before = now
            print(rows[-1], flush=True)
        rss = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait()
    return rows, rss


def claims(only: set[str] | None = None) -> dict:
    out = {}
    for path in sorted((ROOT / "benchmarks").glob("*/*.py")):
        if path.name.startswith("_") or only and f"{path.parent.name}/{path.stem}" not in only:
            continue
        module = importlib.import_module(f"benchmarks.{path.parent.name}.{path.stem}")
        if hasattr(module, "claims"):
            print(f"claims: {path.parent.name}/{path.stem}", flush=True)
            try:
                out.update(module.claims())
            except Exception as exc:  # noqa: BLE001 - one broken claim must not lose the others
                out[f"{path.parent.name}.{path.stem}.error"] = f"{type(exc).__name__}: {exc}"
    return out


def fill_times(tabs: set[str] | None) -> list[dict]:
    """Each tab's first selection until its outputs are filled: the two steps its select event
    runs (``pages/fill.py``), called in-process on a fresh examples cache, so without the browser,
    HTTP and queue (the no-op endpoint above: ~60 ms). First: the first learner, who computes the
    first example; next: everyone after, served from the cache. Opted-out tabs compute nothing."""
    import tempfile

    import app

    rows = []
    for key, opens in app.FILLS.items():
        if tabs and key not in tabs or not opens.fills:
            continue
        ex, (fill_inputs, fill_outputs) = opens.examples, opens.steps
        ex.cached_folder = Path(tempfile.mkdtemp(prefix="fill-"))
        ex.cached_file, ex.cached_indices_file = ex.cached_folder / "log.csv", ex.cached_folder / "indices.csv"
        times = []
        for _ in range(2):
            t = time.perf_counter()
            fill_inputs(False)
            fill_outputs(False, None)
            times.append(round(1000 * (time.perf_counter() - t)))
        rows.append({"tab": key, "first_ms": times[0], "next_ms": times[1]})
        print(rows[-1], flush=True)
    return rows


def write(cold: dict | None, rows: list[dict], rss: float | None, claimed: dict, calls: int, out: Path = RESULTS,
          fills: list[dict] | None = None, extra: list[str] | None = None) -> None:
    import gradio
    import torch

    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m benchmarks` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"gradio {gradio.__version__}, torch {torch.__version__}. Offline (`SHOWCASE_OFFLINE=1`).",
        "",
    ]
    if cold:
        verdict = measured(cold["ratio"], "<= 2").verdict
        lines += ["## Cold start", "", "| `python -c \"import gradio, torch\"` | `python app.py` until `/gradio_api/info` answers | ratio | target | verdict |",
                  "|---|---|---|---|---|", f"| {cold['import_floor_s']} s | {cold['cold_start_s']} s | {cold['ratio']} | ≤ 2 | {verdict} |", ""]
    if rows:
        lines += [f"## Endpoints through `gradio_client` ({calls} calls after a first one)", "",
                  "Output files are left on the server (`download_files=False`), as a browser gets them, and the "
                  "client skips certificate checks on this plain-http local app (`ssl_verify=False`; otherwise it "
                  "builds an SSL context, ~100 ms of CPU, for every request), and reads its messages every 5 ms "
                  "(gradio_client's own 50 ms put every time on a 50 ms step). The first row is the floor: the same "
                  "client and queue with no work at all. The first call is the one that computes; the repeats "
                  "send the same arguments, so where the backend caches its result (its metrics say `cached`) "
                  "they time a cache hit, and the first call is the cost a user with new settings meets.", "",
                  "| topic | api_name | first call ms | repeat p50 ms | repeat p95 ms | repeats | the repeats are |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['topic']} | `{r['api']}` | {r['first_ms']} | {r['p50_ms']} | {r['p95_ms']} | {r['calls']} | "
                  f"{r.get('repeats', '')} |" for r in rows if "first_ms" in r]
        lines += ["", f"Peak RSS of the server after every endpoint was called: **{rss:.0f} MB** "
                  f"(target ≤ 4096 MB: {measured(rss, '<= 4096').verdict}).", ""]
        lines += rss_section(rows, rss)
    if fills:
        lines += ["## A tab's first selection until its outputs are filled", "",
                  "In-process on a fresh examples cache, without the browser, HTTP and queue (the no-op "
                  "endpoint's cost above). The first learner to open a tab computes its first example; "
                  "everyone after is served from Gradio's example cache. Tabs with `FILL_ON_OPEN = False` "
                  "compute nothing when opened and are not listed.", "",
                  "| tab | first learner ms | next learner ms |", "|---|---|---|"]
        lines += [f"| {r['tab']} | {r['first_ms']} | {r['next_ms']} |" for r in fills]
        lines += [""]
    if claimed:
        lines += claims_section(claimed)
    lines += extra or []
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out}")


def rss_section(rows: list[dict], peak: float) -> list[str]:
    """The server's resident memory (VmRSS) after start-up and what each area's endpoints added
    to it, called in turn in one server: the models, sessions and caches that area loads. A model
    shared by two areas counts for the first that loaded it."""
    if not any("rss_growth_mb" in r for r in rows):
        return []
    start = next(r["rss_mb"] for r in rows if "rss_mb" in r and "first_ms" not in r)
    areas: dict[str, dict] = {}
    for r in rows:
        if "rss_growth_mb" in r:
            area = areas.setdefault(r["topic"].split(".")[0], {"growth": 0, "apis": []})
            area["growth"] += r["rss_growth_mb"]
            area["apis"].append(f"`{r['api']}` {r['rss_growth_mb']:+d}")
    lines = ["## Memory per area", "",
             f"The server's RSS after start-up: **{start} MB**; after every endpoint was called: "
             f"{rows[-1].get('rss_mb', '?')} MB; peak (VmHWM): {peak:.0f} MB. Each area's growth is what its endpoints "
             "added to the RSS when called in turn (first call and repeats); a model that two areas share counts "
             "for the first.", "", "| area | RSS growth MB | per endpoint (MB) |", "|---|---|---|"]
    lines += [f"| {area} | {a['growth']:+d} | {', '.join(a['apis'])} |" for area, a in areas.items()]
    return lines + [""]


def claims_section(readings: dict) -> list[str]:
    """Three tables: the tabs' claims with their targets and verdicts, the other numbers this run
    measured, and the numbers read from a model card or a paper (shown, never judged)."""
    readings = {k: as_reading(v) for k, v in readings.items()}
    errors = {k: measured(r.value, "== 0") for k, r in readings.items() if k.endswith(".error")}  # always MISSED
    judged = {**{k: r for k, r in readings.items() if r.target is not None and r.source is None}, **errors}
    other = {k: r for k, r in readings.items() if r.target is None and r.source is None and k not in errors}
    quoted = {k: r for k, r in readings.items() if r.source is not None}
    missed = [k for k, r in judged.items() if r.verdict != "met"]
    lines = ["## The tabs' claims, judged", "",
             f"{len(judged) - len(missed)} of {len(judged)} targets met in this run"
             + (f"; missed: {', '.join(f'`{k}`' for k in missed)}." if missed else "."), "",
             "| claim | measured | target | verdict |", "|---|---|---|---|"]
    lines += [f"| `{k}` | {r.value} | {r.target} | {r.verdict} |" for k, r in judged.items()]
    lines += ["", "## Other measurements of this run, side by side", "", "| key | measured |", "|---|---|"]
    lines += [f"| `{k}` | {r.value} |" for k, r in other.items()]
    if quoted:
        lines += ["", "## Read from a model card or a paper (not measured in this run)", "",
                  "| key | value | read from |", "|---|---|---|"]
        lines += [f"| `{k}` | {r.value} | {r.source} |" for k, r in quoted.items()]
    return lines + [""]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--only", help="comma-separated api_names")
    parser.add_argument("--no-cold", action="store_true")
    parser.add_argument("--no-claims", action="store_true")
    parser.add_argument("--no-endpoints", action="store_true", help="only the cold start and the claims")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write (a partial run: not RESULTS.md)")
    parser.add_argument("--claims", help="comma-separated area/topic claim modules (default: all)")
    parser.add_argument("--no-fill", action="store_true", help="skip the tabs' first selection times")
    parser.add_argument("--tabs", help="comma-separated area.topic tabs to time the first selection of (default: all)")
    parser.add_argument("--load", type=float, metavar="SECONDS", help="also the load test, each phase this long")
    parser.add_argument("--leaks", type=int, metavar="CALLS", help="also the leak check, this many calls an endpoint")
    parser.add_argument("--offline", action="store_true", help="also the offline classroom (root: unshare --net)")
    parser.add_argument("--classroom", type=int, metavar="STUDENTS",
                        help="only the class at once (benchmarks.classroom): writes CLASSROOM.md and classroom.png")
    parser.add_argument("--minutes", type=float, default=10, help="the class's length (with --classroom)")
    parser.add_argument("--page-load", type=int, metavar="REPEATS", default=3,
                        help="page loads in Chromium beside a minimal app, and every tab's first open (0: skip)")
    args = parser.parse_args(argv)
    if args.classroom:
        from benchmarks import classroom

        classroom.main(["--students", str(args.classroom), "--minutes", str(args.minutes)])
        return
    with server.prompt_polling():   # every call this run times: the client polls every 5 ms
        measure(args)


def measure(args) -> None:
    only = set(args.only.split(",")) if args.only else None
    cold = None if args.no_cold else cold_start()
    print(cold, flush=True)
    rows, rss = ([], None) if args.no_endpoints else endpoints(args.calls, only)
    claimed = {} if args.no_claims else claims(set(args.claims.split(",")) if args.claims else None)
    fills = [] if args.no_fill else fill_times(set(args.tabs.split(",")) if args.tabs else None)
    write(cold, rows, rss, claimed, args.calls, args.out, fills, hardening(args))


def hardening(args) -> list[str]:
    """The sections of ``benchmarks.load``, ``.leaks`` and ``.offline`` that were asked for."""
    from benchmarks import leaks, load, offline, page_load, server

    lines = []
    if args.page_load:
        lines += page_load.section(page_load.run(None, args.page_load, None))
    if args.load:
        with server.served() as app:
            lines += load.section(load.run(app.url, args.load))
    if args.leaks:
        lines += leaks.section(leaks.run(args.leaks, warmup=20))
    if args.offline:
        if (reason := offline.why_not()) is None:
            lines += offline.section(offline.in_namespace(Path(f"/tmp/offline-{os.getpid()}.json"), 1800))
        else:
            lines += ["## The offline classroom", "", f"Not run: {reason}.", ""]
    return lines


if __name__ == "__main__":
    main()
