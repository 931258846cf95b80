"""The edge trade-off for the shapes detector, measured on this CPU: input size × format × threads
→ latency and held-out mAP50, with the Pareto front (nothing else is both faster and better).

A Jetson or a Raspberry Pi gives a fixed budget of milliseconds; the knobs are the input size
(fewer pixels, fewer FLOPs, small objects lost), the format (eager PyTorch; an ONNX graph that
ONNX Runtime fuses; int8 weights and activations), and the threads. Each point here is measured:

- **PyTorch**: Ultralytics' ``DetectionModel`` rebuilt from the bundled YAML, batch norm fused
  into the convolutions, with the weights read from the bundled ONNX file (its initialisers
  carry the same names as the fused model's state dict; outputs agree to 1e-4);
- **ONNX fp32**: the bundled file at 256 px, and the same network exported by
  ``torch.onnx.export`` at the other sizes (YOLO's anchors are baked in per size);
- **ONNX int8**: ``onnxruntime.quantization.quantize_static`` (QDQ, per-channel weights)
  calibrated on 16 training scenes (seeds 0–15), never on the held-out ones.

Latency: the whole pipeline of one 320×320 held-out scene (letterbox, forward, decode, NMS),
the median over rounds in which every configuration runs once in turn (``showcase.core.timing``). mAP50: Ultralytics' ``ap_per_class`` on
``n_scenes`` held-out scenes (seeds 2,000,000 onwards, as the model card's 200; fewer, for speed:
the tab says how many), predictions at conf 0.001, NMS IoU 0.7, matched greedily at IoU 0.5.

TensorRT is the Jetson's format: ``tensorrt_export`` builds an engine where a CUDA device and the
``tensorrt`` package exist, and says it skipped otherwise. Ultralytics' own YOLO11n figures
(640 px, COCO, FP32 unless said) are in ``ULTRALYTICS`` to set beside ours.

    python -m showcase.deploy.edge --sizes 160 256 320 --threads 1 2 --scenes 24
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from showcase.core import detector, shapes
from showcase.core.cards import read_card
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.settings import asset
from showcase.core.timing import samples_ms

FORMATS = ("pytorch", "onnx_fp32", "onnx_int8")
SIZES = (160, 192, 224, 256, 288, 320)
THREADS = (1, 2)
HELD_OUT_SEED = 2_000_000            # the model card's held-out scenes start here
CALIBRATION_SEEDS = range(16)         # training scenes
SCENE = 320
MODEL_YAML = asset("vision", "detection") / "yolo11p-shapes.yaml"
# Ultralytics' published YOLO11n benchmarks (docs/en/guides/raspberry-pi.md and nvidia-jetson.md,
# "Benchmarked with Ultralytics"; 640 px, COCO8 mAP50-95, ms per image).
ULTRALYTICS = [
    {"device": "Raspberry Pi 5", "format": "PyTorch", "ms": 405.2, "map50_95": 0.610},
    {"device": "Raspberry Pi 5", "format": "ONNX", "ms": 168.1, "map50_95": 0.608},
    {"device": "Raspberry Pi 5", "format": "NCNN", "ms": 88.0, "map50_95": 0.611},
    {"device": "Jetson Orin Nano Super", "format": "PyTorch", "ms": 21.3, "map50_95": 0.618},
    {"device": "Jetson Orin Nano Super", "format": "ONNX", "ms": 7.94, "map50_95": 0.610},
    {"device": "Jetson Orin Nano Super", "format": "TensorRT FP16", "ms": 4.91, "map50_95": 0.610},
    {"device": "Jetson Orin Nano Super", "format": "TensorRT INT8", "ms": 3.91, "map50_95": 0.318},
]
# exports and int8 files are derived from the bundled ONNX only: cache them by its digest, across processes
_WORK = Path(tempfile.gettempdir()) / "showcase-edge" / hashlib.sha256(detector.ONNX_PATH.read_bytes()).hexdigest()[:12]


# ---------------------------------------------------------------------------------------------
# The three formats
# ---------------------------------------------------------------------------------------------

@functools.cache
def pytorch_model():
    """The bundled detector as a PyTorch module: built from its YAML, fused, weights from the ONNX file."""
    import onnx
    import torch
    from onnx import numpy_helper

    os.environ["YOLO_OFFLINE"] = "1"                       # no update checks or downloads
    os.environ.setdefault("YOLO_CONFIG_DIR", str(_WORK / "ultralytics"))
    detector.ultralytics_offline()               # offline, and Pillow's Image.open put back
    from ultralytics.nn.tasks import DetectionModel

    model = DetectionModel(str(MODEL_YAML), ch=3, nc=len(shapes.CLASSES), verbose=False).eval()
    model.fuse(verbose=False)
    initialisers = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(detector.ONNX_PATH)).graph.initializer}
    state = model.state_dict()
    missing = [k for k in state if k not in initialisers]
    if missing:
        raise RuntimeError(f"the ONNX file lacks {len(missing)} weights of the fused model, e.g. {missing[:3]}")
    model.load_state_dict({k: torch.from_numpy(initialisers[k].copy()) for k in state})
    return model


def _run_pytorch(size: int, threads: int):
    import torch

    model = pytorch_model()

    def run(rgb: np.ndarray, conf: float, iou: float) -> detector.Detections:
        x, scale, pad = detector.letterbox(rgb, size)
        before = torch.get_num_threads()
        torch.set_num_threads(threads)                  # for this call only: the app's other tabs keep theirs
        try:
            with torch.inference_mode():
                out = model(torch.from_numpy(x))
        finally:
            torch.set_num_threads(before)
        out = (out[0] if isinstance(out, (tuple, list)) else out).numpy()
        boxes, scores, classes = detector.decode(out, conf, iou, scale, pad, rgb.shape[:2])
        return detector.Detections(boxes, scores, classes, tuple(shapes.CLASSES), size)

    return run


@functools.cache
def onnx_fp32(size: int) -> Path:
    """The bundled ONNX file at its own size, else the same network exported at ``size``."""
    if size == detector.IMGSZ:
        return detector.ONNX_PATH
    import torch

    model = pytorch_model()
    head = model.model[-1]
    head.export, head.format = True, "onnx"                 # the head returns one tensor, as Ultralytics exports
    head.shape = None                  # anchors cached under inference_mode cannot be traced: make them anew
    path = _WORK / f"shapes_{size}.onnx"
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    try:
        with torch.no_grad():
            torch.onnx.export(model, torch.zeros(1, 3, size, size), str(partial), input_names=["images"],
                              output_names=["output0"], opset_version=17, dynamo=False)
    finally:
        head.export, head.shape = False, None
    partial.replace(path)                          # atomic: another process never reads half a file
    return path


class _Calibration:
    """Letterboxed training scenes for ONNX Runtime's static quantisation (its CalibrationDataReader)."""

    def __init__(self, size: int, name: str):
        self.batches = iter([{name: detector.letterbox(shapes.generate(s, SCENE).image, size)[0]}
                             for s in CALIBRATION_SEEDS])

    def get_next(self):
        return next(self.batches, None)


