"""What the REST service and the serverless function share: load a bundled model (or one from a
model folder) and turn a request body into images, with a 4xx status for what a client got wrong.

SageMaker's toolkit names these steps ``model_fn`` and ``input_fn``; Cloud Functions has no names
for them. Nothing here imports a web framework, so the function's cold start does not pay for one.

    served = load("classifier")                       # or "detector"; from /opt/ml/model if it holds one
    images = decode_payload(body, "image/png", served.kind)
    served.predict(images)                            # [{"label": "Ankle boot", ...}]
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from showcase.core.errors import InputError
from showcase.core.images import load_image
from showcase.core.settings import asset

MODELS = ("classifier", "detector")
MODEL_DIR = Path("/opt/ml/model")          # where SageMaker unpacks model.tar.gz (a function may point it elsewhere)
MAX_PAYLOAD_MB = 6                         # SageMaker real-time InvokeEndpoint's payload limit
MAX_INSTANCES = 64                         # images in one JSON request
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "application/x-image")
JSON_TYPE = "application/json"
CLASSIFIER_ONNX = asset("deploy", "rest_api", "fashion_student.onnx")


# ---------------------------------------------------------------------------------------------
# The model: loaded once per worker process, from /opt/ml/model when it holds one
# ---------------------------------------------------------------------------------------------

@dataclass
class Served:
    kind: str
    name: str
    source: str                                  # "bundled" or the file it was read from
    predict: Callable[[list[np.ndarray]], list[dict]] = field(repr=False)


def _model_file(model_dir: Path, patterns: tuple[str, ...]) -> Path | None:
    for pattern in patterns:
        found = sorted(model_dir.glob(pattern)) if model_dir.is_dir() else []
        if found:
            return found[0]
    return None


def _classifier(model_dir: Path) -> Served:
    from showcase.core import datasets

    onnx_file = _model_file(model_dir, ("*.onnx",))
    weights = None if onnx_file else _model_file(model_dir, ("*.safetensors",))
    if weights is not None:                      # zoo weights: PyTorch (imported only on this path)
        import torch

        from showcase.core import zoo

        torch.set_num_threads(1)                 # one thread per worker: workers are the parallelism
        model = zoo.load_weights(zoo.build("student"), weights)

        def logits(batch: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                return model(datasets.fashion_tensor(batch)).numpy()
    else:                                        # ONNX: ~0.1 ms a 28×28 image here, against ~7 ms eager
        from showcase.core.onnx import ort_session

        session = ort_session(onnx_file or CLASSIFIER_ONNX)
        name = session.get_inputs()[0].name

        def logits(batch: np.ndarray) -> np.ndarray:
            x = (batch.astype(np.float32) / 255.0 - datasets.FASHION_MEAN) / datasets.FASHION_STD
            return session.run(None, {name: x[:, None].astype(np.float32)})[0]

    def predict(images: list[np.ndarray]) -> list[dict]:
        z = logits(np.stack([_grey28(x) for x in images]))                    # (N, 10)
        probs = np.exp(z - z.max(1, keepdims=True))
        probs /= probs.sum(1, keepdims=True)
        out = []
        for p in probs:
            top = np.argsort(-p)[:3]
            out.append({"label": datasets.FASHION_CLASSES[top[0]], "class_id": int(top[0]),
                        "top3": {datasets.FASHION_CLASSES[i]: round(float(p[i]), 4) for i in top}})
        return out

    found = onnx_file or weights
    return Served("classifier", "Fashion-MNIST student (MobileNet-style, trained here)",
                  str(found) if found else "bundled", predict)


def export_classifier(path: Path = None) -> dict:
    """Export the zoo's student to ONNX (what the services load) and check it against PyTorch on
    the 10,000 Fashion-MNIST test images; writes the file and its card beside it."""
    import hashlib
    import json

    import torch

    from showcase.core import datasets, zoo
    from showcase.core.onnx import ort_session

    path = Path(path or CLASSIFIER_ONNX)
    model = zoo.load_model("student")
    data = datasets.load_fashion_mnist()
    x = datasets.fashion_tensor(data.x_test[:1])
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, x, str(path), input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17, dynamo=False)
    reference = zoo.logits_of(model, data.x_test).numpy()
    session = ort_session(path)
    ours = np.concatenate([session.run(None, {"image": datasets.fashion_tensor(data.x_test[i:i + 1000]).numpy()})[0]
                           for i in range(0, len(data.x_test), 1000)])
    card = {
        "model": "Fashion-MNIST student (showcase.core.zoo), exported to ONNX for serving",
        "weights_sha256": hashlib.sha256(zoo.weights_path("student").read_bytes()).hexdigest(),
        "command": "python -m showcase.deploy.inference export-classifier",
        "opset": 17,
        "max_abs_logit_diff_vs_pytorch": float(np.abs(ours - reference).max()),
        "test_accuracy": round(float((ours.argmax(1) == data.y_test).mean()), 4),
        "same_predictions_as_pytorch": int((ours.argmax(1) == reference.argmax(1)).sum()),
        "test_images": len(data.y_test),
    }
    path.with_suffix(".model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def _grey28(rgb: np.ndarray) -> np.ndarray:
    """An RGB or grey image as Fashion-MNIST sees it: 28×28, one 8-bit channel (garment light on dark)."""
    from PIL import Image

    grey = rgb if rgb.ndim == 2 else np.asarray(Image.fromarray(rgb).convert("L"))
    if grey.shape != (28, 28):
        grey = np.asarray(Image.fromarray(grey).resize((28, 28), Image.BILINEAR))
    return grey.astype(np.uint8)


def _detector(model_dir: Path) -> Served:
    from showcase.core import detector

    path = _model_file(model_dir, ("*.onnx",))
    model = detector.load_onnx(path or detector.ONNX_PATH)

    def predict(images: list[np.ndarray]) -> list[dict]:
        out = []
        for rgb in images:
            det = detector.run_onnx(model, rgb, conf=0.25, iou=0.45)
            out.append({"detections": [
                {"label": det.names[int(c)], "score": round(float(s), 4), "box_xyxy": [round(float(v), 1) for v in b]}
                for b, s, c in zip(det.boxes, det.scores, det.classes)]})
        return out

    return Served("detector", "YOLO11p shapes (trained here, ONNX)", str(path) if path else "bundled", predict)


def load(kind: str, model_dir: Path = MODEL_DIR) -> Served:
    """SageMaker's ``model_fn``: the model of this container, from ``model_dir`` when it holds one."""
    if kind not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {kind!r}.")
    return _classifier(model_dir) if kind == "classifier" else _detector(model_dir)


