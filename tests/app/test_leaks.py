"""Repeated calls do not grow the server (issue #17), in the style of Gradio's ``test_no_growth``.

Short mode of ``python -m benchmarks.leaks`` (200 calls of every inference endpoint, written to
``benchmarks/LEAKS.md``): a few representative endpoints (an image written as a file by the page,
a detector's image, a native plot), 10 warm-up calls then 40, the server's RSS within 5 %; and
its temp folder (Gradio's ``delete_cache`` and the pages' scratch) back to a handful of files
once the files are older than the server's ``SHOWCASE_TEMP_AGE_S`` (10 s here).
"""

import pytest

pytestmark = pytest.mark.slow
ENDPOINTS = ["svd_compress", "detect", "fit_distribution"]


def test_repeated_calls_do_not_grow_the_server_and_its_temp_folder_stays_bounded(served_app):
    from benchmarks import leaks, server

    client = server.connect(served_app.url)
    endpoints = leaks.inference_calls(set(ENDPOINTS))
    assert sorted(api for api, _ in endpoints) == sorted(ENDPOINTS)
    rows = leaks.measure(served_app, client, endpoints, calls=40, warmup=10, temp_dir=served_app.temp)
    grown = {r["api"]: f"{r['growth']:+.1%}" for r in rows if r["growth"] > leaks.GROWTH_LIMIT}
    assert not grown, f"RSS grew over {leaks.GROWTH_LIMIT:.0%}: {grown}"

    temp = leaks.settled_temp(served_app.temp, 10, client, endpoints[0])
    made = sum(r["temp_files_added"] for r in rows)
    print(rows, temp)
    # what stays: the files made at start-up (the examples' inputs, kept for good) and the last
    # call's upload and outputs; not one file per call
    kept = served_app.temp_at_start["files"]
    assert temp["after_age"]["files"] < temp["now"]["files"] and temp["after_age"]["files"] <= kept + 10, \
        (served_app.temp_at_start, temp, made)
    client.close()
