"""Edge: what each format buys for the shapes detector at its own size (256 px), one thread.

``edge.onnx_over_pytorch_256``: eager PyTorch's latency over ONNX Runtime fp32's (> 1: ONNX faster);
``edge.int8_over_fp32_256``: ONNX fp32's latency over int8's (> 1: int8 faster); the mAP50 of each
on 24 held-out scenes (the model card: 0.9015 on 200), and int8's file size as a fraction of fp32's.
Configurations alternate within each of 15 timing rounds.

    python -m benchmarks.deploy.edge
"""

from __future__ import annotations


def claims() -> dict:
    from showcase.deploy import edge

    table, _ = edge.edge_benchmark([256], edge.FORMATS, [1], n_scenes=24, repeats=15)
    row = table.set_index("format")
    out = {
        "edge.onnx_over_pytorch_256": round(row.loc["pytorch", "latency_ms"] / row.loc["onnx_fp32", "latency_ms"], 2),
        "edge.int8_over_fp32_256": round(row.loc["onnx_fp32", "latency_ms"] / row.loc["onnx_int8", "latency_ms"], 2),
        "edge.int8_file_fraction": round(row.loc["onnx_int8", "file_mb"] / row.loc["onnx_fp32", "file_mb"], 2),
    }
    for fmt in edge.FORMATS:
        out[f"edge.{fmt}_256_ms"] = float(row.loc[fmt, "latency_ms"])
        out[f"edge.{fmt}_256_map50_24_scenes"] = float(row.loc[fmt, "map50"])
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
