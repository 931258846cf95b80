"""ONNX export: parity with PyTorch, a dynamic batch axis, sensible EfficientNet predictions, bad inputs."""

import copy
import io

import numpy as np
import pytest
import torch
from PIL import Image

from showcase.core import imagenet
from showcase.core.errors import InputError
from showcase.core.models import ModelSpec
from showcase.frameworks import onnx_export as ox
from tests.rounding import ratio_of_rounded

# top-1 classes a working ImageNet model gives these photos
EXPECTED = {
    "chelsea": {"Egyptian cat", "tabby", "tiger cat", "Persian cat", "Siamese cat", "lynx"},
    "coffee": {"espresso", "cup", "coffee mug"},
    "rocket": {"missile", "projectile", "space shuttle"},
}


def top1(model, name):
    image = Image.open(ox.photo_path(name)).convert("RGB")
    return imagenet.top_k(ox.run_torch(model, imagenet.preprocess(image)[None])[0], 1)[0][0]


def test_efficientnet_lite0_predicts_real_photos_sensibly():
    loaded = ox.load_model("efficientnet_lite0")
    assert (loaded.source, loaded.weights) == ("bundled", "imagenet")
    assert isinstance(loaded.model._swish, torch.nn.ReLU6)  # as trained: ReLU6, not Swish
    for name, classes in EXPECTED.items():
        assert top1(loaded.model, name) in classes, name


@pytest.mark.slow
def test_set_swish_pitfall_wrecks_the_predictions():
    """The README's export tip swaps ReLU6 for Swish: at most one photo stays right."""
    model = copy.deepcopy(imagenet.efficientnet_lite0())    # the shared instance must stay as it is
    model.set_swish(memory_efficient=False)
    right = sum(top1(model, name) in classes for name, classes in EXPECTED.items())
    assert right <= 1


@pytest.fixture(scope="module")
def exported():
    """EfficientNet-Lite0 through the (fast) legacy exporter, once for this module."""
    result, _ = ox.cached_export("efficientnet_lite0", 17, "torchscript")
    return result


def test_export_checks_and_has_a_dynamic_batch(exported):
    import onnx

    proto = onnx.load(str(exported.path))
    dim = proto.graph.input[0].type.tensor_type.shape.dim[0]
    assert dim.dim_param and not dim.dim_value          # symbolic: any batch size
    assert exported.opset == 17 and exported.checker == "passed" and 10 < exported.file_mb < 30
    model = ox.load_model("efficientnet_lite0").model
    _, photos = ox.photo_batch()
    for size in (1, 3):
        batch = np.ascontiguousarray(photos[:size])
        ort_out, torch_out = ox.run_ort(exported.path, batch), ox.run_torch(model, batch)
        assert ort_out.shape == (size, 1000)
        np.testing.assert_allclose(ort_out, torch_out, atol=1e-3, rtol=1e-3)
        assert (ort_out.argmax(1) == torch_out.argmax(1)).all()


def test_export_is_cached_per_model_opset_and_exporter(exported):
    again, cached = ox.cached_export("efficientnet_lite0", 17, "torchscript")
    assert cached and again is exported


@pytest.mark.slow
def test_onnx_export_end_to_end(exported):
    result = ox.onnx_export(ox.photo_path("coffee"), "efficientnet_lite0", 17, "torchscript", repeats=3)
    m = result.metrics
    assert m["top1_agreement"] == 1.0 and m["max_abs_diff"] < 1e-3 and m["opset"] == 17
    assert m["top1"] in EXPECTED["coffee"] and m["export_cached"] is True
    assert m["torch_ms"] > 0 and m["ort_ms"] > 0
    # each speed-up shown is the two latencies plotted for its batch size divided (each rounded to 0.01 ms)
    ms = dict(zip(result.latency["setting"], result.latency["ms"]))
    for size, suffix in ((1, ""), (8, "_batch8")):
        torch_ms, ort_ms = ms[f"PyTorch · batch {size}"], ms[f"ONNX Runtime · batch {size}"]
        assert (torch_ms, ort_ms) == (m[f"torch_ms{suffix}"], m[f"ort_ms{suffix}"])
        assert ratio_of_rounded(m[f"speedup{suffix}"], torch_ms, ort_ms, (2, 2, 2)), m
    assert {"opset", "file_mb", "max_abs_diff", "top1_agreement", "torch_ms", "ort_ms", "speedup", "model", "source"} <= set(m)
    assert len(result.photos) == 1 + len(ox.PHOTOS) and result.photos["agree"].all()
    assert len(result.predictions) == 5 and len(result.latency) == 4
    assert (result.predictions["probability"] - result.predictions["pytorch_probability"]).abs().max() < 1e-4
    assert result.onnx_path.suffix == ".onnx" and result.onnx_path.is_file()
    assert not result.predictions.isna().any().any() and not result.latency.isna().any().any()


