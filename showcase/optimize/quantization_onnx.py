"""The ONNX Runtime route of the quantisation tab (``showcase.optimize.quantization``).

The fp32 model is exported to ONNX once per process; ``onnxruntime.quantization.quantize_static``
writes its int8 twin in the QDQ format with per-channel weights, the activation ranges taken by
MinMax calibration through a ``CalibrationDataReader``. Docs: onnxruntime.ai/docs/performance/
model-optimizations/quantization.html. Run through the tab's module:

    python -m showcase.optimize.quantization --model student --methods ort_static
"""

from __future__ import annotations

import functools
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from showcase.optimize.quantization_data import subject

_workdir: Path | None = None


def workdir() -> Path:
    global _workdir
    if _workdir is None:
        _workdir = Path(tempfile.mkdtemp(prefix="showcase-quant-"))
    return _workdir


@functools.cache
def onnx_fp32(name: str) -> Path:
    """The fp32 model exported to ONNX once (legacy TorchScript exporter: seconds, not a minute)."""
    path = workdir() / f"{name}-fp32.onnx"
    s = subject(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(s.model, (torch.from_numpy(s.images[:1]),), str(path), input_names=["image"],
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    return path


def ort_static(fp32_path: Path, int8_path: Path, calibration: np.ndarray) -> Path:
    """QDQ int8 with per-channel weights; activation ranges from MinMax over the calibration images."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter(calibration[i:i + 1] for i in range(len(calibration)))

        def get_next(self):
            batch = next(self.batches, None)
            return None if batch is None else {"image": batch}

    # uint8 activations × int8 weights ("U8S8"): MLAS's fast kernels on AVX2. Its S8S8 default ran
    # 2.4× slower on the zoo teacher here. reduce_range (7-bit weights) keeps the int16 pair sums
    # of CPUs without VNNI from saturating; it cost no accuracy on the zoo CNNs (it gained some).
    quantize_static(str(fp32_path), str(int8_path), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, reduce_range=True)
    return int8_path


def ort_predict(session, images: np.ndarray, batch: int = 250) -> np.ndarray:
    return np.concatenate([session.run(["logits"], {"image": images[i:i + batch]})[0].argmax(1)
                           for i in range(0, len(images), batch)])
