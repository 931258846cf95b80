import pytest
import torch
from torch.nn import functional as F

from showcase.core.errors import InputError
from showcase.core import zoo
from showcase.optimize import distillation


def test_alpha_zero_is_plain_cross_entropy():
    torch.manual_seed(0)
    s, t, y = torch.randn(8, 10), torch.randn(8, 10), torch.randint(0, 10, (8,))
    assert torch.allclose(distillation.hinton_loss(s, t, y, 4.0, 0.0), F.cross_entropy(s, y))


def test_soft_term_is_zero_when_the_student_matches_the_teacher():
    t = torch.randn(8, 10)
    assert float(distillation.hinton_loss(t.clone(), t, torch.zeros(8, dtype=torch.long), 4.0, 1.0)) < 1e-6


def test_t_squared_keeps_the_gradients_comparable():
    torch.manual_seed(0)
    t, y = torch.randn(64, 10) * 3, torch.randint(0, 10, (64,))
    norms = []
    for temperature in (2.0, 8.0):
        s = torch.randn(64, 10, requires_grad=True)
        distillation.hinton_loss(s, t, y, temperature, 1.0).backward()
        norms.append(float(s.grad.norm()))
    assert 0.2 < norms[1] / norms[0] < 5          # without T² the ratio would be ~1/16


@pytest.mark.parametrize("kwargs, message", [
    (dict(temperature=0), "Temperature"), (dict(temperature="hot"), "Temperature"),
    (dict(alpha=1.5), "Alpha"), (dict(steps=2.5), "whole"), (dict(steps=10_000), "Steps"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        distillation.distill(**kwargs)


@pytest.mark.slow
def test_training_smoke_run(tmp_path):
    card = distillation.train(max_steps=2, train_images=512, eval_images=500, folder=tmp_path, log=lambda *_: None)
    assert card["recipe"]["steps"] == 2 and card["temperature"] == distillation.TEMPERATURE
    assert zoo.weights_path(distillation.NAME, tmp_path).is_file()


def test_full_runs_same_recipe_and_distilled_beats_student_alone_on_the_cards():
    student, distilled = zoo.model_card("student"), zoo.model_card(distillation.NAME, distillation.FOLDER)
    assert distilled["seed"] == student["seed"] and distilled["recipe"]["steps"] == student["recipe"]["steps"]
    assert distilled["recipe"]["batch_size"] == student["recipe"]["batch_size"]
    assert distilled["test_errors"] < student["test_errors"]
    assert zoo.weights_path(distillation.NAME, distillation.FOLDER).stat().st_size < 10 * 2**20


@pytest.mark.slow
def test_bundled_distilled_student_beats_the_student_alone_re_evaluated():
    n = 4000
    alone = zoo.evaluate(zoo.load_model("student"), n)
    distilled = zoo.evaluate(distillation.load_distilled(), n)
    assert distilled["accuracy"] > alone["accuracy"]
    card = zoo.model_card(distillation.NAME, distillation.FOLDER)
    assert abs(zoo.evaluate(distillation.load_distilled())["errors"] - card["test_errors"]) <= 5


@pytest.mark.slow
def test_live_run_metrics():
    result = distillation.distill(2.0, 0.5, 10)
    m = result.metrics
    for key in ("teacher_accuracy", "student_accuracy", "distilled_accuracy", "temperature", "alpha",
                "teacher_errors", "student_errors", "distilled_errors"):
        assert key in m
    assert m["test_images"] == distillation.LIVE_EVAL and m["steps"] == 10
    assert m["teacher_accuracy"] > m["student_accuracy"]
    assert len(result.curves) == 30 and result.curves["loss"].notna().all()
    assert set(result.errors["source"]) >= {"Hinton et al., MNIST", "live run, Fashion-MNIST"}
    assert result.errors["errors_per_10k"].notna().all()
    again = distillation.distill(4.0, 0.9, 10).metrics      # the student alone is reused, same seed
    assert again["student_alone_cached"] and again["student_errors"] == m["student_errors"]
