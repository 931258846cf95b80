"""TensorFlow's half of the graph-mode tab, in a process of its own: eager Keras vs ``tf.function``.

Never imported by the app: ``showcase.frameworks.graph_mode`` starts ``python -m
showcase.frameworks.tf_worker`` once and talks to it in JSON lines (``showcase.core.workers`` says
why TensorFlow gets a process of its own, and how the two sides talk).

The Keras model is the PyTorch ``SmallCNN`` of ``graph_mode`` with the very same weights (sent as
an ``.npz``), channels-last: convolution kernels go from (O, I, kH, kW) to (kH, kW, I, O), and the
first dense layer's rows are reordered because PyTorch flattens (C, H, W) and Keras (H, W, C). So
its output on the same input matches PyTorch's to float32 rounding (``tf_vs_torch_max_abs_diff``).

Eager: ``model(x, training=False)``, op by op from Python. Graph: ``tf.function`` traces the call
once per input signature into a ``tf.Graph`` that Grappler optimises; the first call pays for the
trace (``compile_s``), later ones run the graph.

    echo '{"batch": 32, "calls": 30, "weights": "w.npz", "input": "x.npy"}' | python -m showcase.frameworks.tf_worker
"""

from __future__ import annotations

import time

from showcase.core.workers import serve_tensorflow


def keras_model(weights: dict):
    """SmallCNN in Keras, channels-last, with the PyTorch weights."""
    import keras
    import numpy as np

    def conv(name, filters):
        return keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name=name)

    inputs = keras.Input((28, 28, 1))
    x = conv("conv1", 16)(inputs)
    x = keras.layers.MaxPooling2D(name="pool1")(x)
    x = conv("conv2", 32)(x)
    x = keras.layers.MaxPooling2D(name="pool2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(64, activation="relu", name="fc1")(x)
    outputs = keras.layers.Dense(10, name="fc2")(x)
    model = keras.Model(inputs, outputs)

    def kernel(w):                        # (O, I, kH, kW) -> (kH, kW, I, O)
        return np.ascontiguousarray(w.transpose(2, 3, 1, 0))

    fc1 = weights["fc1.weight"]           # (64, C·H·W) in PyTorch's (C, H, W) order
    channels = weights["conv2.weight"].shape[0]
    side = int(round((fc1.shape[1] / channels) ** 0.5))
    fc1 = fc1.reshape(-1, channels, side, side).transpose(2, 3, 1, 0).reshape(-1, fc1.shape[0])
    model.get_layer("conv1").set_weights([kernel(weights["conv1.weight"]), weights["conv1.bias"]])
    model.get_layer("conv2").set_weights([kernel(weights["conv2.weight"]), weights["conv2.bias"]])
    model.get_layer("fc1").set_weights([fc1, weights["fc1.bias"]])
    model.get_layer("fc2").set_weights([weights["fc2.weight"].T.copy(), weights["fc2.bias"]])
    return model


_models: dict[str, tuple] = {}   # weights path -> (model, tf.function, {batch: first-call seconds})


def handle(request: dict, say) -> dict:
    """Time eager Keras against ``tf.function`` on the request's weights and input."""
    import keras
    import numpy as np
    import tensorflow as tf

    key = request["weights"]
    if key not in _models:
        with np.load(key) as npz:
            model = keras_model({k: npz[k] for k in npz.files})
        _models[key] = (model, tf.function(lambda a, m=model: m(a, training=False)), {})
    model, graph, traced = _models[key]
    x = np.load(request["input"])                          # (B, 1, 28, 28), PyTorch's layout
    x = tf.constant(np.ascontiguousarray(x.transpose(0, 2, 3, 1)))  # -> (B, 28, 28, 1)
    batch, calls = int(x.shape[0]), int(request["calls"])

    cached = batch in traced
    t0 = time.perf_counter()
    y_graph = graph(x).numpy()                             # traces on a new signature
    first = time.perf_counter() - t0
    if not cached:
        traced[batch] = first
    y_eager = model(x, training=False).numpy()
    eager_times, graph_times = [], []
    for i in range(calls):                                 # alternate, so both share the noise
        t0 = time.perf_counter()
        model(x, training=False)
        eager_times.append(1000 * (time.perf_counter() - t0))
        t0 = time.perf_counter()
        graph(x)
        graph_times.append(1000 * (time.perf_counter() - t0))
        if (i + 1) % max(1, calls // 5) == 0:
            say((i + 1) / calls, f"TensorFlow call {i + 1}/{calls}")
    reference = np.load(request["reference"]) if request.get("reference") else None
    return {
        "framework": f"TensorFlow {tf.__version__}, Keras {keras.__version__}",
        "compile_s": round(traced[batch], 4),
        "compile_cached": cached,
        "eager_times": eager_times,
        "graph_times": graph_times,
        "max_abs_diff": float(np.abs(y_eager - y_graph).max()),
        "tf_vs_torch_max_abs_diff": (float(np.abs(y_graph - reference).max())
                                     if reference is not None else None),
    }


if __name__ == "__main__":
    serve_tensorflow(handle)
