"""The load report's concurrency count (``benchmarks/load.py``): one call starting as another ends,
each seen a little late by its client, is not two at once; a real overlap is."""

from benchmarks.load import Call, longest_overlap, most_at_once

TRAIN = {"prune", "quantize"}


def call(api, started, finished):
    return Call(api, "while training", submitted=started - 1, started=started, finished=finished, error=None)


def test_back_to_back_calls_seen_late_are_one_at_a_time():
    # the queue started the second as the first ended; its client saw the first end 60 ms late
    calls = [call("prune", 10.0, 13.06), call("quantize", 13.0, 16.0), call("prune", 16.0, 19.0)]
    assert most_at_once(calls, TRAIN) == 1
    assert round(longest_overlap(calls, TRAIN), 2) == 0.06


def test_calls_that_overlap_for_seconds_are_two_at_once():
    calls = [call("prune", 10.0, 14.0), call("quantize", 12.0, 16.0), call("svd_compress", 12.0, 12.1)]
    assert most_at_once(calls, TRAIN) == 2
    assert longest_overlap(calls, TRAIN) == 2.0
    assert most_at_once(calls, {"svd_compress"}) == 1       # one short call is one at once
    assert most_at_once(calls, {"dcgan_train"}) == 0
