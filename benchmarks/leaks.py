"""Repeated calls must not grow the server: its RSS, and Gradio's temp folder.

In the style of Gradio's own ``test_no_growth``: every inference endpoint (every page's ``API``
but the runs in ``benchmarks.server.HEAVY``) is called ``--warmup`` times (models load, caches
fill, the allocator settles), the server's RSS (VmRSS) is read, the endpoint is called
``--calls`` more times with the same arguments, and the RSS is read again: the growth must stay
within 5 %. The app runs with its own temp folder (``TMPDIR``, Gradio's ``GRADIO_TEMP_DIR``
inside it) and a short ``SHOWCASE_TEMP_AGE_S``; at the end, once that age has passed, the folder
must be back to what ``delete_cache`` and the pages' scratch pruning keep (the files younger than
the age, and the few that are made once), however many calls were made.

    python -m benchmarks.leaks                    # 200 calls of each, writes benchmarks/LEAKS.md
    python -m benchmarks.leaks --calls 40 --only svd_compress,detect
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import server  # noqa: E402 - after the path is set

OUT = ROOT / "benchmarks" / "LEAKS.md"
GROWTH_LIMIT = 0.05
TEMP_AGE_S = 20


def inference_calls(only: set[str] | None = None) -> list[tuple[str, list]]:
    return [(api, args) for _, api, args in server.calls(only) if api not in server.HEAVY]


def measure(app: server.Served, client, endpoints: list[tuple[str, list]], calls: int, warmup: int,
            temp_dir: Path, say=print) -> list[dict]:
    rows = []
    for api, args in endpoints:
        for _ in range(warmup):
            client.predict(*args, api_name=f"/{api}")
        before, temp_before = server.rss_mb(app.pid)["rss"], server.folder_usage(temp_dir)
        started = time.perf_counter()
        for _ in range(calls):
            client.predict(*args, api_name=f"/{api}")
        after, temp_after = server.rss_mb(app.pid)["rss"], server.folder_usage(temp_dir)
        rows.append({"api": api, "calls": calls, "rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1),
                     "growth": (after - before) / before, "seconds": round(time.perf_counter() - started, 1),
                     "temp_files_added": temp_after["files"] - temp_before["files"]})
        say(rows[-1])
    return rows


def settled_temp(temp_dir: Path, age_s: int, client, call: tuple[str, list], say=print) -> dict:
    """The temp folder now, and again once every file made so far is older than ``age_s``,
    ``delete_cache`` has had its turn (it looks every tenth of the age) and one more ``call``
    has run (the pages prune their scratch files when they make a new one)."""
    now = server.folder_usage(temp_dir)
    time.sleep(age_s + max(1, age_s // 10) + 2)
    client.predict(*call[1], api_name=f"/{call[0]}")
    later = server.folder_usage(temp_dir)
    say({"temp_now": now, "temp_after_age": later})
    return {"now": now, "after_age": later}


def temp_env(root: Path, age_s: int) -> dict:
    """The server's environment for a leak check: every temp file it makes (Gradio's temp folder
    ``root/gradio``, the pages' scratch, the workers' folders) under ``root``, deleted at ``age_s``."""
    root.mkdir(parents=True, exist_ok=True)
    return {"TMPDIR": str(root), "GRADIO_TEMP_DIR": str(root / "gradio"), "SHOWCASE_TEMP_AGE_S": str(age_s)}


def run(calls: int, warmup: int, only: set[str] | None = None, age_s: int = TEMP_AGE_S, say=print) -> dict:
    root = Path(tempfile.mkdtemp(prefix="leaks-"))
    with server.served(env=temp_env(root, age_s)) as app:
        client = server.connect(app.url)
        endpoints = inference_calls(only)
        rows = measure(app, client, endpoints, calls, warmup, root, say)
        temp = settled_temp(root, age_s, client, endpoints[0], say)
        client.close()
    return {"rows": rows, "temp": temp, "age_s": age_s, "calls": calls, "warmup": warmup}


def section(result: dict) -> list[str]:
    rows, temp = result["rows"], result["temp"]
    grown = [r for r in rows if r["growth"] > GROWTH_LIMIT]
    lines = [f"## Leaks: {result['calls']} repeated calls of each inference endpoint", "",
             f"After {result['warmup']} warm-up calls, the server's RSS before and after {result['calls']} more identical "
             f"calls; target: growth ≤ {GROWTH_LIMIT:.0%}. {len(rows) - len(grown)} of {len(rows)} endpoints within it"
             + ("; over it: " + ", ".join(f"`{r['api']}`" for r in grown) + "." if grown else "."), "",
             "| api_name | calls | RSS before MB | RSS after MB | growth | seconds | temp files added |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| `{r['api']}` | {r['calls']} | {r['rss_before_mb']} | {r['rss_after_mb']} | {r['growth']:+.2%} | "
              f"{r['seconds']} | {r['temp_files_added']} |" for r in rows]
    lines += ["", f"The server's temp folder (Gradio's, with `delete_cache`, and the pages' scratch; "
              f"`SHOWCASE_TEMP_AGE_S={result['age_s']}`): "
              f"{temp['now']['files']} files, {temp['now']['bytes'] / 2**20:.1f} MB right after the last call; "
              f"{temp['after_age']['files']} files, {temp['after_age']['bytes'] / 2**20:.1f} MB once they were older "
              "than the age (and one more call had run). The app's default age is an hour.", ""]
    return lines


def write(result: dict, out: Path = OUT) -> None:
    import gradio

    head = ["# Leak check", "", f"Written by `python -m benchmarks.leaks` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
            f"gradio {gradio.__version__}, offline.", ""]
    out.write_text("\n".join(head + section(result)), encoding="utf-8")
    print(f"wrote {out}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--only", help="comma-separated api_names")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    result = run(args.calls, args.warmup, set(args.only.split(",")) if args.only else None)
    print("\n".join(section(result)))
    write(result, args.out)
    return result


if __name__ == "__main__":
    main()
