"""TensorFlow Lite full-integer quantisation, in a process of its own.

The app never imports TensorFlow (``showcase.core.workers`` says why): ``showcase.optimize.quantization``
starts ``python -m showcase.optimize.tflite_worker`` once (``TFLiteWorker``, below) and talks to it
in JSON lines. Arrays travel as ``.npy``/``.npz`` files in the worker's folder.

A request carries a *layer program*, the PyTorch network written as a list of plain steps
(``conv``, ``pad``, ``relu``, ``relu6``, ``add``, ``gap``, ``flatten``, ``dense``, with batch norms
already folded into the convolutions; ``showcase.optimize.tflite_program.layer_program`` writes it from the model's
``torch.fx`` graph), with its weights. The worker rebuilds it as a Keras functional model,
channels-last: convolution kernels (O, I, kH, kW) → (kH, kW, I, O), depthwise ones (C, 1, kH, kW)
→ (kH, kW, C, 1), PyTorch's explicit paddings as ``ZeroPadding2D`` before a ``valid`` convolution.
Then, as the TensorFlow Lite post-training guide does it (tensorflow.org/lite/performance/
post_training_integer_quant):

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = calibration_images          # a generator of (1, H, W, C)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = converter.inference_output_type = tf.int8

and runs both ``.tflite`` files (the plain fp32 conversion and the int8 one) with the TFLite
interpreter on one thread: the logits of the evaluation images and the median batch-1 latency.
TF 2.21 still ships ``tf.lite.Interpreter`` (with a warning that LiteRT's ``ai_edge_litert``
replaces it); that package is not installed here, so the worker uses TensorFlow's.

    echo '{"program": "p.json", "weights": "w.npz", "calibration": "c.npy", "eval": "e.npy", "out": "/tmp/x"}' \\
        | python -m showcase.optimize.tflite_worker
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from showcase.core.workers import TensorFlowWorker, serve_tensorflow, tensorflow_installed  # noqa: F401


class TFLiteUnavailable(RuntimeError):
    """TensorFlow is missing or its worker failed; the other methods still work."""


# --- the worker's side (TensorFlow, no torch) -------------------------------------------------

def keras_model(program: list[dict], weights: dict, input_shape: tuple[int, int, int]):
    """The layer program as a Keras functional model, channels-last."""
    import keras
    import numpy as np

    inputs = keras.Input(input_shape)                   # (H, W, C)
    values = {"input": inputs}
    for i, step in enumerate(program):
        op, name = step["op"], f"{i:03d}_{step['op']}"
        x = values[step["in"][0]]
        if op == "pad":
            left, right, top, bottom = step["pad"]
            y = keras.layers.ZeroPadding2D(((top, bottom), (left, right)), name=name)(x)
        elif op == "conv":
            w = weights[step["weight"]]                 # (O, I/groups, kH, kW)
            bias = weights[step["bias"]]
            ph, pw = step["padding"]
            if ph or pw:
                x = keras.layers.ZeroPadding2D(((ph, ph), (pw, pw)), name=name + "_pad")(x)
            if step["groups"] == 1:
                layer = keras.layers.Conv2D(w.shape[0], w.shape[2:], strides=step["stride"], padding="valid", name=name)
                kernel = w.transpose(2, 3, 1, 0)
            elif step["groups"] == w.shape[0] and w.shape[1] == 1:
                layer = keras.layers.DepthwiseConv2D(w.shape[2:], strides=step["stride"], padding="valid", name=name)
                kernel = w.transpose(2, 3, 0, 1)
            else:
                raise ValueError(f"grouped convolution with {step['groups']} groups is not supported")
            y = layer(x)
            layer.set_weights([np.ascontiguousarray(kernel), bias])
        elif op == "relu":
            y = keras.layers.ReLU(name=name)(x)
        elif op == "relu6":
            y = keras.layers.ReLU(6.0, name=name)(x)
        elif op == "add":
            y = keras.layers.Add(name=name)([x, values[step["in"][1]]])
        elif op == "gap":
            y = keras.layers.GlobalAveragePooling2D(keepdims=True, name=name)(x)
        elif op == "flatten":
            y = keras.layers.Flatten(name=name)(x)     # after the pooling: (1, 1, C) → C, same order
        elif op == "dense":
            w = weights[step["weight"]]                 # (out, in)
            layer = keras.layers.Dense(w.shape[0], name=name)
            y = layer(x)
            layer.set_weights([np.ascontiguousarray(w.T), weights[step["bias"]]])
        else:
            raise ValueError(f"unknown step {op!r}")
        values[step["out"]] = y
    return keras.Model(inputs, values[program[-1]["out"]])


def convert(model, calibration=None) -> bytes:
    """fp32 TFLite when ``calibration`` is None, else full-integer int8 with int8 input and output."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if calibration is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([image[None]] for image in calibration)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


