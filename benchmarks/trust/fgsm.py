"""FGSM: the attack's cost on a digit and on a 224-px photo, and the bundled models' robustness.

``digit_fgsm_ms`` / ``photo_fgsm_ms``: median of one ``fgsm_attack`` call (clean forward, one
gradient, adversarial forward) on the first digit example and on Chelsea (EfficientNet-Lite0 at
224×224), measured alternating, and their p95 against the targets (300 ms a digit, 1 s a photo);
``photo_pgd_ms`` the 10-step PGD on the same photo;
``pgd_over_fgsm_time`` their ratio. From the card: held-out accuracy of the standard and the
adversarially trained CNN under FGSM at ε = 0.1 and 0.25, beside Goodfellow et al.'s MNIST
error at ε = 0.25 (89.4% standard, 17.9% adversarially trained).

    python -m benchmarks.trust.fgsm
"""

from __future__ import annotations

from benchmarks.verdict import measured, read


def claims() -> dict:
    from pages.trust.fgsm import EXAMPLES
    import numpy as np

    from showcase.core.timing import samples_ms
    from showcase.trust import fgsm

    digit, chelsea = EXAMPLES[0][0], EXAMPLES[1][0]
    times = samples_ms([
        lambda: fgsm.fgsm_attack(digit, "standard", 0.2),
        lambda: fgsm.fgsm_attack(chelsea, "efficientnet_lite0", 2 / 255),
        lambda: fgsm.fgsm_attack(chelsea, "efficientnet_lite0", 2 / 255, "pgd"),
    ], repeats=20)
    digit_ms, photo_ms, pgd_ms = (float(np.median(t)) for t in times)
    card = fgsm.model_card()
    curves = card["curves"]
    at = {eps: curves["epsilon"].index(eps) for eps in (0.1, 0.25)}
    out = {"fgsm.digit_fgsm_ms": round(digit_ms, 1), "fgsm.photo_fgsm_ms": round(photo_ms, 1),
           "fgsm.digit_fgsm_p95_ms": measured(round(float(np.percentile(times[0], 95)), 1), "<= 300"),
           "fgsm.photo_fgsm_p95_ms": measured(round(float(np.percentile(times[1], 95)), 1), "<= 1000"),
           "fgsm.photo_pgd_ms": round(pgd_ms, 1), "fgsm.pgd_over_fgsm_time": round(pgd_ms / photo_ms, 2)}
    for name in ("standard", "adversarial"):
        out[f"fgsm.{name}_clean_accuracy"] = read(curves[f"{name}_fgsm"][0], "model card")
        for eps, i in at.items():
            out[f"fgsm.{name}_fgsm_accuracy_eps_{eps}"] = read(curves[f"{name}_fgsm"][i], "model card")
        out[f"fgsm.{name}_pgd_accuracy_eps_0.25"] = read(curves[f"{name}_pgd"][at[0.25]], "model card")
    out["fgsm.goodfellow_error_eps_0.25"] = read("89.4% standard / 17.9% adversarially trained", "Goodfellow et al. 2015")
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