# ---------------------------------------------------------------------------------------------
# Payloads: SageMaker's input_fn, with a 4xx for everything a client can get wrong
# ---------------------------------------------------------------------------------------------

class PayloadError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def decode_payload(body: bytes, content_type: str, kind: str) -> list[np.ndarray]:
    """The request body as a list of images (H, W, 3 uint8 RGB, or 28×28 grey for instances)."""
    media = content_type.split(";")[0].strip().lower()
    if not body:
        raise PayloadError(400, "The request body is empty: send an image or JSON.")
    if media in IMAGE_TYPES:
        return [_image(body)]
    if media != JSON_TYPE:
        raise PayloadError(415, f"Content-Type {media or '(none)'!r} is not supported; use one of "
                                f"{', '.join(IMAGE_TYPES + (JSON_TYPE,))}.")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(400, f"The body is not valid JSON: {exc}.") from None
    if isinstance(payload, dict) and isinstance(payload.get("image"), str):
        try:
            raw = base64.b64decode(payload["image"], validate=True)
        except (binascii.Error, ValueError):
            raise PayloadError(400, '"image" is not valid base64.') from None
        return [_image(raw)]
    if kind == "classifier" and isinstance(payload, dict) and "instances" in payload:
        return _instances(payload["instances"])
    shape = '{"image": "<base64 PNG/JPEG>"}' + (' or {"instances": [28×28 numbers 0–255, ...]}'
                                                 if kind == "classifier" else "")
    raise PayloadError(422, f"JSON must look like {shape}.")


def check_accept(accept: str | None) -> None:
    """Refuse (406) an ``Accept`` header that allows no JSON: every answer here is JSON. The REST
    service and the serverless function both ask this, so a client gets the same answer from each."""
    accept = (accept or "*/*").lower()
    if not any(a.split(";")[0].strip() in ("*/*", "application/*", JSON_TYPE) for a in accept.split(",")):
        raise PayloadError(406, f"Accept {accept!r}: this endpoint answers application/json only.")


def _image(raw: bytes) -> np.ndarray:
    try:
        return np.asarray(load_image(raw))
    except InputError as exc:
        raise PayloadError(400, str(exc)) from None


def _instances(instances) -> list[np.ndarray]:
    if not isinstance(instances, list) or not 1 <= len(instances) <= MAX_INSTANCES:
        raise PayloadError(422, f'"instances" must be a list of 1 to {MAX_INSTANCES} images.')
    try:
        batch = np.asarray(instances, dtype=np.float64)
    except (TypeError, ValueError):
        raise PayloadError(422, '"instances" must hold numbers only, each image 28×28.') from None
    if batch.shape[1:] != (28, 28):
        raise PayloadError(422, f'each instance must be 28×28 numbers in 0–255; got shape {batch.shape[1:]}.')
    if not np.isfinite(batch).all():
        bad = "NaN" if np.isnan(batch).any() else "infinity"
        raise PayloadError(422, f'each instance must be 28×28 numbers in 0–255; got {bad} '
                                f'({int((~np.isfinite(batch)).sum())} of {batch.size} values).')
    if batch.min() < 0 or batch.max() > 255:
        raise PayloadError(422, f'each instance must be 28×28 numbers in 0–255; got values from '
                                f'{batch.min():g} to {batch.max():g}.')
    return list(np.round(batch).astype(np.uint8))


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Export the classifier the services load (needs torch).")
    parser.add_argument("command", choices=["export-classifier"])
    parser.parse_args()
    print(json.dumps(export_classifier(), indent=2))
