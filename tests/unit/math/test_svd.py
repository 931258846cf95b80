import numpy as np
import pytest
from PIL import Image

from showcase.core.errors import InputError
from showcase.core.settings import asset
from showcase.math.svd import factor_bytes, jpeg_at_budget, rank_k, svd_compress

ASTRONAUT = asset("math", "svd", "astronaut.png")


def test_eckart_young_error_equals_dropped_singular_values():
    rng = np.random.default_rng(0)
    a = rng.random((40, 30, 1))
    out, _, energy, spectra = rank_k(a, 5, "full")
    s = spectra[0][0]
    # float16 factors add a little error on top of the exact Σ_{i>k} σ_i²
    assert np.sum((a - out) ** 2) == pytest.approx(np.sum(s[5:] ** 2), rel=0.02)
    assert energy[0] == pytest.approx(np.sum(s[:5] ** 2) / np.sum(s**2))


def test_randomized_is_close_to_the_best():
    a = np.asarray(Image.open(ASTRONAUT).convert("L"), dtype=float)[..., None] / 255
    full, *_ = rank_k(a, 20, "full")
    fast, *_ = rank_k(a, 20, "randomized")
    assert np.linalg.norm(a - fast) < 1.03 * np.linalg.norm(a - full)


def test_metrics_and_jpeg_budget():
    result = svd_compress(ASTRONAUT, rank=16)
    m = result.metrics
    assert m["rank"] == 16 and m["jpeg_bytes"] <= m["svd_bytes"]
    assert m["compression_ratio"] == pytest.approx(512 * 512 * 3 / m["svd_bytes"], rel=1e-3)
    assert 15 < m["psnr_db"] < m["jpeg_psnr_db_same_bytes"]  # JPEG wins at the same bytes
    assert 0 < m["ssim"] < 1 and 0.9 < m["energy_kept"] < 1
    assert result.image.size == (512, 512)
    higher = svd_compress(ASTRONAUT, rank=64).metrics
    assert higher["psnr_db"] > m["psnr_db"] and higher["energy_kept"] > m["energy_kept"]


def test_full_method_gives_the_whole_spectrum():
    result = svd_compress(ASTRONAUT, rank=8, method="full")
    assert len(result.spectrum) == 3 * 512 and result.spectrum["energy"].max() == pytest.approx(1.0)
    fast = svd_compress(ASTRONAUT, rank=8).spectrum  # randomized: the top k, energy still exact
    assert len(fast) == 3 * 8 and fast.notna().all().all()
    assert fast["energy"].iloc[7] == pytest.approx(result.spectrum["energy"].iloc[7], rel=1e-3)


@pytest.mark.parametrize("method", ["randomized", "full"])
def test_the_jpeg_budget_known_before_the_svd_is_what_the_factors_take(method):
    a = np.random.default_rng(1).random((30, 20, 3))
    _, nbytes, *_ = rank_k(a, 4, method)
    assert factor_bytes(30, 20, 3, 4) == nbytes == 3 * 4 * (30 + 20 + 1) * 2


def test_jpeg_budget_is_respected():
    image = Image.open(ASTRONAUT).convert("RGB")
    decoded, quality, data = jpeg_at_budget(image, 30_000)
    assert len(data) <= 30_000 and 1 <= quality <= 100
    assert data[:2] == b"\xff\xd8" and decoded.size == image.size  # a real JPEG file


@pytest.mark.parametrize("kwargs, message", [
    (dict(rank=0), "between"), (dict(rank=600), "between"), (dict(rank=2.5), "whole"),
    (dict(method="qr"), "method"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        svd_compress(ASTRONAUT, **kwargs)


def test_images_over_the_svd_limit_are_refused():
    with pytest.raises(InputError, match="limit is 2048"):
        svd_compress(np.zeros((10, 3000, 3), dtype=np.uint8), rank=1)
