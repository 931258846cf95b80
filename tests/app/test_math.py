"""The math tabs through the API: defaults, bad inputs with clear errors, and recovery."""

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from showcase.core.settings import asset

pytestmark = pytest.mark.slow
ASTRONAUT = str(asset("math", "svd", "astronaut.png"))


def test_svd_with_only_the_image_uses_the_first_example(client):
    *_, metrics = client.predict(handle_file(ASTRONAUT), api_name="/svd_compress")
    assert metrics["rank"] == 32 and metrics["method"] == "randomized"
    assert metrics["psnr_db"] > 20


def test_svd_bad_inputs_then_recovers(client, fails_clearly, bad_files, tmp_path):
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10)
    fails_clearly("/svd_compress", handle_file(str(corrupt)), 8, "full", match="Could not read")
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (3, 3)).save(tiny)
    fails_clearly("/svd_compress", handle_file(str(tiny)), 1, "full", match="at least")
    fails_clearly("/svd_compress", handle_file(bad_files["png_1x1"]), 1, "full", match="1×1; it needs at least", by="backend")
    fails_clearly("/svd_compress", handle_file(bad_files["png_20000x20"]), 8, "full", match="20000×20; the limit",
                  by="backend")
    fails_clearly("/svd_compress", handle_file(ASTRONAUT), 9999, "full", match="greater than maximum", by="gradio")
    fails_clearly("/svd_compress", handle_file(ASTRONAUT), 8, "magic", match="not in the list of choices")
    *_, metrics = client.predict(handle_file(ASTRONAUT), 7, "full", api_name="/svd_compress")  # rank 7: computed now
    assert metrics["rank"] == 7


def test_svd_odd_images_are_converted(client, tmp_path):
    rgba = tmp_path / "rgba.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 80, 4), dtype=np.uint8), "RGBA").save(rgba)
    deep = tmp_path / "deep.png"
    Image.fromarray(np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)).save(deep)
    for path, mode in ((rgba, "RGBA"), (deep, "I;16")):
        *_, metrics = client.predict(handle_file(str(path)), 4, "full", api_name="/svd_compress")
        assert metrics["input_mode"].startswith(mode[:3]), metrics


def test_pca_defaults_and_bad_k(client, fails_clearly):
    *_, metrics = client.predict(api_name="/pca_project")
    assert metrics["n_components"] == 10 and metrics["eig_svd_max_abs_diff"] < 1e-8
    fails_clearly("/pca_project", 0, "digits", match="less than minimum")
    fails_clearly("/pca_project", 10, "mnist", match="not in the list of choices")
    assert client.predict(3, "wine", api_name="/pca_project")[-1]["n_components"] == 3


def test_distributions_bad_data_then_recovers(client, fails_clearly):
    fails_clearly("/fit_distribution", "gaussian", "1 2 three", match="not a number")
    fails_clearly("/fit_distribution", "poisson", "1.5 2 3 4 5 6", match="whole numbers")
    fails_clearly("/fit_distribution", "gaussian", "4 4 4 4 4", match="All values are equal")
    metrics = client.predict("gaussian", "", api_name="/fit_distribution")[-1]
    assert metrics["family"] == "gaussian" and metrics["n"] == 200


def test_gradient_descent_no_arguments_is_the_roadmap_example(client, fails_clearly):
    metrics = client.predict(api_name="/gradient_descent")[-1]
    assert metrics["dataset"] == "roadmap" and metrics["closed_form_slope"] == pytest.approx(0.8)
    fails_clearly("/gradient_descent", "roadmap", "batch", -1, 100, 2, match="less than minimum")
    fails_clearly("/gradient_descent", "roadmap", "batch", 0.01, 2.5, 2, match="Epochs must be a whole number")
    fails_clearly("/gradient_descent", "roadmap", "adam", 0.01, 100, 2, match="not in the list of choices")
    assert client.predict("roadmap", "batch", 0.5, 50, 2, api_name="/gradient_descent")[-1]["diverged"] is True