@functools.cache
def onnx_int8(size: int) -> Path:
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    source = onnx_fp32(size)
    path = _WORK / f"shapes_{size}_int8.onnx"
    if path.is_file():
        return path
    prepared = _WORK / f"shapes_{size}_prep.{os.getpid()}.onnx"
    partial = path.with_suffix(f".{os.getpid()}.partial")
    prepared.parent.mkdir(parents=True, exist_ok=True)
    quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
    # Convolutions (and the attention block's MatMuls) only: the head's tail concatenates box
    # coordinates in pixels with class scores in 0–1, and one uint8 scale for both zeroes the scores
    # (mAP50 0.00 here when every op was quantised).
    quantize_static(str(prepared), str(partial), _Calibration(size, "images"), quant_format=QuantFormat.QDQ,
                    per_channel=True, weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
                    op_types_to_quantize=["Conv", "MatMul"])
    prepared.unlink()
    partial.replace(path)
    return path


def runner(fmt: str, size: int, threads: int):
    """A function rgb, conf, iou → Detections for one configuration."""
    if fmt == "pytorch":
        return _run_pytorch(size, threads)
    path = onnx_fp32(size) if fmt == "onnx_fp32" else onnx_int8(size)
    model = detector.load_onnx(path, threads)
    return lambda rgb, conf, iou: detector.run_onnx(model, rgb, conf, iou)


