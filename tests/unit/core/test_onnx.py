import numpy as np
import torch

from showcase.core.onnx import ort_session


def test_session_runs_an_exported_model_on_one_thread(tmp_path):
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()).eval()
    path = tmp_path / "tiny.onnx"
    torch.onnx.export(net, (torch.zeros(1, 4),), str(path), input_names=["x"], output_names=["y"], dynamo=False)
    session = ort_session(path)
    x = np.random.default_rng(0).normal(size=(1, 4)).astype(np.float32)
    (y,) = session.run(None, {"x": x})
    np.testing.assert_allclose(y, net(torch.from_numpy(x)).detach().numpy(), atol=1e-6)
    assert session.get_session_options().intra_op_num_threads == 1
