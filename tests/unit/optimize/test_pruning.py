
import pytest
import torch
from torch.nn.utils import prune as torch_prune

from showcase.core.errors import InputError
from showcase.core import datasets, zoo
from showcase.optimize import pruning


def fresh(name="student"):
    torch.manual_seed(0)
    return zoo.build(name).eval()


@pytest.mark.parametrize("name", zoo.MODELS)
def test_global_20_percent_l1_gives_exactly_20_00_percent(name):
    model = pruning.apply_pruning(fresh(name), "global_l1", 0.2)
    fraction, zeros, total = pruning.overall_sparsity(model, "global_l1")
    assert zeros == round(0.2 * total)
    assert f"{100 * fraction:.2f}%" == "20.00%"
    per_layer = pruning.layer_sparsity(model, "global_l1")["sparsity"]
    assert per_layer.max() > per_layer.min()          # global: layers end up unequally sparse


def test_layer_l1_prunes_every_layer_by_the_same_fraction():
    model = pruning.apply_pruning(fresh(), "layer_l1", 0.5)
    for _, m in pruning.prunable(model, "layer_l1"):
        assert int((m.weight == 0).sum()) == round(0.5 * m.weight.numel())


def test_ln_structured_zeroes_whole_output_channels():
    model = pruning.apply_pruning(fresh(), "ln_structured", 0.5)
    for _, m in pruning.prunable(model, "ln_structured"):
        dead = (m.weight.flatten(1) == 0).all(dim=1)
        assert int(dead.sum()) == round(0.5 * m.out_channels)
    assert not torch_prune.is_pruned(model.head)      # the classes stay


def test_masks_survive_fine_tuning_and_fold_into_plain_weights():
    model = pruning.apply_pruning(fresh(), "global_l1", 0.6)
    data = datasets.load_fashion_mnist()
    zoo.fit(model, data.x_train[:256], data.y_train[:256], batch_size=32, max_steps=3, lr=1e-2)
    fraction, _, _ = pruning.overall_sparsity(model, "global_l1")
    assert fraction == pytest.approx(0.6, abs=1e-4)
    pruning.make_permanent(model)
    assert not any(hasattr(m, "weight_orig") for m in model.modules())
    assert pruning.overall_sparsity(model, "global_l1")[0] == pytest.approx(0.6, abs=1e-4)
    assert pruning.nonzero_params(model) < zoo.count_params(model)


@pytest.mark.parametrize("name", zoo.MODELS)
def test_removing_channels_makes_a_smaller_dense_model(name):
    model = fresh(name)
    small = pruning.remove_channels(model, 0.5)
    assert zoo.count_params(small) < 0.4 * zoo.count_params(model)
    x = torch.zeros(2, 1, 28, 28)
    assert small(x).shape == (2, 10)
    assert zoo.count_params(model) == zoo.count_params(fresh(name))   # the original is untouched


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="random"), "method"), (dict(sparsity=1.5), "Sparsity"), (dict(sparsity=None), "missing"),
    (dict(finetune_steps=-1), "Fine-tune"), (dict(finetune_steps=3.5), "whole"), (dict(model="vgg"), "model"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        pruning.prune(**kwargs)


@pytest.mark.slow
def test_prune_end_to_end():
    result = pruning.prune("global_l1", 0.2, 5, "student")
    m = result.metrics
    assert m["sparsity_percent"] == "20.00%" and m["sparsity_after_finetune"] == pytest.approx(0.2, abs=1e-5)
    assert m["params"] < m["dense_params"] and m["channels_removed_params"] < m["dense_params"]
    for key in ("sparsity", "accuracy", "finetuned_accuracy", "params", "latency_ms"):
        assert key in m
    assert m["accuracy"] > 0.7 and m["dense_accuracy"] > 0.8
    assert result.curve["accuracy"].notna().all() and set(result.curve["run"]) == {"pruned", "pruned + fine-tune"}
    assert len(result.layers) == len(pruning.prunable(zoo.build("student"), "global_l1"))
    assert list(result.latency["model"]) == ["dense", "zeroed weights", "channels removed"]
