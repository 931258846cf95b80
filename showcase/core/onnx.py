"""ONNX Runtime sessions on the CPU, made one way for every tab.

Small models here run on one intra-op thread: on two shared cores a second thread mostly waits,
and one thread per request keeps concurrent users from fighting over the cores. The ONNX export
tab asks for as many threads as torch uses, so that its race with PyTorch is fair.

    session = ort_session(path)                  # one thread, all graph optimisations, CPU
    session.run(None, {"image": batch})
"""

from __future__ import annotations

from pathlib import Path


def ort_session(path: Path | str, threads: int = 1):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3          # warnings about unused initialisers are not the user's business
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
