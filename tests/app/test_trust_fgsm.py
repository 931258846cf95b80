"""The FGSM tab through the API: the first example, a photo, bad inputs with clear errors, recovery."""

import pytest
from gradio_client import handle_file

from pages.trust.fgsm import EXAMPLES

pytestmark = pytest.mark.slow
DIGIT, CHELSEA = EXAMPLES[0][0], EXAMPLES[1][0]


def test_fgsm_with_only_the_image_is_the_first_example(client):
    *images, before, after, curves, verdict, context, result, metrics = client.predict(handle_file(DIGIT), api_name="/fgsm_attack")
    assert (metrics["epsilon"], metrics["attack"], metrics["model"]) == (0.2, "fgsm", "digits CNN, standard")
    assert metrics["label_changed"] and metrics["adv_label"] != metrics["clean_label"]
    assert before["label"] == metrics["clean_label"] and after["label"] == metrics["adv_label"]
    assert metrics["held_out_accuracy_adversarial"] > metrics["held_out_accuracy_standard"]
    assert all(images) and curves and "**" in verdict and "**" in context
    assert f"**{metrics['adv_label']}**" in result and "89.4%" in result and "17.9%" in result and 'lang="zh"' in result


def test_fgsm_on_a_photo_names_imagenet_classes(client):
    metrics = client.predict(handle_file(CHELSEA), "efficientnet_lite0", 2 / 255, "fgsm", "", api_name="/fgsm_attack")[-1]
    assert metrics["model"].startswith("EfficientNet-Lite0") and metrics["label_changed"]
    assert metrics["clean_label"] in ("tabby cat", "tiger cat", "Egyptian cat") and metrics["linf"] <= 2 / 255 + 1e-6


def test_fgsm_bad_inputs_then_recovers(client, fails_clearly, tmp_path):
    fails_clearly("/fgsm_attack", handle_file(DIGIT), "standard", -0.1, "fgsm", "", match="less than minimum")
    fails_clearly("/fgsm_attack", handle_file(DIGIT), "standard", 1.5, "fgsm", "", match="greater than maximum")
    fails_clearly("/fgsm_attack", handle_file(DIGIT), "resnet", 0.1, "fgsm", "", match="not in the list of choices")
    fails_clearly("/fgsm_attack", handle_file(CHELSEA), "efficientnet_lite0", 0.01, "targeted_fgsm", "unicorn",
                  match="Unknown target class")
    text = tmp_path / "notes.png"
    text.write_text("these are not pixels, just words")
    fails_clearly("/fgsm_attack", handle_file(str(text)), "standard", 0.1, "fgsm", "", match="image")
    metrics = client.predict(handle_file(DIGIT), "adversarial", 0.1, "fgsm", "", api_name="/fgsm_attack")[-1]
    assert metrics["model"] == "digits CNN, adversarial" and metrics["epsilon"] == 0.1