@pytest.mark.slow
def test_dynamo_exporter_parity():
    exported, _ = ox.cached_export("efficientnet_lite0", 18, "dynamo")
    assert exported.opset == 18
    _, photos = ox.photo_batch()
    batch = np.ascontiguousarray(photos[:3])
    np.testing.assert_allclose(ox.run_ort(exported.path, batch),
                               ox.run_torch(ox.load_model("efficientnet_lite0").model, batch), atol=1e-3)


def test_resnet18_offline_is_random_and_labelled(monkeypatch, tmp_path):
    monkeypatch.setenv("SHOWCASE_OFFLINE", "1")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))   # an empty torch hub cache
    from showcase.core import models

    models.reset_probe()
    model, source, weights = ox.resnet18(ModelSpec(name="nowhere", hub_repo="nobody/nothing-here"))
    models.reset_probe()
    assert (source, weights) == ("none", "random")
    assert model(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_resnet18_hub_path_loads_safetensors(monkeypatch, tmp_path):
    """The hub path, with a random ResNet-18 saved as the hub's safetensors file in a temp dir."""
    from safetensors.torch import save_file
    from torchvision.models import resnet18

    torch.manual_seed(1)
    reference = resnet18(weights=None)
    save_file({k: v.contiguous() for k, v in reference.state_dict().items()}, str(tmp_path / "model.safetensors"))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "empty"))
    from showcase.core.models import Resolved

    monkeypatch.setattr(ox, "resolve", lambda spec, prefer: Resolved(spec.name, tmp_path, "hub"))
    model, source, weights = ox.resnet18()
    assert (source, weights) == ("hub", "imagenet")
    torch.testing.assert_close(model.fc.weight, reference.fc.weight)


def test_resnet18_torch_hub_cache_is_used_first(monkeypatch, tmp_path):
    from torchvision.models import resnet18

    (tmp_path / "checkpoints").mkdir()
    torch.manual_seed(2)
    reference = resnet18(weights=None)
    torch.save(reference.state_dict(), tmp_path / "checkpoints" / ox.RESNET18_TORCH_HUB_FILE)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    model, source, weights = ox.resnet18()
    assert (source, weights) == ("torch_hub_cache", "imagenet")
    torch.testing.assert_close(model.conv1.weight, reference.conv1.weight)


def png_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.slow
def test_rgba_upload_is_converted(exported):
    rgba = Image.open(ox.photo_path("chelsea")).convert("RGBA")
    result = ox.onnx_export(png_bytes(rgba), "efficientnet_lite0", 17, "torchscript", repeats=3)
    assert result.metrics["input_mode"] == "RGBA" and result.metrics["top1"] in EXPECTED["chelsea"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(opset=9), "between 11 and 23"),
    (dict(opset=30), "between 11 and 23"),
    (dict(opset=17.5), "whole number"),
    (dict(opset=13, exporter="dynamo"), "opset 18 or newer"),
    (dict(exporter="tflite"), "exporter must be one of"),
    (dict(model="vgg16"), "model must be one of"),
    (dict(repeats=1000), "Repeats"),
    (dict(image=b"not an image at all"), "Could not read"),
    (dict(image=b""), "empty"),
])
def test_bad_inputs(kwargs, message):
    args = dict(image=ox.photo_path("chelsea"), model="efficientnet_lite0", opset=17, exporter="torchscript", repeats=3)
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        ox.onnx_export(**args)


def test_huge_image_is_refused(monkeypatch):
    monkeypatch.setenv("SHOWCASE_MAX_SIDE", "256")
    with pytest.raises(InputError, match="the limit is 256 px"):
        ox.onnx_export(png_bytes(Image.new("RGB", (300, 20))), "efficientnet_lite0", 17, "torchscript", repeats=3)
