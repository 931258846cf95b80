"""The students of ``benchmarks.classroom``: Locust users that speak Gradio's HTTP queue protocol
as the browser does, one session each, and write every click they made to a JSON file.

    python -m benchmarks.students --url http://127.0.0.1:7860 --plan plan.json --students 10 --seconds 60 --out calls.json

Run it as its own process (``benchmarks.classroom`` does): Locust patches the standard library
for gevent when it is imported. A student's round, with 2–5 s of think time after every click:

1. opens the roadmap (``GET /``: its HTML carries the page's config, as a browser gets it; a browser
   never asks for ``/config``, the whole app's 2.6 MB, so a student does not either), once;
2. opens a tab, drawn at random (every tab alike), on its area's page (``GET /<area>`` when the
   student was on another page; the page shows its first tab as it opens, so that tab's files are
   part of opening the page, as in the browser), and sees its first example's result as the
   browser gets it: the files the page carries for the tab (an area's first tab carries its
   example's result), then the
   tab's ``select`` event (``pages/fill.py``: the example's inputs, unqueued, then its outputs from
   Gradio's examples cache, on the queue), never a fresh run of it per student;
3. changes two or three settings, one click each: a slider to another value on its grid, a radio
   or dropdown to another choice, a checkbox flipped. On a training tab (``benchmarks.server.HEAVY``)
   (whose first example does not run on opening) the student then presses Run once with the first
   example's settings and reads, no setting changes, no guided step: a class does not retrain a
   model three times a minute;
4. follows the tab's first guided step that sets values (``pages/<area>/<topic>.try.toml``): its
   button runs the tab's function with those values, in the tab's concurrency group, as here;
5. then goes to another tab (step 2), in the same session, until the time is up.

When the time is up no student starts another click, and the calls still in flight are given up
to ``--drain`` seconds to end; those still running then are recorded as ``unfinished`` (how long
they had run), never dropped: a class's longest waits are the calls still queued at its end.

A call is ``POST /gradio_api/queue/join`` and the session's event stream (``GET
/gradio_api/queue/data``) read to ``process_completed``; the queue's ``estimation`` messages give
the student's position (``rank``) and estimate (``rank_eta``); every file of the result is then
downloaded, as the browser shows it. Each record: the student, what was clicked, when, the
latency (join to result, files included), the queue wait (join to ``process_starts``), the
highest position seen with the first estimate, the replicas that answered (HAProxy's
``X-Served-By``, when there is one) and the error if any (a crashed call, an HTTP error, a broken download).
A setting the tab refuses with its own message (``InputError``: "Number of components must be between
1 and 13") is what a student meets too: recorded as ``refused``, not as an error.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from pathlib import Path

import gevent
from locust import User, between, events, task
from locust.env import Environment
from locust.exception import StopUser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402 - after locust has patched the standard library

RECORDS: list[dict] = []
T0 = time.time()
# pages.guard.guard's words for a handler that raised something else than InputError: a crash, not a refusal
CRASHED = "the app keeps running"
SERVED_BY = "X-Served-By"    # the replica's name, set by deploy/haproxy.cfg
CALL_LIMIT_S = 900            # a training run's queue wait on a busy box is minutes, never this
IN_FLIGHT: dict[tuple[str, float], dict] = {}    # (student, started): the click, until it is recorded


class Tabs:
    """What the students need to know of the app: each tab's endpoint, its inputs and arguments."""

    def __init__(self, url: str, plan: list[dict]):
        self.url = url
        config = requests.get(f"{url}/config", timeout=60).json()
        info = requests.get(f"{url}/gradio_api/info", timeout=60).json()["named_endpoints"]
        components = {c["id"]: c for c in config["components"]}
        self.endpoints, self.opens, self.carried = {}, {}, {}
        tab_ids = {c["id"]: c["props"].get("id") for c in config["components"] if c["type"] == "tabitem"}
        for dep in config["dependencies"]:
            if (tab := tab_ids.get(dep["targets"][0][0] if dep["targets"] else None)) and dep["targets"][0][1] == "select":
                then = next((d for d in config["dependencies"] if d.get("trigger_after") == dep["id"]), None)
                # the tab's fill (pages/fill.py): its inputs (not queued), then its outputs (queued)
                self.opens[tab] = [{"fn_index": d["id"], "inputs": [components[i] for i in d["inputs"]],
                                    "queued": d["queue"] is not False} for d in (dep, then) if d]
                # the files its inputs and outputs carry in the page (an area's first tab carries its
                # example's result, pages/fill.py): the browser fetches them as it draws the tab
                values = [components[i].get("props", {}).get("value") for d in (dep, then) if d for i in d["outputs"]]
                self.carried[tab] = [u if u.startswith("http") else f"{url}{u}" for u in urls_in(values)]
            name = dep.get("api_name")
            if name and f"/{name}" in info:
                inputs = [components[i] for i in dep["inputs"]]
                names = [p["parameter_name"] for p in info[f"/{name}"]["parameters"]]
                self.endpoints[name] = {"fn_index": dep["id"], "inputs": inputs, "names": names}
        self.tabs = [tab for tab in plan if tab["api"] in self.endpoints]
        self.first_of: dict[str, str] = {}      # area -> the tab its page shows as it opens
        for key in tab_ids.values():
            if key and key in self.opens:
                self.first_of.setdefault(key.split(".")[0], key)