def file_mb(fmt: str, size: int) -> float | None:
    if fmt == "pytorch":
        return None
    path = onnx_fp32(size) if fmt == "onnx_fp32" else onnx_int8(size)
    return round(path.stat().st_size / 2**20, 2)


# ---------------------------------------------------------------------------------------------
# Accuracy, speed, the front
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _held_out(n: int) -> tuple:
    return tuple(shapes.generate(HELD_OUT_SEED + i, SCENE) for i in range(n))


def map50(run, n_scenes: int) -> float:
    """mAP at IoU 0.5 over ``n_scenes`` held-out scenes, by Ultralytics' ``ap_per_class``."""
    detector.ultralytics_offline()
    from ultralytics.utils.metrics import ap_per_class

    hits, confs, classes, truth = [], [], [], []
    for scene in _held_out(n_scenes):
        det = run(scene.image, 0.001, 0.7)
        used = np.zeros(len(scene.boxes), bool)
        overlaps = detector.box_iou(det.boxes, scene.boxes)
        for i in np.argsort(-det.scores):
            ok = np.nonzero(~used & (scene.labels == det.classes[i]) & (overlaps[i] >= 0.5))[0]
            if len(ok):
                used[ok[np.argmax(overlaps[i, ok])]] = True
            hits.append(bool(len(ok)))
        confs.extend(det.scores)
        classes.extend(det.classes)
        truth.extend(scene.labels)
    ap = ap_per_class(np.array(hits)[:, None], np.array(confs), np.array(classes), np.array(truth))[5]
    return round(float(ap[:, 0].mean()), 4)


