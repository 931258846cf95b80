"""Distillation: the bundled full runs' test errors, and the live run's cost, measured in one run.

``full_*_errors``: errors on the 10,000 Fashion-MNIST test images from the model cards (teacher,
student alone, distilled student), beside Hinton et al.'s MNIST 67 / 146 / 74;
``distilled_over_alone_errors``: the distilled student's errors over the student alone's (< 1 means
distillation helped); ``teacher_over_student_params``: the size ratio;
``live_default_s``: the tab's default live run (T = 2, α = 0.5, 120 steps per student, also its
first example) with the student alone retrained, and ``live_short_s`` for 30 steps;
``live_<steps>_gain_points``: distilled minus alone accuracy on 2,000 test images.

    python -m benchmarks.optimize.distillation
"""

from __future__ import annotations

import time

from benchmarks.verdict import measured, read


def claims() -> dict:
    from showcase.core import zoo
    from showcase.optimize import distillation

    full = distillation.full_runs()
    out = {f"distillation.full_{k.replace(' ', '_')}_errors": v["errors"] for k, v in full.items()}
    out["distillation.distilled_over_alone_errors"] = measured(
        round(full["distilled"]["errors"] / full["student alone"]["errors"], 3), "< 1")
    out["distillation.teacher_over_student_params"] = round(
        zoo.count_params(zoo.build("teacher")) / zoo.count_params(zoo.build("student")), 2)
    out["distillation.hinton_mnist_errors"] = read("67 / 146 / 74", "Hinton et al. 2015, MNIST test errors")
    for label, steps in (("live_short_s", 30), ("live_default_s", distillation.LIVE_STEPS)):
        distillation.live_student_alone.cache_clear()
        started = time.perf_counter()
        metrics = distillation.distill(distillation.TEMPERATURE, distillation.ALPHA, steps).metrics
        out[f"distillation.{label}"] = round(time.perf_counter() - started, 2)
        out[f"distillation.live_{steps}_gain_points"] = metrics["distillation_gain_points"]
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
