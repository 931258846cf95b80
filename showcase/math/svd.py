"""Rank-k SVD compression of a colour image, beside JPEG at the same byte budget.

Each colour channel A (H×W) is factored A = U Σ Vᵀ and only the k largest singular values are
kept: A_k = U_k Σ_k V_kᵀ. By the Eckart–Young theorem A_k is the best rank-k approximation of A
in the Frobenius norm, and the squared error is the sum of the dropped σ_i². Storing A_k takes
k·(H + W + 1) numbers per channel instead of H·W pixels; we store them as float16 and rebuild
from those, so the byte count and the quality shown belong together. JPEG then gets the same
number of bytes, which shows why nobody ships SVD-compressed photos. SSIM is computed on the
luminance (BT.601), as usual for colour images.

``method="full"`` is LAPACK's SVD (``numpy.linalg.svd``); ``method="randomized"`` is Halko et
al.'s randomized SVD (``sklearn.utils.extmath.randomized_svd``), much faster when k is small.

References: Eckart & Young (1936); Halko, Martinsson & Tropp, "Finding structure with
randomness" (2011).

    python -m showcase.math.svd assets/math/svd/astronaut.png --rank 32
"""

from __future__ import annotations

import argparse
import io
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from sklearn.utils.extmath import randomized_svd
from threadpoolctl import ThreadpoolController

from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.images import load_image, to_array

MAX_SIDE = 2048  # a full SVD of a larger image takes many seconds on two cores
METHODS = ("randomized", "full")
# Made once: threadpool_limits() would scan the loaded libraries on every call (~3–9 ms).
_THREADPOOLS = ThreadpoolController()
# The JPEG side needs only the byte budget, known before any SVD, so it runs beside the SVD: on
# two cores a call takes ~60 ms less (measured). PIL, BLAS and scipy.ndimage release the GIL.
_JPEG_SIDE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="svd-jpeg")


@dataclass
class SvdResult:
    image: Image.Image        # the rank-k reconstruction
    jpeg: Image.Image         # JPEG at the same byte budget
    jpeg_data: bytes          # that JPEG file itself, to show without encoding it again
    spectrum: pd.DataFrame    # k, log10_sigma, energy, channel: for the spectrum and energy plots
    metrics: dict


def factor_bytes(height: int, width: int, channels: int, rank: int) -> int:
    """Bytes of the float16 factors U_k, Σ_k and V_kᵀ of every channel: 2·k·(H + W + 1) each."""
    return channels * rank * (height + width + 1) * np.dtype(np.float16).itemsize


def channel_svd(a: np.ndarray, rank: int, method: str, seed: int = 0):
    """Top-``rank`` factors of one channel: U (H, k), s (k,), Vt (k, W), and every σ for "full"."""
    if method == "full":
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        return u[:, :rank], s[:rank], vt[:rank], s
    u, s, vt = randomized_svd(a, rank, n_iter=2, power_iteration_normalizer="QR", random_state=seed)
    return u, s, vt, s


def rank_k(image: np.ndarray, rank: int, method: str = "randomized", seed: int = 0):
    """Rank-k reconstruction of an (H, W, C) array in [0, 1] from float16 factors.

    Returns the reconstruction, the bytes the factors take, the energy kept per channel, and per
    channel the singular values known (all of them for "full", the top k for "randomized")
    with the channel's total energy ‖A‖_F² = Σσ_i², which needs no SVD at all.
    """
    channels, energies, spectra, nbytes = [], [], [], 0
    # One BLAS thread: on two cores the many small products of the randomized SVD run about 5×
    # faster than with two threads fighting, 3× when another process is busy (measured).
    with _THREADPOOLS.limit(limits=1, user_api="blas"):
        for c in range(image.shape[2]):
            a = np.ascontiguousarray(image[:, :, c], dtype=np.float32)  # 8-bit pixels need no more; LAPACK runs 2× faster
            u, s, vt, known = channel_svd(a, rank, method, seed)
            u16, s16, vt16 = u.astype(np.float16), s.astype(np.float16), vt.astype(np.float16)
            nbytes += u16.nbytes + s16.nbytes + vt16.nbytes
            channels.append((u16.astype(np.float32) * s16.astype(np.float32)) @ vt16.astype(np.float32))
            total = float(np.sum(a * a))
            energies.append(float(np.sum(s * s)) / total if total > 0 else 1.0)
            spectra.append((known, total))
    out = np.clip(np.stack(channels, axis=2), 0.0, 1.0)
    return out, nbytes, energies, spectra


