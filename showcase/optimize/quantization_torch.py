"""The PyTorch routes of the quantisation tab (``showcase.optimize.quantization``): dynamic and FX static.

- ``pytorch_dynamic``: ``torch.ao.quantization.quantize_dynamic``; only ``nn.Linear`` weights become
  int8, activations are quantised on the fly.
- ``pytorch_static``: FX graph mode (``prepare_fx`` → calibrate → ``convert_fx``) with the x86 back
  end's default ``QConfigMapping``. ``fx_ready`` first turns EfficientNet-Lite0's TF-style "same"
  paddings into plain convolutions (why: its docstring; the tab's module docstring has the numbers).

Docs: pytorch.org/docs/stable/quantization.html. Run through the tab's module:

    python -m showcase.optimize.quantization --model student --methods pytorch_dynamic pytorch_static
"""

from __future__ import annotations

import copy
import io

import numpy as np
import torch
from torch import nn

from showcase.core.threads import one_thread


def state_dict_bytes(model: nn.Module) -> int:
    """Serialized size: ``torch.save`` of the state dict (packed int8 weights included)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def predict_torch(model, images: np.ndarray, batch: int = 250) -> np.ndarray:
    with torch.inference_mode(), one_thread():
        return np.concatenate([model(torch.from_numpy(images[i:i + batch])).argmax(1).numpy()
                               for i in range(0, len(images), batch)])


def pytorch_dynamic(model: nn.Module) -> nn.Module:
    """int8 weights for every ``nn.Linear``; activations quantised on the fly at run time."""
    from torch.ao.quantization import quantize_dynamic

    return quantize_dynamic(copy.deepcopy(model), {nn.Linear}, dtype=torch.qint8)


class EveryOther(nn.Module):
    """Keep every other row and column from the second: stride 2 after a stride-1 convolution."""

    def forward(self, x):
        return x[:, :, 1::2, 1::2]


def fx_ready(model: nn.Module, fast_depthwise: bool = True) -> nn.Module:
    """A copy of EfficientNet-Lite0 with plain ``nn.Conv2d`` layers, the same function to float rounding.

    The port's ``Conv2dStaticSamePadding`` pads TensorFlow's way: symmetric for stride 1 (it
    becomes the convolution's own padding), one pixel more on the bottom/right for stride 2. A
    separate ``ZeroPad2d`` before a quantised depthwise convolution sends fbgemm down its slow
    generic path, so with ``fast_depthwise`` a stride-2 depthwise convolution with the padding
    (p, p + 1) becomes a stride-1 one with padding p + 1 followed by every other row and column
    (window i of the original starts at 2i − p, which is window 2i + 1 of the stride-1 one).
    Other convolutions keep an explicit ``ZeroPad2d``. The zoo's models are returned as copies.
    """
    from efficientnet_lite_pytorch.utils import Conv2dStaticSamePadding

    model = copy.deepcopy(model).eval()
    for parent in list(model.modules()):
        for key, child in list(parent.named_children()):
            if not isinstance(child, Conv2dStaticSamePadding):
                continue
            conv = nn.Conv2d(child.in_channels, child.out_channels, child.kernel_size, tuple(child.stride),
                             0, child.dilation, child.groups, child.bias is not None)
            conv.load_state_dict(child.state_dict())
            left, right, top, bottom = getattr(child.static_padding, "padding", (0, 0, 0, 0))
            if (left, top) == (right, bottom):
                conv.padding = (top, left)
                replacement = conv
            elif fast_depthwise and child.groups > 1 and (right - left, bottom - top) == (1, 1) \
                    and tuple(child.stride) == (2, 2):
                conv.padding, conv.stride = (bottom, right), (1, 1)
                replacement = nn.Sequential(conv, EveryOther())
            else:
                replacement = nn.Sequential(nn.ZeroPad2d((left, right, top, bottom)), conv)
            setattr(parent, key, replacement)
    return model.eval()                               # the new layers were built in training mode


def pytorch_static(model: nn.Module, calibration: np.ndarray, batch: int = 64) -> nn.Module:
    """FX graph mode static quantisation: fuse conv–BN–ReLU, observe the calibration images, convert."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    example = (torch.from_numpy(calibration[:1]),)
    prepared = prepare_fx(fx_ready(model), get_default_qconfig_mapping("x86"), example)
    with torch.inference_mode(), one_thread():
        for i in range(0, len(calibration), batch):
            prepared(torch.from_numpy(calibration[i:i + batch]))      # observers record the ranges
    return convert_fx(prepared)
