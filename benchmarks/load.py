"""Eight learners at once: concurrent ``gradio_client`` clients drive the app for a bounded time.

Two phases on one server. **Clicks**: 8 clients, each going round a mix of every light endpoint
(every page's ``API`` except the runs in ``benchmarks.server.HEAVY``). **While training**: 2
clients go round the heavy endpoints (training, federated runs, exports, load tests) and 6 keep
clicking the quick endpoints. Each call is submitted and watched: when the queue started it
(its wait) and when it finished (its latency). The report gives p50 / p95 per endpoint and phase,
the errors (target: none), the queue's waits, and how many calls of each concurrency group ran
at once, against the group's limit: one user's training run must not starve everyone's clicks,
so the quick endpoints' p95 while a training run goes is shown beside their p95 without one.

    python -m benchmarks.load                          # 90 s each phase; writes benchmarks/LOAD.md
    python -m benchmarks.load --seconds 30 --url http://127.0.0.1:7860   # an app already running
    python -m benchmarks.load --short                  # 8 clients, 15 s, a few quick endpoints: what `make test` runs
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import server  # noqa: E402 - after the path is set

OUT = ROOT / "benchmarks" / "LOAD.md"
# Quick endpoints (~60–250 ms each here): the clicks whose p95 is watched while training runs.
QUICK = ["svd_compress", "pca_project", "fit_distribution", "decision_boundaries", "regularization", "detect",
         "dcgan_sample", "fgsm_attack", "explain_shap", "classify_text"]
SHORT_MIX = ["svd_compress", "pca_project", "fit_distribution", "decision_boundaries", "dcgan_sample"]
CLIENTS = 8


@dataclass
class Call:
    api: str
    phase: str
    submitted: float
    started: float | None      # when the queue started it (None: finished before the first look)
    finished: float
    error: str | None

    @property
    def latency(self) -> float:
        return self.finished - self.submitted

    @property
    def wait(self) -> float | None:
        return None if self.started is None else self.started - self.submitted


def timed_call(client, api: str, args: list, phase: str) -> Call:
    from gradio_client.utils import Status

    running = {Status.PROCESSING, Status.PROGRESS, Status.ITERATING}
    submitted, started, error = time.perf_counter(), None, None
    try:
        job = client.submit(*args, api_name=f"/{api}")
        while not job.done():
            if started is None and job.status().code in running:
                started = time.perf_counter()
            time.sleep(0.02)
        job.result()
    except Exception as exc:  # noqa: BLE001 - every failure is a finding, counted
        error = f"{type(exc).__name__}: {exc}"[:300]
    return Call(api, phase, submitted, started, time.perf_counter(), error)


def drive(url: str, workers: list[list[tuple[str, list]]], seconds: float, phase: str) -> list[Call]:
    """One client per entry of ``workers`` (its round of (api_name, args)), all submitting until
    ``seconds`` have passed; calls in flight then are waited for."""
    calls: list[Call] = []
    lock = threading.Lock()
    clients = [server.connect(url) for _ in workers]      # made first: connecting is not load
    deadline = time.perf_counter() + seconds

    def work(client, mix):
        i = 0
        while time.perf_counter() < deadline:
            api, args = mix[i % len(mix)]
            done = timed_call(client, api, args, phase)
            with lock:
                calls.append(done)
            i += 1

    threads = [threading.Thread(target=work, args=(c, m), daemon=True) for c, m in zip(clients, workers)]
    with server.prompt_polling():   # timed calls: the client polls every 5 ms, in these threads only while they run
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for c in clients:
        c.close()
    return calls


def rotated(mix: list, start: int) -> list:
    return mix[start % len(mix):] + mix[:start % len(mix)]


def groups() -> dict[str, tuple[str, int | None]]:
    """api_name -> (concurrency group, its limit), read from the app's event listeners."""
    import app

    out = {}
    for fn in app.demo.fns.values():
        if fn.api_name:
            own = str(fn.concurrency_id).isdigit()     # Gradio's default: str(id(fn))
            out[fn.api_name] = ("(its own)" if own else fn.concurrency_id, fn.concurrency_limit)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[max(0, int(round(q * len(values))) - 1)]


