"""The payload checks that the REST service and the serverless function share (issue #25, item 9)."""

import json

import numpy as np
import pytest

from showcase.deploy import inference


def instances(value) -> bytes:
    batch = np.zeros((1, 28, 28))
    batch[0, 3, 4] = value
    return json.dumps({"instances": batch.tolist()}).encode()      # json writes NaN and Infinity


@pytest.mark.parametrize("value, words", [(float("nan"), "got NaN"), (float("inf"), "got infinity"),
                                          (-3.0, "from -3 to 0"), (300.0, "from 0 to 300")])
def test_an_instance_that_is_28_by_28_is_told_what_is_wrong_with_its_numbers(value, words):
    with pytest.raises(inference.PayloadError, match=words) as caught:
        inference.decode_payload(instances(value), "application/json", "classifier")
    assert caught.value.status == 422 and "shape" not in str(caught.value)


def test_a_wrong_shape_is_still_told_its_shape():
    body = json.dumps({"instances": [[1, 2, 3]]}).encode()
    with pytest.raises(inference.PayloadError, match=r"got shape \(3,\)"):
        inference.decode_payload(body, "application/json", "classifier")


@pytest.mark.parametrize("accept", [None, "", "*/*", "application/json", "text/html, application/*;q=0.8"])
def test_accept_headers_that_allow_json_pass(accept):
    inference.check_accept(accept)


@pytest.mark.parametrize("accept", ["text/csv", "image/png, text/plain"])
def test_accept_headers_without_json_are_406(accept):
    with pytest.raises(inference.PayloadError, match="application/json only") as caught:
        inference.check_accept(accept)
    assert caught.value.status == 406
