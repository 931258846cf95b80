"""Frameworks: graph mode, ONNX export, distributed training."""
