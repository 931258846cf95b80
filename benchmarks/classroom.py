"""A class at once: N students (Locust users, ``benchmarks/students.py``) click through the app for
a bounded time; writes benchmarks/CLASSROOM.md and the plot benchmarks/classroom.png.

    python -m benchmarks --classroom 60                     # 60 students, 10 minutes (about 13 in all)
    python -m benchmarks.classroom --students 60 --minutes 10
    python -m benchmarks.classroom --students 10 --seconds 40 --quick-only --out /tmp/class   # what `make test` runs

The mix, one round per student, 2–5 s of think time after every click (``benchmarks/students.py``
has the details): open the roadmap (``/``, as a browser: its HTML carries its config) once, then
again and again: a tab drawn at random (its area's page when the student was on another), its
first example as opening the tab shows it (the tab's select event: from the examples cache, never
run again per student), two or three setting changes (a slider, a radio, a checkbox; one click each) and
the tab's first guided step from its ``.try.toml``. A training tab is one Run, then the next tab. The class arrives over ten seconds.

The app serves examples cached first, as the Dockerfile does (``python app.py --warm``; ``--cold``:
an empty cache). Before the class, each non-training tab's first example is timed alone (median of 3 after a
warm-up, through ``gradio_client``; once when over a second): the *quick* endpoints are those under 300 ms alone; their
p95 under the class's load is the number to watch (target 2 s). While the class works, the
server's RSS is read every 5 s, and for 30 s after. The report gives p50/p95 per endpoint,
every error, the queue's longest wait and the positions and estimates it showed, and counts the
server log's "Response content longer than Content-Length" (a torn result file; target 0).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import server  # noqa: E402 - after the path is set
from showcase.core import children  # noqa: E402

OUT = ROOT / "benchmarks"
QUICK_MS = 300
ARRIVAL_S = 90.0   # the arrival: 60 students open the page, a tab and its first example within it
TORN = "Response content longer than Content-Length"
QUEUED_S = 1.0     # a call that waited this long for a worker was queued, and should have been told so


def guided_step(topic) -> dict | None:
    """The tab's first guided step that sets values (``{name: value}``), or None."""
    path = ROOT / "pages" / topic.area / f"{topic.name}.try.toml"
    if not path.is_file():
        return None
    steps = tomllib.loads(path.read_text(encoding="utf-8")).get("step", [])
    return next((dict(s["set"]) for s in steps if s.get("set")), None)


def plan(keys: set[str] | None = None) -> list[dict]:
    """Every tab the students may open: its main endpoint, first example and guided step."""
    tabs = []
    for topic in server.built_topics():
        key = f"{topic.area}.{topic.name}"
        page = importlib.import_module(f"pages.{topic.area}.{topic.name}")
        if (keys and key not in keys) or topic.api not in getattr(page, "API", {}):
            continue
        args = [str(a) if isinstance(a, Path) else a for a in page.API[topic.api]]
        tabs.append({"key": key, "api": topic.api, "args": args, "step": guided_step(topic),
                     "heavy": topic.api in server.HEAVY})
    return tabs


def alone(url: str, tabs: list[dict], repeats: int = 3) -> dict[str, float]:
    """ms, median of ``repeats`` calls after a warm-up, of each non-training tab's first example; an
    endpoint whose first timed call takes over a second is plainly not quick: timed once."""
    client, out = server.connect(url), {}
    with server.prompt_polling():
        for tab in tabs:
            if tab["heavy"]:
                continue
            args = server.client_args(tab["args"])
            try:
                client.predict(*args, api_name=f"/{tab['api']}")
                times = []
                while len(times) < repeats and (not times or times[0] < 1000):
                    started = time.perf_counter()
                    client.predict(*args, api_name=f"/{tab['api']}")
                    times.append((time.perf_counter() - started) * 1000)
                out[tab["api"]] = statistics.median(times)
            except Exception as exc:  # noqa: BLE001 - a failing tab is reported, not timed
                print(f"{tab['api']} alone: {exc}", flush=True)
    client.close()
    return out


