"""Image input checks shared by every image tab.

``load_image`` takes what a page or the API hands over (a PIL image, a numpy array, bytes or the
path of a file Gradio saved) and returns an 8-bit RGB ``PIL.Image``, or raises ``InputError``
with a message the user can act on. Odd formats are converted, and the conversion is recorded in
``image.info["converted_from"]`` so a tab can say what it did:

- RGBA / LA / P with transparency: composited on white (transparent pixels are not black);
- 16-bit and 32-bit grayscale, float images: scaled to 8 bits by their type's range;
- grayscale, palette, CMYK, YCbCr: converted to RGB.

Refused: nothing at all, empty or corrupt files, images with a side over the limit (checked from
the header, before decoding, so a decompression bomb never fills memory) or under the minimum.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from showcase.core.errors import InputError
from showcase.core.settings import settings


def _check_size(width: int, height: int, max_side: int, min_side: int) -> None:
    if max(width, height) > max_side:
        raise InputError(
            f"Image is {width}×{height}; the limit is {max_side} px per side. Resize it and try again."
        )
    if min(width, height) < min_side:
        raise InputError(
            f"Image is {width}×{height}; it needs at least {min_side} px per side."
        )


def _array_to_pil(array: np.ndarray) -> Image.Image:
    a = np.asarray(array)
    if a.size == 0:
        raise InputError("The image is empty (0 pixels).")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise InputError(f"Expected an H×W, H×W×3 or H×W×4 image array, got shape {a.shape}.")
    if a.dtype == np.uint8:
        pass
    elif a.dtype == np.uint16:
        a = (a / 257.0).round().astype(np.uint8)
    elif a.dtype == bool:
        a = a.astype(np.uint8) * 255
    elif np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all():
            raise InputError("The image holds NaN or infinite values.")
        scale = 255.0 if a.max(initial=0) <= 1.0 else 1.0
        a = np.clip(a * scale, 0, 255).round().astype(np.uint8)
    elif np.issubdtype(a.dtype, np.integer):
        a = np.clip(a, 0, 255).astype(np.uint8)
    else:
        raise InputError(f"Unsupported image data type {a.dtype}.")
    image = Image.fromarray(a)
    if np.asarray(array).dtype != np.uint8:
        image.info["converted_from"] = str(np.asarray(array).dtype)
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        a = np.asarray(image)
        if mode.startswith("I;16"):
            a8 = (a.astype(np.float64) / 257.0).round()
        elif mode == "I":
            # 32-bit PNGs from scientific cameras usually hold 16-bit data
            a8 = a.astype(np.float64) / (257.0 if a.max(initial=0) <= 65535 else a.max() / 255.0)
        else:
            lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
            a8 = (a - lo) / (hi - lo or 1.0) * 255.0
        rgb = Image.fromarray(np.clip(a8, 0, 255).astype(np.uint8)).convert("RGB")
    elif mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(background, rgba).convert("RGB")
    else:
        rgb = image.convert("RGB")
    rgb.info["converted_from"] = image.info.get("converted_from", mode)
    return rgb


def load_image(
    source: Image.Image | np.ndarray | bytes | str | Path | None,
    *,
    max_side: int | None = None,
    min_side: int | None = None,
) -> Image.Image:
    """Return ``source`` as an 8-bit RGB image, or raise ``InputError`` saying what is wrong."""
    limits = settings()
    max_side = max_side or limits.max_side
    min_side = min_side or limits.min_side
    if source is None:
        raise InputError("No image given: upload one or click an example.")
    if isinstance(source, np.ndarray):
        image = _array_to_pil(source)
    elif isinstance(source, Image.Image):
        image = source
    else:
        if isinstance(source, (str, Path)):
            path = Path(source)
            if not path.is_file():
                raise InputError("The image file could not be found; upload it again.")
            if path.stat().st_size == 0:
                raise InputError("The uploaded file is empty (0 bytes).")
            data = path.read_bytes()
        elif isinstance(source, (bytes, bytearray)):
            data = bytes(source)
            if not data:
                raise InputError("The uploaded file is empty (0 bytes).")
        else:
            raise InputError(f"Expected an image, got {type(source).__name__}.")
        try:
            image = Image.open(io.BytesIO(data))
            _check_size(*image.size, max_side, min_side)
            image.load()  # decode now, so a truncated file fails here and not later
        except InputError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise InputError(
                f"Could not read the file as an image ({type(exc).__name__}). Upload a PNG, JPEG or WebP."
            ) from exc
        image = ImageOps.exif_transpose(image)
    _check_size(*image.size, max_side, min_side)
    return _to_rgb(image)


def to_array(image: Image.Image, dtype=np.float64) -> np.ndarray:
    """(H, W, 3) floats in [0, 1], the form the math tabs compute on."""
    return np.asarray(image, dtype=dtype) / dtype(255)


def save_seed_tagged_png(array: np.ndarray, path: str | Path, key: str, seed: int) -> Path:
    """Save a generated image as PNG with ``seed=<seed>;size=<side>`` in the text chunk ``key``,
    so the page can later rebuild the image's exact ground truth from the file alone."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text(key, f"seed={seed};size={array.shape[0]}")
    Image.fromarray(array).save(path, pnginfo=info)
    return Path(path)


def read_seed_tag(info: dict, key: str) -> tuple[int, int] | None:
    """(seed, size) from a PNG's text chunk ``key`` (``Image.info``), or None."""
    raw = info.get(key) if info else None
    if not raw:
        return None
    try:
        fields = dict(part.split("=", 1) for part in str(raw).split(";"))
        return int(fields["seed"]), int(fields["size"])
    except (KeyError, ValueError):
        return None