def by_api(calls: list[Call]) -> dict[str, dict]:
    out = {}
    for api in dict.fromkeys(c.api for c in calls):
        mine = [c for c in calls if c.api == api]
        ok = [c.latency * 1000 for c in mine if c.error is None] or [float("nan")]
        waits = [c.wait * 1000 for c in mine if c.wait is not None]
        out[api] = {"calls": len(mine), "errors": sum(c.error is not None for c in mine),
                    "p50_ms": round(statistics.median(ok)), "p95_ms": round(pct(ok, 0.95)),
                    "wait_p95_ms": round(pct(waits, 0.95)) if waits else None,
                    "first_error": next((c.error for c in mine if c.error), None)}
    return out


# Each client learns of its call's start and end through its own event stream, polled every 20 ms
# by one of eight threads in one Python: under load a start or an end is seen tens of ms late, so a
# call the queue started the moment another ended can seem to overlap it. Two calls count as running
# at once only when they overlap by more than this, far less than any call of a heavy group lasts.
OVERLAP_S = 0.25


def most_at_once(calls: list[Call], members: set[str], slack: float = OVERLAP_S) -> int:
    """The most calls of ``members`` that ran at the same moment (started → finished), counting
    two as at once only when they overlap by more than ``slack`` seconds."""
    half = slack / 2                                  # two intervals each shrunk by half the slack
    spans = [(c.started + half, c.finished - half) for c in calls
             if c.api in members and c.started is not None and c.finished - c.started > slack]
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    level = top = 0
    for _, step in edges:                             # at a tie an end (-1) sorts before a start
        level += step
        top = max(top, level)
    return max(top, int(any(c.api in members for c in calls)))


def longest_overlap(calls: list[Call], members: set[str]) -> float:
    """Seconds: the longest time two calls of ``members`` were both seen running."""
    mine = sorted((c.started, c.finished) for c in calls if c.api in members and c.started is not None)
    longest, end = 0.0, float("-inf")
    for start, finish in mine:
        longest = max(longest, min(end, finish) - start)
        end = max(end, finish)
    return longest


