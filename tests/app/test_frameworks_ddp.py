"""The DDP tab through the API: bad inputs with clear errors, then a small 1 vs 2 process run."""

import pytest

from tests.app.test_every_endpoint import keeps_its_contract
from tests.app.values import records
from tests.rounding import ratio_of_rounded

pytestmark = pytest.mark.slow


def test_ddp_bad_inputs_then_a_small_run(client, fails_clearly):
    fails_clearly("/ddp_train", 5, 10, 64, 0.05, "float64", match="greater than maximum")
    fails_clearly("/ddp_train", 2, 10, 64, 0.05, "float16", match="not in the list of choices")
    fails_clearly("/ddp_train", 3, 10, 64, 0.05, "float64", match="does not split evenly over 3 processes")
    log, curves, throughput, commands, note, metrics = client.predict(2, 4, 16, 0.05, "float64", api_name="/ddp_train")
    keeps_its_contract("ddp_train", metrics)
    assert metrics["world_size"] == 2 and metrics["steps"] == 4 and metrics["local_batch"] == 8
    assert metrics["max_param_diff_vs_single"] <= 1e-5 and metrics["equal_within_1e-5"]
    # float64: both runs end on the same loss; the plotted throughputs are the metrics, their ratio the speed-up
    assert metrics["final_loss"] == pytest.approx(metrics["single_final_loss"], abs=2e-6) and metrics["final_loss"] > 0
    assert sorted(r["samples_per_s"] for r in records(throughput)) == sorted(
        [metrics["samples_per_s"], metrics["single_samples_per_s"]])
    assert ratio_of_rounded(metrics["speedup_vs_single"], metrics["samples_per_s"], metrics["single_samples_per_s"],
                            (1, 1, 3)), metrics
    assert "[rank 1/2] done" in log and "torch.distributed.run" in log
    assert "--nnodes=2" in commands and "--nproc-per-node=8" in commands
    assert curves and throughput
