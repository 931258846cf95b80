"""The PyTorch network as a *layer program* for the TFLite worker (``showcase.optimize.tflite_worker``).

TensorFlow never runs in the app's process, so the model cannot travel as a Python object: it
travels as a list of plain steps (``conv``, ``pad``, ``relu``, ``relu6``, ``add``, ``gap``,
``flatten``, ``dense``) written from its ``torch.fx`` graph with batch norms folded, plus the
weights as arrays. The worker's ``keras_model`` rebuilds each step as a Keras layer. Run through
the quantisation tab's module:

    python -m showcase.optimize.quantization --model student --methods tflite_int8
"""

from __future__ import annotations

import operator

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from showcase.optimize.quantization_torch import fx_ready


def layer_program(model: nn.Module) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The network as a list of plain steps for the TFLite worker, and their weights.

    ``torch.fx`` traces the forward pass into a graph; ``fuse`` folds every batch norm into the
    convolution before it. Each node becomes one step ``{"op", "in": [...], "out"}``; dropout and
    ``x.size()`` disappear. Anything else is refused rather than guessed.
    """
    from torch.fx.experimental.optimization import fuse

    graph = fuse(fx_ready(model, fast_depthwise=False))
    program: list[dict] = []
    weights: dict[str, np.ndarray] = {}
    alias: dict[str, str] = {}

    def name_of(node) -> str:
        return alias.get(node.name, node.name)

    def emit(node, op, inputs, **fields):
        program.append({"op": op, "in": [name_of(n) for n in inputs], "out": node.name, **fields})

    for node in graph.graph.nodes:
        target, args = node.target, node.args
        if node.op == "placeholder":
            alias[node.name] = "input"
        elif node.op == "call_module":
            m = graph.get_submodule(target)
            if isinstance(m, nn.Conv2d):
                key = f"{len(program)}"
                weights[key + ".w"] = m.weight.detach().numpy()
                weights[key + ".b"] = (m.bias.detach().numpy() if m.bias is not None
                                       else np.zeros(m.out_channels, np.float32))
                emit(node, "conv", args[:1], weight=key + ".w", bias=key + ".b", stride=list(m.stride),
                     padding=list(m.padding), groups=m.groups)
            elif isinstance(m, nn.Linear):
                key = f"{len(program)}"
                weights[key + ".w"], weights[key + ".b"] = m.weight.detach().numpy(), m.bias.detach().numpy()
                emit(node, "dense", args[:1], weight=key + ".w", bias=key + ".b")
            elif isinstance(m, nn.ZeroPad2d):
                emit(node, "pad", args[:1], pad=list(m.padding))
            elif isinstance(m, (nn.ReLU, nn.ReLU6)):
                emit(node, "relu6" if isinstance(m, nn.ReLU6) else "relu", args[:1])
            elif isinstance(m, nn.AdaptiveAvgPool2d) and m.output_size in (1, (1, 1)):
                emit(node, "gap", args[:1])
            elif isinstance(m, (nn.Dropout, nn.Identity)):
                alias[node.name] = name_of(args[0])
            else:
                raise ValueError(f"layer_program: no TFLite step for {type(m).__name__} ({target})")
        elif node.op == "call_function":
            if target in (F.relu, torch.relu):
                emit(node, "relu", args[:1])
            elif target in (operator.add, torch.add):
                emit(node, "add", args[:2])
            elif target is F.adaptive_avg_pool2d and args[1] in (1, (1, 1)):
                emit(node, "gap", args[:1])
            elif target is torch.flatten:
                emit(node, "flatten", args[:1])
            else:
                raise ValueError(f"layer_program: no TFLite step for {target}")
        elif node.op == "call_method":
            if target == "size":
                continue
            if target == "view" and program and program[-1]["op"] == "gap":
                emit(node, "flatten", args[:1])           # x.view(batch, -1) after the pooling
            else:
                raise ValueError(f"layer_program: no TFLite step for .{target}()")
        elif node.op == "output":
            if name_of(args[0]) != program[-1]["out"]:
                raise ValueError("layer_program: the output is not the last step")
    return program, weights


def nhwc(images: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(images.transpose(0, 2, 3, 1))