def run(url: str, seconds: float, short: bool = False) -> dict:
    from benchmarks.server import HEAVY

    every = [(api, args) for _, api, args in server.calls()]
    args_of = dict(every)
    if short:
        mix = [(api, args_of[api]) for api in SHORT_MIX]
        calls = drive(url, [rotated(mix, i) for i in range(CLIENTS)], seconds, "clicks")
        return {"seconds": seconds, "clients": CLIENTS, "calls": calls, "groups": {}, "short": True}
    light = [(api, args) for api, args in every if api not in HEAVY]
    heavy = [(api, args) for api, args in every if api in HEAVY]
    quick = [(api, args_of[api]) for api in QUICK if api in args_of]
    calls = drive(url, [rotated(light, i * len(light) // CLIENTS) for i in range(CLIENTS)], seconds, "clicks")
    calls += drive(url, [rotated(heavy, 0), rotated(heavy, len(heavy) // 2)]
                   + [rotated(quick, i) for i in range(CLIENTS - 2)], seconds, "while training")
    return {"seconds": seconds, "clients": CLIENTS, "calls": calls, "groups": groups(), "short": False}


def section(result: dict) -> list[str]:
    calls, group_of = result["calls"], result["groups"]
    errors = [c for c in calls if c.error]
    phases = list(dict.fromkeys(c.phase for c in calls))
    stats = {phase: by_api([c for c in calls if c.phase == phase]) for phase in phases}
    lines = [f"## Load: {result['clients']} concurrent clients, {result['seconds']:.0f} s a phase", "",
             f"{len(calls)} calls, **{len(errors)} errors** (target: none). Each client submits its next call when "
             "the last one has answered. Latency: submit to result, through the queue; wait: submit until the "
             "queue started the call. The app's queue: `max_size=64`, `default_concurrency_limit=2`.", ""]
    if errors:
        lines += ["Errors: " + "; ".join(f"`{c.api}`: {c.error}" for c in errors[:5]), ""]
    for phase in phases:
        lines += [f"### {phase}", "", "| api_name | group (limit) | calls | errors | p50 ms | p95 ms | queue wait p95 ms |",
                  "|---|---|---|---|---|---|---|"]
        for api, s in stats[phase].items():
            group, limit = group_of.get(api, (None, None))
            where = "–" if group is None else f"{group} ({limit if limit is not None else '∞'})"
            lines.append(f"| `{api}` | {where} | {s['calls']} | {s['errors']} | "
                         f"{s['p50_ms']} | {s['p95_ms']} | {s['wait_p95_ms'] if s['wait_p95_ms'] is not None else '–'} |")
        lines.append("")
    if "while training" in stats:
        before, during = stats["clicks"], stats["while training"]
        shared = [api for api in during if api in before and api not in server.HEAVY]
        if shared:
            lines += ["### Quick clicks with and without a training run going", "",
                      "| api_name | p95 ms, clicks only | p95 ms, while training | ratio |", "|---|---|---|---|"]
            lines += [f"| `{api}` | {before[api]['p95_ms']} | {during[api]['p95_ms']} | "
                      f"{during[api]['p95_ms'] / max(1, before[api]['p95_ms']):.1f} |" for api in shared]
            all_before = [c.latency * 1000 for c in calls if c.phase == "clicks" and c.api in shared and not c.error]
            all_during = [c.latency * 1000 for c in calls if c.phase == "while training" and c.api in shared and not c.error]
            lines += ["", f"All quick clicks together: p95 **{pct(all_before, 0.95):.0f} ms** without a training run, "
                      f"**{pct(all_during, 0.95):.0f} ms** while two clients keep the heavy endpoints busy.", ""]
    if group_of:
        named = {}
        for api, (group, limit) in group_of.items():
            if group != "(its own)":
                named.setdefault(group, (set(), limit))[0].add(api)
        lines += ["### Concurrency groups: the most calls running at once", "",
                  f"Two calls count as at once when the clients saw them overlap by more than {OVERLAP_S} s "
                  "(a client sees a start or an end tens of ms late); the last column is the longest overlap seen.",
                  "", "| group | limit | endpoints | most at once (measured) | longest overlap s |", "|---|---|---|---|---|"]
        lines += [f"| {g} | {limit} | {', '.join(f'`{a}`' for a in sorted(apis))} | {most_at_once(calls, apis)} | "
                  f"{longest_overlap(calls, apis):.2f} |" for g, (apis, limit) in sorted(named.items())]
        lines.append("")
    return lines


def write(result: dict, out: Path = OUT) -> None:
    import gradio

    head = ["# Load test", "", f"Written by `python -m benchmarks.load` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
            f"gradio {gradio.__version__}, offline. See `benchmarks/load.py` for what each phase does.", ""]
    out.write_text("\n".join(head + section(result)), encoding="utf-8")
    print(f"wrote {out}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=90, help="length of each phase")
    parser.add_argument("--short", action="store_true", help="8 clients on a few quick endpoints, 15 s unless --seconds")
    parser.add_argument("--url", help="an app already running (default: start python app.py)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    seconds = 15 if args.short and "--seconds" not in (argv or sys.argv) else args.seconds
    if args.url:
        result = run(args.url, seconds, args.short)
    else:
        log = Path(tempfile.gettempdir()) / "load-app.log"
        print(f"the app's log: {log}")
        with server.served(log=log) as app:
            result = run(app.url, seconds, args.short)
    print("\n".join(section(result)))
    if not args.short:
        write(result, args.out)
    return result


if __name__ == "__main__":
    main()