def run_tflite(content: bytes, images, repeats: int):
    """(float logits of every image, median ms of one image) with the interpreter on one thread.

    An int8 model takes int8 input: each image is quantised with the input's scale and zero point,
    and the int8 output dequantised, as a device would."""
    import numpy as np
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_content=content, num_threads=1)
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    in_scale, in_zero = inp["quantization"]
    out_scale, out_zero = out["quantization"]

    def one(image):
        x = image[None]
        if inp["dtype"] == np.int8:
            x = np.clip(np.round(x / in_scale + in_zero), -128, 127).astype(np.int8)
        interpreter.set_tensor(inp["index"], x)
        interpreter.invoke()
        y = interpreter.get_tensor(out["index"])[0]
        return (y.astype(np.float32) - out_zero) * out_scale if out["dtype"] == np.int8 else y

    logits = np.stack([one(image) for image in images])
    one(images[0])
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        one(images[0])
        times.append(1000 * (time.perf_counter() - started))
    return logits, float(np.median(times))


def handle(request: dict, say) -> dict:
    import numpy as np

    program = json.loads(Path(request["program"]).read_text())
    with np.load(request["weights"]) as npz:
        weights = {k: npz[k] for k in npz.files}
    calibration = np.load(request["calibration"])      # (N, H, W, C) float32, normalised
    images = np.load(request["eval"])
    out = Path(request["out"])
    model = keras_model(program, weights, images.shape[1:])
    say(0.1, "TensorFlow Lite: converting fp32")
    fp32 = convert(model)
    say(0.3, f"TensorFlow Lite: converting int8 with {len(calibration)} representative images")
    int8 = convert(model, calibration)
    (out / "fp32.tflite").write_bytes(fp32)
    (out / "int8.tflite").write_bytes(int8)
    say(0.6, "TensorFlow Lite: running fp32 and int8")
    repeats = int(request.get("repeats", 20))
    fp32_logits, fp32_ms = run_tflite(fp32, images, repeats)
    int8_logits, int8_ms = run_tflite(int8, images, repeats)
    np.save(out / "fp32_logits.npy", fp32_logits)
    np.save(out / "int8_logits.npy", int8_logits)
    import tensorflow as tf

    return {"fp32_bytes": len(fp32), "int8_bytes": len(int8), "fp32_ms": fp32_ms, "int8_ms": int8_ms,
            "fp32_logits": str(out / "fp32_logits.npy"), "int8_logits": str(out / "int8_logits.npy"),
            "fp32_path": str(out / "fp32.tflite"), "int8_path": str(out / "int8.tflite"),
            "framework": f"TensorFlow {tf.__version__}"}


# --- the app's side (no TensorFlow) -----------------------------------------------------------

class TFLiteWorker(TensorFlowWorker):
    """``python -m showcase.optimize.tflite_worker``, once per app process, started on first use."""

    module = "showcase.optimize.tflite_worker"
    unavailable = TFLiteUnavailable
    missing = "TensorFlow is not installed here, so the TFLite method cannot run; the PyTorch and ONNX Runtime methods work."
    start_timeout = 180.0    # s: importing TensorFlow on a busy 2-core machine
    call_timeout = 600.0     # s: converting and timing EfficientNet-Lite0

    def quantize(self, program: list[dict], weights: dict, calibration, images, repeats: int, say) -> dict:
        """Convert and run; ``calibration`` and ``images`` are (N, H, W, C) float32 arrays."""
        import numpy as np

        with self.lock:
            say(0.02, "starting the TensorFlow worker process (the first time imports TensorFlow)")
            self.start()
            job = Path(tempfile.mkdtemp(dir=self.folder))
            (job / "program.json").write_text(json.dumps(program))
            np.savez(job / "weights.npz", **weights)
            np.save(job / "calibration.npy", np.ascontiguousarray(calibration, dtype=np.float32))
            np.save(job / "eval.npy", np.ascontiguousarray(images, dtype=np.float32))
            result = self.request({"program": str(job / "program.json"), "weights": str(job / "weights.npz"),
                                   "calibration": str(job / "calibration.npy"), "eval": str(job / "eval.npy"),
                                   "out": str(job), "repeats": repeats}, say)
            result["fp32_logits"] = np.load(result["fp32_logits"])
            result["int8_logits"] = np.load(result["int8_logits"])
            return result


_worker: TFLiteWorker | None = None


def worker() -> TFLiteWorker:
    global _worker
    if _worker is None:
        _worker = TFLiteWorker()
    return _worker


if __name__ == "__main__":
    serve_tensorflow(handle)
