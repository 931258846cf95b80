"""DDP: 1 and 2 torchrun processes give the same weights; the launcher's errors; bad inputs refused."""

import sys

import pytest
import torch

from showcase.core.errors import InputError
from showcase.frameworks import ddp, ddp_worker
from tests.rounding import ratio_of_rounded


@pytest.mark.slow
def test_one_and_two_processes_end_with_the_same_weights():
    result = ddp.train(world_size=2, steps=6, global_batch=16, lr=0.05)
    m = result.metrics
    assert result.done and m["world_size"] == 2 and m["backend"] == "gloo" and m["local_batch"] == 8
    assert m["max_param_diff_vs_single"] <= ddp.TOLERANCE and m["equal_within_1e-5"]
    assert m["replica_max_diff"] == 0.0                # DDP keeps the two replicas identical
    single, multi = result.runs[1], result.runs[2]
    assert multi["losses"] == pytest.approx(single["losses"], abs=1e-9) and len(multi["losses"]) == 6
    assert m["final_loss"] == pytest.approx(m["single_final_loss"], abs=1e-6)
    assert m["test_accuracy"] == pytest.approx(m["single_test_accuracy"], abs=1e-9)
    # the plotted throughputs are the metrics (2 processes, then 1), and the speed-up their ratio
    assert list(result.throughput["samples_per_s"])[::-1] == [m["samples_per_s"], m["single_samples_per_s"]]
    assert ratio_of_rounded(m["speedup_vs_single"], m["samples_per_s"], m["single_samples_per_s"], (1, 1, 3)), m
    assert "[rank 0/2] ready" in result.log and "[rank 1/2] done" in result.log
    assert "--nproc-per-node=2" in m["command"] and "torch.distributed.run" in m["command"]
    assert tuple(result.curves["run"].unique()) == ddp.RUN_NAMES and len(result.curves) == 12
    assert tuple(result.throughput["run"]) == ddp.RUN_NAMES


@pytest.mark.parametrize("kwargs, message", [
    (dict(world_size=1), "World size"), (dict(world_size=5), "World size"), (dict(world_size=2.5), "whole"),
    (dict(steps=0), "Steps"), (dict(steps="many"), "Steps"), (dict(global_batch=4), "Global batch"),
    (dict(world_size=3, global_batch=64), "split evenly over 3"), (dict(lr=0), "Learning rate"),
    (dict(lr=float("nan")), "Learning rate"), (dict(precision="float16"), "Precision"),
])
def test_bad_inputs_are_refused_before_anything_starts(kwargs, message):
    with pytest.raises(InputError, match=message):
        ddp.train_stream(**kwargs)


def test_cpu_command_forks_workers_and_gpu_command_is_the_plain_form(tmp_path):
    cpu = ddp.torchrun_command(2, 10, 64, 0.05, "float64", tmp_path, "cpu")
    assert cpu[1:5] == ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2"]
    assert "--start-method=fork" in cpu and str(ddp.WORKER) in cpu and f"--out={tmp_path}" in cpu
    gpu = ddp.torchrun_command(8, 10, 64, 0.05, "float32", tmp_path, "cuda")
    assert "showcase.frameworks.ddp_worker" in gpu and "--device=cuda" in gpu and "--run-path" not in gpu


def test_commands_for_many_gpus_and_nodes():
    text = ddp.commands(40, 64, 0.05)
    for part in ("--nproc-per-node=8", "--nnodes=2", "--rdzv-backend=c10d", "--rdzv-endpoint=", "--node-rank=1",
                 "--global-batch=64"):
        assert part in text


def test_launch_reports_a_failing_command_with_its_last_lines():
    lines = []
    with pytest.raises(ddp.LaunchFailed, match=r"code 3(.|\n)*boom"):
        for line in ddp.launch([sys.executable, "-c", "print('boom'); raise SystemExit(3)"]):
            lines.append(line)
    assert lines == ["boom"]


def test_launch_stops_a_run_that_takes_too_long():
    with pytest.raises(ddp.LaunchFailed, match="did not finish within 1 s"):
        list(ddp.launch([sys.executable, "-c", "import time; print('start', flush=True); time.sleep(60)"], timeout=1))


def test_max_param_diff_and_held_out_accuracy():
    torch.manual_seed(0)
    weights = {k: v.double() for k, v in ddp_worker.Net().state_dict().items()}
    shifted = {k: v + (1e-3 if k == "fc2.bias" else 0) for k, v in weights.items()}
    assert ddp.max_param_diff(weights, weights) == 0
    assert ddp.max_param_diff(weights, shifted) == pytest.approx(1e-3)
    assert 0 <= ddp.held_out_accuracy(weights, n=200) <= 0.3        # an untrained net is near chance


def test_the_worker_shards_add_up_to_the_global_batch():
    """DistributedSampler's shards of a step are, together, the single process's batch."""
    from torch.utils.data import DataLoader, DistributedSampler

    data = list(range(ddp_worker.POOL))

    def batches(world, rank):
        sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=0, drop_last=True)
        return [b.tolist() for b in DataLoader(data, batch_size=48 // world, sampler=sampler, drop_last=True)][:5]

    single = batches(1, 0)
    for world in (2, 3, 4):
        shards = [batches(world, r) for r in range(world)]
        assert [sorted(sum((s[i] for s in shards), [])) for i in range(5)] == [sorted(b) for b in single]