def drive(url: str, tabs: list[dict], students: int, seconds: float, pid: int | None, work: Path,
          after: float = 30, drain: float = 60) -> dict:
    """Run the students' process against ``url``; the server's RSS (``pid``) every 5 s meanwhile and
    for ``after`` seconds after. The calls in flight at the end get ``drain`` seconds more. Returns the
    students' records and the RSS samples."""
    (work / "plan.json").write_text(json.dumps(tabs), encoding="utf-8")
    calls, log = work / "calls.json", open(work / "students.log", "w")  # noqa: SIM115 - closed below
    rss, cpu, t0 = [], [], time.time()

    def sample():
        if pid:
            rss.append((round(time.time() - t0, 1), round(server.rss_mb(pid)["rss"])))
            cpu.append((time.time(), *cpu_seconds(pid)))

    students_process = children.Child(
        [sys.executable, "-m", "benchmarks.students", "--url", url, "--plan", str(work / "plan.json"),
         "--students", str(students), "--seconds", str(seconds), "--drain", str(drain), "--out", str(calls)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        while students_process.poll() is None:
            sample()
            time.sleep(5)
            if time.time() - t0 > seconds + drain + 600:
                raise RuntimeError("the students did not end 10 minutes after their time")
    finally:
        children.stop(students_process)
        log.close()
    if students_process.returncode != 0 or not calls.is_file():
        raise RuntimeError(f"the students' process failed:\n{(work / 'students.log').read_text()[-3000:]}")
    ended = time.time() - t0
    during = [c for c in cpu if c[0] - t0 <= ended]
    while pid and time.time() - t0 < ended + after:
        sample()
        time.sleep(5)
    result = json.loads(calls.read_text(encoding="utf-8"))
    result["rss"], result["t_offset"] = rss, result["t0"] - t0
    if len(during) >= 2:       # cores used on average while the class ran: the app's, and the machine's in all
        (t_a, app_a, all_a), (t_b, app_b, all_b) = during[0], during[-1]
        result["app_cores"], result["machine_cores"] = round((app_b - app_a) / (t_b - t_a), 2), round((all_b - all_a) / (t_b - t_a), 2)
    return result


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds used so far by process ``pid`` (user + system) and by the whole machine (busy)."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    busy = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return (int(fields[11]) + int(fields[12])) / tick, sum(map(int, busy[:3] + busy[5:8])) / tick


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[max(0, int(round(q * len(values))) - 1)] if values else float("nan")


def summarize(result: dict, quick: set[str], log_text: str = "") -> dict:
    unfinished = [r for r in result["records"] if r.get("unfinished")]   # still running at the end: no latency
    records = [r for r in result["records"] if not r.get("unfinished")]
    calls = [r for r in records if r["api"] != "page"]
    queued = [r for r in calls if (r["wait_s"] or 0) >= QUEUED_S]
    per_api = {}
    for api in sorted({r["api"] for r in records}):
        mine = [r for r in records if r["api"] == api]
        ok = [r["latency_s"] for r in mine if not r["error"]]
        waits = [r["wait_s"] for r in mine if r["wait_s"] is not None]
        per_api[api] = {"calls": len(mine), "errors": sum(bool(r["error"]) for r in mine), "quick": api in quick,
                        "p50_s": round(statistics.median(ok), 3) if ok else None, "p95_s": round(pct(ok, .95), 3) if ok else None,
                        "longest_wait_s": round(max(waits), 1) if waits else None,
                        "most_ahead": max((r["rank"] or 0 for r in mine), default=0)}
    quick_ok = [r["latency_s"] for r in calls if r["api"] in quick and not r["error"]]
    settled = [r["latency_s"] for r in calls if r["api"] in quick and not r["error"] and r["t"] >= ARRIVAL_S]
    rss = [mb for _, mb in result.get("rss", [])]
    return {
        "students": result["students"], "seconds": result["seconds"], "clicks": len(records),
        "errors": [f"{r['api']} ({r['click']}): {r['error']}" for r in records if r["error"]],
        "refused": [f"{r['api']}: {r['refused']}" for r in records if r.get("refused")],
        "torn_downloads_logged": log_text.count(TORN),
        "quick_p50_s": round(statistics.median(quick_ok), 3) if quick_ok else None,
        "quick_p95_s": round(pct(quick_ok, .95), 3) if quick_ok else None,
        "quick_p95_after_arrival_s": round(pct(settled, .95), 3) if settled else None,
        "calls": len(calls), "told_position": sum(r["rank"] is not None for r in calls),
        "queued": len(queued), "queued_told_position": sum(r["rank"] is not None for r in queued),
        "queued_told_estimate": sum(r.get("eta_s") is not None for r in queued),
        "longest_wait_s": max((r["wait_s"] or 0 for r in calls), default=0),
        "unfinished": [f"{r['api']} ({r['click']}): {r['latency_s']:.0f} s" for r in unfinished],
        "rss_start_mb": rss[0] if rss else None, "rss_peak_mb": max(rss) if rss else None,
        "rss_end_mb": rss[-1] if rss else None, "per_api": per_api,
        "app_cores": result.get("app_cores"), "machine_cores": result.get("machine_cores"),
        "app_cpu_s_per_click": round(result["app_cores"] * result["seconds"] / max(1, len(records)), 3)
        if result.get("app_cores") is not None else None,
        "arrival": arrival_windows(records, quick),
    }


def arrival_windows(records: list[dict], quick: set[str], width: float = 15.0) -> list[dict]:
    """The quick calls of each ``width``-second window of the arrival, latency split into the wait
    for a worker (join to ``process_starts``) and the rest (the work, the result's files)."""
    rows = []
    for start in range(0, int(ARRIVAL_S), int(width)):
        inside = [r for r in records if r["api"] in quick and not r["error"] and start <= r["t"] < start + width]
        if inside:
            latency, wait = [r["latency_s"] for r in inside], [r["wait_s"] or 0 for r in inside]
            rows.append({"from_s": start, "calls": len(inside), "pages": sum(r["api"] == "page" and start <= r["t"] < start + width
                                                                      for r in records),
                         "p50_s": round(statistics.median(latency), 3), "p95_s": round(pct(latency, .95), 3),
                         "wait_p95_s": round(pct(wait, .95), 3),
                         "rest_p95_s": round(pct([a - b for a, b in zip(latency, wait)], .95), 3)})
    return rows


def plot(result: dict, quick: set[str], path: Path) -> None:
    """p50/p95 of the quick endpoints and of every call, per time window, and the server's RSS."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = [r for r in result["records"] if r["api"] != "page" and not r["error"]]
    window = max(10.0, result["seconds"] / 20)
    fig, (ax, ax_rss) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for label, chosen, style in (("quick endpoints", [r for r in records if r["api"] in quick], "-"),
                                 ("every call", records, ":")):
        xs, p50, p95 = [], [], []
        for start in range(0, int(result["seconds"]) + 1, int(window)):
            inside = [r["latency_s"] for r in chosen if start <= r["t"] < start + window]
            if inside:
                xs.append(start + window / 2)
                p50.append(statistics.median(inside))
                p95.append(pct(inside, .95))
        ax.plot(xs, p50, style, marker="o", label=f"{label} p50")
        ax.plot(xs, p95, style, marker="^", label=f"{label} p95")
    ax.axhline(2.0, color="grey", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_ylabel("latency s (click to result, files included)")
    ax.legend(fontsize=8)
    ax.set_title(f"{result['students']} students, {result['seconds'] / 60:.0f} min, {window:.0f} s windows")
    if result.get("rss"):
        ax_rss.plot([t - result["t_offset"] for t, _ in result["rss"]], [mb for _, mb in result["rss"]])
    ax_rss.axvline(result["seconds"], color="grey", linewidth=0.8)
    ax_rss.set_ylabel("server RSS MB")
    ax_rss.set_xlabel("s since the first student arrived")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def report(summary: dict, alone_ms: dict[str, float], picture: str) -> list[str]:
    s = summary
    lines = [
        "# A class at once", "",
        f"Written by `python -m benchmarks.classroom` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: "
        f"**{s['students']} students for {s['seconds'] / 60:.1f} minutes**, offline, one app process on this "
        "2-core machine; the mix is in `benchmarks/classroom.py`'s docstring.", "",
        f"- {s['clicks']} clicks, **{len(s['errors'])} errors**; the server logged \"{TORN}\" "
        f"**{s['torn_downloads_logged']}** times. Clicks whose settings the tab refused with its own message "
        f"(not errors): {len(s['refused'])}{', e.g. ' + '; '.join(sorted(set(s['refused']))[:3]) if s['refused'] else ''}.",
        f"- Quick endpoints (under {QUICK_MS} ms alone: {len([a for a, ms in alone_ms.items() if ms < QUICK_MS])} "
        f"of {len(alone_ms)} timed): p50 **{s['quick_p50_s']} s**, p95 **{s['quick_p95_s']} s** (target 2 s); "
        f"after the first {ARRIVAL_S:.0f} s, while every student opens the page at once: p95 "
        f"**{s.get('quick_p95_after_arrival_s')} s**. The examples cache was "
        f"{'warmed first, as the Dockerfile does (`python app.py --warm`)' if s.get('warmed') else 'empty (--cold)'}.",
        f"- Calls told their place in the queue: {s['told_position']} of {s['calls']}. "
        f"Queued calls (waited {QUEUED_S:.0f} s or more for a worker): {s['queued']}; told their position "
        f"{s['queued_told_position']}, an estimate {s['queued_told_estimate']}; the longest wait "
        f"**{s['longest_wait_s']:.1f} s**. Still running when the class ended (given a minute more, then "
        f"left out of the latencies): {len(s.get('unfinished', []))}"
        f"{' (' + '; '.join(s['unfinished'][:5]) + ')' if s.get('unfinished') else ''}.",
        f"- Server RSS: {s['rss_start_mb']} MB at the start, peak **{s['rss_peak_mb']} MB**, "
        f"{s['rss_end_mb']} MB 30 s after the class (target: at most 8 GB, falling back).",
        f"- CPU while the class ran: the app used {s['app_cores']} cores on average "
        f"({s['app_cpu_s_per_click']} CPU-s a click), the whole machine {s['machine_cores']} "
        f"(of {os.cpu_count()}: the rest is the students' process and whatever else ran).", "",
        f"![p50/p95 over time and RSS]({picture})", "",
        f"The arrival, quick calls by {15} s window: the wait for a worker against the rest (work and files):", "",
        "| from s | quick calls | page opens | p50 s | p95 s | wait p95 s | rest p95 s |", "|---|---|---|---|---|---|---|",
        *(f"| {w['from_s']} | {w['calls']} | {w['pages']} | {w['p50_s']} | {w['p95_s']} | {w['wait_p95_s']} | {w['rest_p95_s']} |"
          for w in s.get("arrival", [])), "",
        "| endpoint | alone ms | calls | errors | p50 s | p95 s | longest wait s | most ahead in its queue |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for api, a in s["per_api"].items():
        mark = f"`{api}`" + (" (quick)" if a["quick"] else "")
        lines.append(f"| {mark} | {round(alone_ms[api]) if api in alone_ms else '–'} | {a['calls']} | {a['errors']} | "
                     f"{a['p50_s']} | {a['p95_s']} | {a['longest_wait_s'] if a['longest_wait_s'] is not None else '–'} | "
                     f"{a['most_ahead']} |")
    if s["errors"]:
        lines += ["", "Errors (first 10):", ""] + [f"- {e}" for e in s["errors"][:10]]
    return lines + [""]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seconds", type=float, help="the class's length in seconds (instead of --minutes)")
    parser.add_argument("--quick-only", action="store_true", help="only tabs that do not train (short runs)")
    parser.add_argument("--tabs", help="comma-separated area.topic tabs (default: all)")
    parser.add_argument("--url", help="an app already running (its RSS and log are then not read)")
    parser.add_argument("--cold", action="store_true", help="an empty examples cache (default: warmed as deployed)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for CLASSROOM.md, classroom.png, classroom.json")
    args = parser.parse_args(argv)
    seconds = args.seconds or args.minutes * 60
    tabs = plan(set(args.tabs.split(",")) if args.tabs else None)
    if args.quick_only:
        tabs = [t for t in tabs if not t["heavy"]]
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="classroom-"))
    if args.url:
        alone_ms = alone(args.url, tabs)
        result, log_text = drive(args.url, tabs, args.students, seconds, None, work), ""
    else:
        log = work / "app.log"
        print(f"the app's log: {log}", flush=True)
        cache = {"GRADIO_EXAMPLES_CACHE": str(work / "examples")}
        if not args.cold:   # as deployed: the Dockerfile caches every first example at build
            subprocess.run([sys.executable, "app.py", "--warm"], cwd=ROOT, check=True,
                           env={**os.environ, "SHOWCASE_OFFLINE": "1", **cache})
        with server.served(log=log, env=cache) as app:
            alone_ms = alone(app.url, tabs)
            result = drive(app.url, tabs, args.students, seconds, app.pid, work)
        log_text = log.read_text(errors="replace")
    quick = {api for api, ms in alone_ms.items() if ms < QUICK_MS}
    summary = summarize(result, quick, log_text)
    summary["alone_ms"] = {k: round(v) for k, v in alone_ms.items()}
    summary["warmed"] = not args.cold and not args.url
    (args.out / "classroom.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    plot(result, quick, args.out / "classroom.png")
    (args.out / "CLASSROOM.md").write_text("\n".join(report(summary, alone_ms, "classroom.png")), encoding="utf-8")
    print("\n".join(report(summary, alone_ms, "classroom.png")[2:8]), flush=True)
    return summary


if __name__ == "__main__":
    os.environ.setdefault("SHOWCASE_OFFLINE", "1")
    main()
