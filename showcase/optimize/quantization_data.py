"""The quantisation tab's models and images (``showcase.optimize.quantization``).

The zoo's Fashion-MNIST CNNs are scored on 1,000 held-out test images and calibrated on training
images. EfficientNet-Lite0 has no ImageNet labels offline: its "accuracy" is the top-1 agreement
with PyTorch fp32 on 24 views of six real photos, calibrated on random crops of ten *other* photos
(scikit-image's). Calibration never sees a held-out image. Run through the tab's module:

    python -m showcase.optimize.quantization --model efficientnet_lite0 --calibration 64
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from torch import nn

from showcase.core import datasets, imagenet, zoo
from showcase.core.errors import InputError
from showcase.core.images import load_image
from showcase.core.settings import asset
from showcase.optimize.quantization_torch import predict_torch

MODELS = ("student", "teacher", "efficientnet_lite0")
N_EVAL = 1000                                      # zoo test images scored
SEED = 0
EVAL_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "china", "flower")
CALIBRATION_PHOTOS = ("hubble_deep_field.jpg", "retina.jpg", "motorcycle_left.png", "ihc.png", "camera.png",
                      "coins.png", "moon.png", "brick.png", "grass.png", "gravel.png")


@dataclass(frozen=True)
class Subject:
    """A model to quantise, with its held-out images and how it is scored."""
    name: str
    model: nn.Module            # fp32, eval mode; never modified (copies are)
    images: np.ndarray          # (N, C, H, W) float32, normalised: the held-out set
    labels: np.ndarray          # (N,) int64: true labels, or PyTorch fp32's top-1 for EfficientNet
    scored_by: str              # "accuracy" | "top-1 agreement with PyTorch fp32"


def photo(name: str) -> Image.Image:
    """A real photo by name: the onnx_export tab's bundled four, scikit-learn's two, scikit-image's."""
    if name in ("china", "flower"):
        import sklearn.datasets

        return load_image(Path(sklearn.datasets.__file__).parent / "images" / f"{name}.jpg")
    if name in ("astronaut", "chelsea", "coffee", "rocket"):
        return load_image(asset("frameworks", "onnx_export", f"{name}.jpg"))
    import skimage.data

    return load_image(Path(skimage.data.__file__).parent / name)


def eval_views(image: Image.Image) -> list[Image.Image]:
    """Four views of a photo: whole, centre 80%, mirrored, top-left 80%."""
    w, h = image.size
    cw, ch = int(0.8 * w), int(0.8 * h)
    return [image, image.crop(((w - cw) // 2, (h - ch) // 2, (w + cw) // 2, (h + ch) // 2)),
            image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), image.crop((0, 0, cw, ch))]


@functools.cache
def calibration_crops(n: int) -> np.ndarray:
    """``n`` random crops (30–100% of the shorter side, half mirrored) of the calibration photos."""
    rng = np.random.default_rng(SEED)
    photos = [photo(name) for name in CALIBRATION_PHOTOS]
    out = []
    for i in range(n):
        image = photos[i % len(photos)]
        w, h = image.size
        side = int(min(w, h) * rng.uniform(0.3, 1.0))
        x, y = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
        crop = image.crop((x, y, x + side, y + side))
        if rng.random() < 0.5:
            crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        out.append(imagenet.preprocess(crop))
    return np.stack(out)


def calibration_images(name: str, n: int) -> np.ndarray:
    """(n, C, H, W) float32 images the model is calibrated on: never the held-out ones."""
    if name == "efficientnet_lite0":
        return calibration_crops(n)
    rng = np.random.default_rng(SEED)
    data = datasets.load_fashion_mnist()
    return datasets.fashion_tensor(data.x_train[rng.choice(len(data.x_train), n, replace=False)]).numpy()


_subject_lock = threading.Lock()


@functools.cache
def _subject(name: str) -> Subject:
    if name == "efficientnet_lite0":
        model = imagenet.efficientnet_lite0()
        images = np.stack([imagenet.preprocess(v) for p in EVAL_PHOTOS for v in eval_views(photo(p))])
        labels = predict_torch(model, images)
        return Subject(name, model, images, labels, "top-1 agreement with PyTorch fp32")
    data = datasets.load_fashion_mnist()
    return Subject(name, zoo.load_model(name), datasets.fashion_tensor(data.x_test[:N_EVAL]).numpy(),
                   data.y_test[:N_EVAL], "accuracy")


def subject(name: str) -> Subject:
    if name not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {name!r}.")
    with _subject_lock:
        return _subject(name)
