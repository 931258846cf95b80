"""The ONNX export tab through the API: defaults, bad inputs with clear errors, and recovery."""

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from showcase.frameworks.onnx_export import photo_path

pytestmark = pytest.mark.slow
CHELSEA = str(photo_path("chelsea"))


def test_onnx_export_defaults_are_the_first_example(client):
    predictions, latency, photos, onnx_file, note, metrics = client.predict(handle_file(CHELSEA), api_name="/onnx_export")
    assert (metrics["exporter"], metrics["opset"], metrics["source"]) == ("torchscript", 17, "bundled")
    assert metrics["top1_agreement"] == 1.0 and metrics["max_abs_diff"] < 1e-3
    assert metrics["top1"] in {"Egyptian cat", "tabby", "tiger cat"}
    assert metrics["torch_ms"] > 0 and metrics["ort_ms"] > 0 and metrics["file_mb"] > 10
    assert str(onnx_file).endswith(".onnx")
    assert predictions and latency and photos


def test_onnx_export_bad_inputs_then_recovers(client, fails_clearly, tmp_path):
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + b"not a jpeg" * 20)
    fails_clearly("/onnx_export", handle_file(str(corrupt)), "efficientnet_lite0", "torchscript", 17, 3,
                  match="Could not read")
    fails_clearly("/onnx_export", handle_file(CHELSEA), "efficientnet_lite0", "dynamo", 13, 3,
                  match="opset 18 or newer")
    fails_clearly("/onnx_export", handle_file(CHELSEA), "efficientnet_lite0", "torchscript", 7, 3,
                  match="not in the list of choices")
    fails_clearly("/onnx_export", handle_file(CHELSEA), "vgg16", "torchscript", 17, 3,
                  match="not in the list of choices")
    rgba = tmp_path / "rgba.png"
    Image.open(CHELSEA).convert("RGBA").save(rgba)
    *_, metrics = client.predict(handle_file(str(rgba)), "efficientnet_lite0", "torchscript", 17, 3,
                                 api_name="/onnx_export")
    assert metrics["input_mode"] == "RGBA" and metrics["top1_agreement"] == 1.0 and metrics["export_cached"]


def test_onnx_export_odd_sized_images_are_refused(client, fails_clearly, bad_files, tmp_path):
    tiny = tmp_path / "tiny.png"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tiny)
    fails_clearly("/onnx_export", handle_file(str(tiny)), "efficientnet_lite0", "torchscript", 17, 3, match="at least",
                  by="backend")
    fails_clearly("/onnx_export", handle_file(bad_files["png_1x1"]), "efficientnet_lite0", "torchscript", 17, 3,
                  match="1×1", by="backend")
    fails_clearly("/onnx_export", handle_file(bad_files["png_20000x20"]), "efficientnet_lite0", "torchscript", 17, 3,
                  match="20000×20; the limit", by="backend")
    flipped = tmp_path / "flipped.png"
    Image.open(CHELSEA).transpose(Image.FLIP_LEFT_RIGHT).save(flipped)   # a new photo: measured, not a cached result
    *_, metrics = client.predict(handle_file(str(flipped)), "efficientnet_lite0", "torchscript", 17, 3,
                                 api_name="/onnx_export")
    assert metrics["top1_agreement"] == 1.0