def pareto(latency: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """True where no other point is at least as fast and as accurate, and strictly better in one."""
    lat, acc = np.asarray(latency), np.asarray(accuracy)
    better = (lat[None, :] <= lat[:, None]) & (acc[None, :] >= acc[:, None]) & \
             ((lat[None, :] < lat[:, None]) | (acc[None, :] > acc[:, None]))
    return ~better.any(axis=1)


def pick(table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(fastest, most accurate) rows. Ties go to the other measure, then to the smaller file: of two
    rows with the same mAP the faster one is recommended, not whichever came first in the table."""
    size = table["file_mb"].astype(float).fillna(np.inf)             # no file of its own: last
    order = table.assign(_size=size, _acc=-table["map50"])
    fastest = order.sort_values(["latency_ms", "_acc", "_size"], kind="stable").index[0]
    most = order.sort_values(["_acc", "latency_ms", "_size"], kind="stable").index[0]
    return table.loc[fastest], table.loc[most]


def tensorrt_export(size: int = detector.IMGSZ) -> dict:
    """Build a TensorRT FP16 engine where CUDA and ``tensorrt`` exist; otherwise say why not."""
    command = (f"yolo export model=best.pt format=engine half=True imgsz={size}   # on the Jetson, from the "
               f"training checkpoint; or: trtexec --onnx=shapes_{size}.onnx --fp16 --saveEngine=shapes_{size}.engine")
    import torch

    if not torch.cuda.is_available():
        return {"status": "skipped: no CUDA device here (TensorRT builds engines for an NVIDIA GPU)", "command": command}
    try:
        import tensorrt as trt
    except ImportError:
        return {"status": "skipped: CUDA is present but the tensorrt package is not installed", "command": command}
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(0)
    parser = trt.OnnxParser(network, logger)
    if not parser.parse(onnx_fp32(size).read_bytes()):
        return {"status": f"failed: {parser.get_error(0)}", "command": command}
    config = builder.create_builder_config()
    config.set_flag(trt.BuilderFlag.FP16)
    engine = builder.build_serialized_network(network, config)
    path = _WORK / f"shapes_{size}.engine"
    path.write_bytes(bytes(engine))
    return {"status": f"built {path.name} ({path.stat().st_size / 2**20:.1f} MB)", "command": command}


# ---------------------------------------------------------------------------------------------
# The tab's function
# ---------------------------------------------------------------------------------------------

def edge_benchmark(sizes=(160, 256, 320), formats=FORMATS, threads=THREADS, n_scenes: int = 24, repeats: int = 10,
                   progress=None) -> tuple[pd.DataFrame, dict]:
    """Every size × format × threads: median latency of one held-out scene and mAP50 on ``n_scenes``."""
    sizes = sorted({int(number(s, "Image size", low=96, high=640, integer=True)) for s in (sizes or [])})
    formats = [f for f in FORMATS if f in set(formats or [])]
    threads = sorted({int(number(t, "Threads", low=1, high=8, integer=True)) for t in (threads or [])})
    if not sizes or not formats or not threads:
        raise InputError("Choose at least one image size, one format and one thread count.")
    if any(s % 32 for s in sizes):
        raise InputError(f"Image sizes must be multiples of 32 (YOLO's largest stride); got {sizes}.")
    n_scenes = number(n_scenes, "Held-out scenes", low=4, high=200, integer=True)
    repeats = number(repeats, "Timing repeats", low=3, high=100, integer=True)
    scene = shapes.generate(HELD_OUT_SEED, SCENE).image
    accuracy, runs = {}, []
    configs = [(s, f, t) for s in sizes for f in formats for t in threads]
    for k, (size, fmt, n_threads) in enumerate(configs):
        if progress:
            progress(0.8 * k / len(configs), f"{fmt} {size}px: export, held-out mAP50")
        runs.append(runner(fmt, size, n_threads))
        if (size, fmt) not in accuracy:                        # threads change speed, not the numbers
            accuracy[size, fmt] = map50(runs[-1], n_scenes)
    if progress:
        progress(0.85, "timing, every configuration in turn")
    # all configurations alternate within each round, so a busy moment on the machine hits them all alike
    times = samples_ms([functools.partial(run, scene, 0.25, 0.45) for run in runs], repeats, warmup=2)
    rows = [{"size": size, "format": fmt, "threads": n_threads, "latency_ms": round(float(np.median(ms)), 2),
             "map50": accuracy[size, fmt], "file_mb": file_mb(fmt, size)}
            for (size, fmt, n_threads), ms in zip(configs, times)]
    table = pd.DataFrame(rows)
    table["pareto"] = pareto(table["latency_ms"].to_numpy(), table["map50"].to_numpy())
    table["config"] = table["format"] + " " + table["size"].astype(str) + "px ×" + table["threads"].astype(str)
    best = table[table["pareto"]].sort_values("latency_ms")
    fastest, most = pick(table)
    import torch

    metrics = {
        "rows": table[["size", "format", "threads", "latency_ms", "map50", "pareto"]].to_dict("records"),
        "front": best["config"].tolist(),
        "fastest": {"config": fastest["config"], "latency_ms": float(fastest["latency_ms"]), "map50": float(fastest["map50"])},
        "most_accurate": {"config": most["config"], "latency_ms": float(most["latency_ms"]), "map50": float(most["map50"])},
        "held_out_scenes": n_scenes,
        "held_out_seeds": f"{HELD_OUT_SEED}–{HELD_OUT_SEED + n_scenes - 1}",
        "card_map50_200_scenes": read_card(MODEL_YAML.parent / "model_card.json")["held_out"]["map50"],
        "calibration": f"{len(CALIBRATION_SEEDS)} training scenes (seeds 0–{len(CALIBRATION_SEEDS) - 1})",
        "timing": f"median of {repeats} rounds, configurations alternating; one 320×320 scene, letterbox + forward + decode",
        "cpu_threads_available": os.cpu_count(),
        "torch_threads_default": torch.get_num_threads(),
        "tensorrt": tensorrt_export()["status"],
        "ultralytics_yolo11n": ULTRALYTICS,
        "model": "YOLO11p shapes (trained here)",
        "source": "bundled",
    }
    return table, metrics


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[160, 256, 320])
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--threads", type=int, nargs="+", default=list(THREADS))
    parser.add_argument("--scenes", type=int, default=24)
    args = parser.parse_args(argv)
    table, metrics = edge_benchmark(args.sizes, args.formats, args.threads, args.scenes)
    print(table.to_string(index=False))
    print({k: v for k, v in metrics.items() if k != "ultralytics_yolo11n"})
    print(tensorrt_export()["command"])


if __name__ == "__main__":
    main()