def jpeg_at_budget(image: Image.Image, budget: int) -> tuple[Image.Image, int, bytes]:
    """The highest JPEG quality whose file fits in ``budget`` bytes (quality 1 if none does):
    the decoded image, the quality and the file."""
    def encode(quality: int) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality)
        return buffer.getvalue()

    low, high, best = 1, 100, None
    while low <= high:
        mid = (low + high) // 2
        data = encode(mid)
        if len(data) <= budget:
            best, low = (mid, data), mid + 1
        else:
            high = mid - 1
    quality, data = best if best else (1, encode(1))
    return Image.open(io.BytesIO(data)).convert("RGB"), quality, data


def spectrum_table(spectra) -> pd.DataFrame:
    """Long table (k, log10_sigma, energy, channel) for the spectrum and energy plots."""
    frames = []
    for name, (s, total) in zip("RGB", spectra):
        frames.append(pd.DataFrame({
            "k": np.arange(1, len(s) + 1),
            "log10_sigma": np.log10(np.maximum(s, 1e-12)),
            "energy": np.cumsum(s**2) / total if total > 0 else np.ones(len(s)),
            "channel": name,
        }))
    return pd.concat(frames, ignore_index=True)


def luminance(a: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma, the channel SSIM is usually reported on for colour images."""
    return a[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def quality(a: np.ndarray, a_luma: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """PSNR (dB, on RGB) and SSIM (on luminance) of ``b`` against the original ``a``."""
    return (float(peak_signal_noise_ratio(a, b, data_range=1.0)),
            float(structural_similarity(a_luma, luminance(b), data_range=1.0)))


def jpeg_side(picture: Image.Image, budget: int, a: np.ndarray, a_luma: np.ndarray):
    """JPEG at ``budget`` bytes: the decoded image, its quality setting, the file, PSNR and SSIM."""
    jpeg, jpeg_quality, data = jpeg_at_budget(picture, budget)
    return (jpeg, jpeg_quality, data, *quality(a, a_luma, to_array(jpeg, np.float32)))


def svd_compress(image, rank: int = 32, method: str = "randomized", seed: int = 0) -> SvdResult:
    """Compress ``image`` to rank ``rank``; compare with JPEG at the same number of bytes."""
    picture = load_image(image, max_side=MAX_SIDE)
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, not {method!r}.")
    a = to_array(picture, np.float32)
    height, width, depth = a.shape
    rank = number(rank, "Rank", low=1, high=min(height, width), integer=True)
    a_luma = luminance(a)
    jpeg_future = _JPEG_SIDE.submit(jpeg_side, picture, factor_bytes(height, width, depth, rank), a, a_luma)

    started = time.perf_counter()
    out, nbytes, energies, spectra = rank_k(a, rank, method, seed)
    seconds = time.perf_counter() - started
    psnr, ssim = quality(a, a_luma, out)
    jpeg, jpeg_quality, jpeg_data, jpeg_psnr, jpeg_ssim = jpeg_future.result()

    metrics = {
        "rank": rank,
        "method": method,
        "psnr_db": round(psnr, 3),
        "ssim": round(ssim, 4),
        "compression_ratio": round(a.size / nbytes, 3),
        "energy_kept": round(float(np.mean(energies)), 6),
        "svd_bytes": nbytes,
        "jpeg_bytes": len(jpeg_data),
        "jpeg_quality": jpeg_quality,
        "jpeg_psnr_db_same_bytes": round(jpeg_psnr, 3),
        "jpeg_ssim_same_bytes": round(jpeg_ssim, 4),
        "svd_seconds": round(seconds, 4),
        "size": f"{width}×{height}",
        "input_mode": picture.info.get("converted_from", "RGB"),
    }
    image_out = Image.fromarray((out * 255).round().astype(np.uint8))
    return SvdResult(image_out, jpeg, jpeg_data, spectrum_table(spectra), metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("image")
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--method", choices=METHODS, default="randomized")
    parser.add_argument("--out", help="save the reconstruction here")
    args = parser.parse_args(argv)
    result = svd_compress(args.image, args.rank, args.method)
    print(result.metrics)
    if args.out:
        result.image.save(args.out)


if __name__ == "__main__":
    main()
