import io

import numpy as np
import pytest
from PIL import Image

from showcase.core.errors import InputError
from showcase.core.images import load_image


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_rgba_is_composited_on_white_not_black():
    rgba = Image.new("RGBA", (20, 10), (255, 0, 0, 0))  # fully transparent red
    out = load_image(png_bytes(rgba))
    assert out.mode == "RGB" and out.getpixel((0, 0)) == (255, 255, 255)
    assert out.info["converted_from"] == "RGBA"


def test_la_and_palette_with_transparency():
    assert load_image(Image.new("LA", (16, 16), (0, 0))).getpixel((3, 3)) == (255, 255, 255)
    p = Image.new("P", (16, 16), 0)
    p.putpalette([0, 0, 0] * 256)
    p.info["transparency"] = 0
    assert load_image(p).getpixel((0, 0)) == (255, 255, 255)


def test_16_bit_grayscale_keeps_its_range():
    ramp = np.linspace(0, 65535, 32 * 32).reshape(32, 32).astype(np.uint16)
    out = np.asarray(load_image(png_bytes(Image.fromarray(ramp))))
    assert out.shape == (32, 32, 3)
    assert out.min() == 0 and out.max() == 255  # not clipped to white, not crushed to black


def test_arrays_of_several_types():
    assert load_image(np.zeros((10, 12), dtype=np.uint8)).size == (12, 10)
    assert load_image(np.ones((10, 12, 1), dtype=np.float32)).getpixel((0, 0)) == (255, 255, 255)
    assert load_image(np.full((10, 10, 3), 65535, dtype=np.uint16)).getpixel((0, 0)) == (255, 255, 255)
    with pytest.raises(InputError, match="NaN"):
        load_image(np.full((10, 10), np.nan))
    with pytest.raises(InputError, match="shape"):
        load_image(np.zeros((10, 10, 5), dtype=np.uint8))


def test_files_and_paths(tmp_path):
    path = tmp_path / "ok.png"
    Image.new("RGB", (30, 20), "blue").save(path)
    assert load_image(str(path)).size == (30, 20)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_image(empty)
    with pytest.raises(InputError, match="could not be found"):
        load_image(tmp_path / "missing.png")


@pytest.mark.parametrize("data", [b"hello world", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_corrupt_files_are_refused(data):
    with pytest.raises(InputError, match="Could not read"):
        load_image(data)


def test_truncated_jpeg_is_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), "red").save(buffer, format="JPEG")
    with pytest.raises(InputError, match="Could not read"):
        load_image(buffer.getvalue()[:300])


def test_size_limits_are_checked_before_decoding(monkeypatch):
    monkeypatch.setenv("SHOWCASE_MAX_SIDE", "100")
    big = png_bytes(Image.new("L", (101, 5)))
    with pytest.raises(InputError, match="101×5; the limit is 100"):
        load_image(big)
    with pytest.raises(InputError, match="at least"):
        load_image(Image.new("RGB", (4, 4)))
    with pytest.raises(InputError, match="No image"):
        load_image(None)