def changed(component: dict, value, rng: random.Random):
    """Another value a student could set on ``component``, or None when it has no other."""
    props, kind = component.get("props", {}), component["type"]
    if kind == "slider":
        low, high, step = props.get("minimum", 0), props.get("maximum", 100), props.get("step") or 1
        grid = int(round((high - low) / step))
        if grid < 1:
            return None
        new = low + step * rng.randint(0, grid)
        new = int(new) if float(step).is_integer() and float(low).is_integer() else round(new, 6)
        return new if new != value else None
    if kind in ("radio", "dropdown") and not props.get("multiselect"):
        choices = [c[1] if isinstance(c, (list, tuple)) else c for c in props.get("choices") or []]
        others = [c for c in choices if c != value]
        return rng.choice(others) if others else None
    if kind == "checkbox":
        return not value
    return None


def urls_in(value) -> list[str]:
    """Every file URL in a result, as the browser would fetch them."""
    if isinstance(value, dict):
        own = [value["url"]] if isinstance(value.get("url"), str) and value.get("path") else []
        return own + [u for v in value.values() if isinstance(v, (dict, list)) for u in urls_in(v)]
    if isinstance(value, list):
        return [u for v in value for u in urls_in(v)]
    return []


class Student(User):
    wait_time = between(2, 5)
    tabs: Tabs = None            # set before the run
    count = 0
    closing = False              # the time is up: no new click

    def on_start(self):
        self.session = requests.Session()
        self.session_hash = uuid.uuid4().hex[:11]
        self.uploaded: dict[str, dict] = {}
        self.served_by: set[str | None] = set()      # the replicas that answered this click (behind HAProxy)
        self.rng = random.Random(self.session_hash)
        Student.count += 1
        self.name = f"student-{Student.count}"
        self.on_page = None
        self.open_page("")
        self.wait()

    def open_page(self, area: str, then: str | None = None) -> None:
        """A page as the browser opens it: ``/`` (the roadmap) or an area's ``/<area>``; recorded as "page".
        An area's page shows its first tab as it opens: the browser fetches the files it carries (for
        ``then``, the tab the student came for, ``open_tab`` does that). Its ``select`` is left out: on a
        cold cache it computes that tab's example, which the browser does but the short class test
        cannot wait for."""
        started, error = self.begin("page", f"open /{area}"), None
        try:
            got = self.session.get(f"{self.tabs.url}/{area}", timeout=120)
            got.raise_for_status()
            self.served_by.add(got.headers.get(SERVED_BY))
            if (first := self.tabs.first_of.get(area)) and first != then:
                self.fetch(self.tabs.carried.get(first, []))   # drawn as the page opens
        except (requests.RequestException, RuntimeError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        self.on_page = area
        self.record("page", f"open /{area}", started, None, None, error)

    def begin(self, api: str, click: str) -> float:
        """A click starts (its time), unless the class's time is up."""
        if Student.closing:
            raise StopUser()
        started = time.time()
        IN_FLIGHT[(self.name, started)] = {"student": self.name, "api": api, "click": click, "started": started}
        return started

    def record(self, api: str, click: str, started: float, wait: float | None, rank: int | None, error, eta=None,
               refused=None):
        took = time.time() - started
        IN_FLIGHT.pop((self.name, started), None)
        replicas, self.served_by = sorted(r for r in self.served_by if r), set()
        RECORDS.append({"student": self.name, "replicas": replicas, "api": api, "click": click, "t": round(started - T0, 3),
                        "latency_s": round(took, 4), "wait_s": wait, "rank": rank,
                        "eta_s": None if eta is None else round(eta, 2), "error": error,
                        "refused": refused, "unfinished": False})
        events.request.fire(request_type="click", name=api, response_time=took * 1000, response_length=0,
                            exception=RuntimeError(error) if error else None, context={})

    @task
    def a_tab(self):
        tab = self.rng.choice(self.tabs.tabs)
        endpoint = self.tabs.endpoints[tab["api"]]
        args = list(tab["args"])
        if (area := tab["key"].split(".")[0]) != self.on_page:
            self.open_page(area, then=tab["key"])
        self.open_tab(tab)
        if tab["heavy"]:
            self.click(tab["api"], "run", args)
            return
        for _ in range(self.rng.choice((2, 3))):
            self.wait()
            for _ in range(10):                      # a setting this tab lets change
                i = self.rng.randrange(len(args))
                new = changed(self.input_of(endpoint, i), args[i], self.rng)
                if new is not None:
                    args[i] = new
                    break
            self.click(tab["api"], "setting change", args)
        if tab["step"]:
            self.wait()
            step_args = list(tab["args"])
            for name, value in tab["step"].items():
                if name in endpoint["names"]:
                    step_args[endpoint["names"].index(name)] = value
            self.click(tab["api"], "guided step", step_args)

    @staticmethod
    def input_of(endpoint: dict, i: int) -> dict:
        """The component of the endpoint's ``i``-th API argument (its inputs less the states)."""
        return [c for c in endpoint["inputs"] if c["type"] != "state"][i]

    def file_value(self, path: str) -> dict:
        """A local file as the browser sends it: uploaded once by this student (to its replica), then its server path."""
        if path not in self.uploaded:
            with open(path, "rb") as f:
                got = self.session.post(f"{self.tabs.url}/gradio_api/upload", files={"files": (Path(path).name, f)}, timeout=120)
            got.raise_for_status()
            self.uploaded[path] = {"path": got.json()[0], "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}
        return self.uploaded[path]

    def payload(self, endpoint: dict, args: list) -> list:
        values, given = [], iter(args)
        for component in endpoint["inputs"]:
            if component["type"] == "state":
                values.append(None)
                continue
            value = next(given)
            if isinstance(value, str) and "\n" not in value and len(value) < 1024 and Path(value).is_file():
                value = self.file_value(value)
            values.append(value)
        return values

    def open_tab(self, tab: dict) -> None:
        """The tab's ``select`` as the browser fires it on showing the tab: its fill's steps, recorded
        as one click on the tab's endpoint ("first example": what the learner waits for)."""
        started, wait, rank, eta, error = self.begin(tab["api"], "first example"), None, None, None, None
        try:
            self.fetch(self.tabs.carried.get(tab["key"], []))
            wait, rank, eta = self.select(tab["key"])
        except Exception as exc:  # noqa: BLE001 - every failure is a finding, counted
            error = f"{type(exc).__name__}: {exc}"[:300]
        self.record(tab["api"], "first example", started, wait, rank, error, eta)

    def select(self, key: str) -> tuple[float | None, int | None, float | None]:
        """Tab ``key``'s ``select``, its fill's steps: (the queued step's wait, rank and estimate)."""
        wait = rank = eta = None
        for step in self.tabs.opens[key]:
            body = self.body(step, [])
            if not step["queued"]:
                got = self.session.post(f"{self.tabs.url}/gradio_api/run/predict", json=body, timeout=120)
                got.raise_for_status()
                self.served_by.add(got.headers.get(SERVED_BY))
                continue
            wait, rank, eta, done = self.queued(body)
            if not done.get("success"):
                raise RuntimeError(f"the tab's fill failed: {(done.get('output') or {}).get('error')}")
            self.download(done)
        return wait, rank, eta

    def body(self, endpoint: dict, args: list) -> dict:
        return {"data": self.payload(endpoint, args), "fn_index": endpoint["fn_index"], "session_hash": self.session_hash,
                "event_data": None, "trigger_id": None}

    def queued(self, body: dict) -> tuple[float | None, int | None, float | None, dict]:
        """Join the queue with ``body`` and read the session's stream to the result: (wait, rank, eta, message)."""
        url, started, wait, rank, eta = self.tabs.url, time.time(), None, None, None
        joined = self.session.post(f"{url}/gradio_api/queue/join", json=body, timeout=120)
        joined.raise_for_status()
        self.served_by.add(joined.headers.get(SERVED_BY))
        event_id = joined.json()["event_id"]
        with self.session.get(f"{url}/gradio_api/queue/data", params={"session_hash": self.session_hash},
                              stream=True, timeout=CALL_LIMIT_S) as stream:
            stream.raise_for_status()
            self.served_by.add(stream.headers.get(SERVED_BY))
            for line in stream.iter_lines():
                if not line.startswith(b"data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") not in (event_id, None):
                    continue
                kind = message.get("msg")
                if kind == "estimation" and message.get("rank") is not None:
                    rank = max(rank or 0, message["rank"])       # how many are ahead: 0 is the front
                    eta = message.get("rank_eta") if eta is None else eta
                elif kind == "process_starts" and wait is None:
                    wait = round(time.time() - started, 4)
                elif kind == "process_completed":
                    return wait, rank, eta, message
        raise RuntimeError("the event stream ended before the result")

    def download(self, done: dict) -> None:
        """Every file of a result, as the browser shows it; a short body is an error."""
        self.fetch(urls_in((done.get("output") or {}).get("data")))

    def fetch(self, file_urls: list[str]) -> None:
        for file_url in file_urls:
            got = self.session.get(file_url, timeout=120)
            got.raise_for_status()
            self.served_by.add(got.headers.get(SERVED_BY))
            if "content-length" in got.headers and int(got.headers["content-length"]) != len(got.content):
                raise RuntimeError(f"{file_url}: {len(got.content)} bytes, Content-Length {got.headers['content-length']}")

    def click(self, api: str, click: str, args: list) -> None:
        """One call as the browser makes it; recorded, never raised."""
        started, wait, rank, eta, error, refused = self.begin(api, click), None, None, None, None, None
        try:
            wait, rank, eta, done = self.queued(self.body(self.tabs.endpoints[api], args))
            if not done.get("success"):
                message = (done.get("output") or {}).get("error")
                if message and CRASHED not in message:           # the tab's own refusal of these settings
                    refused = message[:300]
                else:
                    raise RuntimeError(f"the call failed: {message}")
            self.download(done)
        except Exception as exc:  # noqa: BLE001 - every failure is a finding, counted
            error = f"{type(exc).__name__}: {exc}"[:300]
        self.record(api, click, started, wait, rank, error, eta, refused)


def run(url: str, plan: list[dict], students: int, seconds: float, out: Path, drain: float = 60) -> None:
    Student.tabs = Tabs(url, plan)
    env = Environment(user_classes=[Student], events=events)
    runner = env.create_local_runner()

    def time_up():
        Student.closing = True
        ends = time.time() + drain
        while IN_FLIGHT and time.time() < ends:
            gevent.sleep(0.2)
        runner.quit()

    # the class arrives within about ten seconds, as a room does when the teacher shows the link
    runner.start(students, spawn_rate=max(1.0, students / 10))
    gevent.spawn_later(seconds, time_up)
    runner.greenlet.join()
    ended = time.time()
    RECORDS.extend({"student": c["student"], "replicas": [], "api": c["api"], "click": c["click"],
                    "t": round(c["started"] - T0, 3), "latency_s": round(ended - c["started"], 4), "wait_s": None,
                    "rank": None, "eta_s": None, "error": None, "refused": None, "unfinished": True}
                   for c in IN_FLIGHT.values())
    # how each tab opens (its fill's steps, queued or not), for the test that checks the students open tabs as browsers do
    opens = {key: [step["queued"] for step in steps] for key, steps in Student.tabs.opens.items()}
    out.write_text(json.dumps({"students": students, "seconds": seconds, "t0": T0, "records": RECORDS, "opens": opens}),
                   encoding="utf-8")
    print(f"{len(RECORDS)} clicks, {sum(r['error'] is not None for r in RECORDS)} errors, "
          f"{sum(r['unfinished'] for r in RECORDS)} unfinished; wrote {out}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--drain", type=float, default=60, help="seconds the calls in flight get to end after the time")
    parser.add_argument("--plan", type=Path, required=True, help="the tabs, as benchmarks.classroom.plan writes them")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    plan = json.loads(args.plan.read_text(encoding="utf-8"))
    run(args.url.rstrip("/"), plan, args.students, args.seconds, args.out, args.drain)


if __name__ == "__main__":
    main()
