"""PCA two ways: eigen-decomposition of the covariance matrix and SVD of the centred data.

For centred data X (n×d) the covariance is C = XᵀX / (n−1). Its eigenvectors are the principal
axes and its eigenvalues the variances along them. The SVD X = U Σ Vᵀ gives the same axes (the
rows of Vᵀ, up to sign) with eigenvalues σ²/(n−1), without ever forming C, which is why
scikit-learn's ``PCA`` uses the SVD. We compute both, align their signs and report the largest
difference, project the data on the first two axes, and rebuild images from k components.

Reference: scikit-learn user guide, "Principal component analysis (PCA)"; Jolliffe,
"Principal Component Analysis" (2002).

    python -m showcase.math.pca --components 10
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from PIL import Image
from sklearn import datasets
from sklearn.decomposition import PCA

from showcase.core.checks import number
from showcase.core.errors import InputError

DATASETS = ("digits", "iris", "wine", "breast_cancer")


@dataclass
class PcaResult:
    projection: pd.DataFrame     # pc1, pc2, label: the data on the first two axes
    variance: pd.DataFrame       # component, explained, cumulative
    reconstructions: Image.Image | None  # digits only: originals (top) and rebuilt from k (bottom)
    metrics: dict


@cache
def load(name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features (standardised, except digits whose pixels share one scale), labels, class names."""
    loader = {
        "digits": datasets.load_digits,
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
        "breast_cancer": datasets.load_breast_cancer,
    }[name]
    bunch = loader()
    x = bunch.data.astype(np.float64)
    if name != "digits":
        x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x, bunch.target, [str(n) for n in bunch.target_names]


def eig_pca(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and eigenvectors (as rows) of the covariance matrix."""
    xc = x - x.mean(axis=0)
    cov = xc.T @ xc / (len(x) - 1)           # (d, d)
    values, vectors = np.linalg.eigh(cov)    # ascending, columns
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order].T


def svd_pca(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same from the SVD of the centred data: σ²/(n−1) and the rows of Vᵀ."""
    xc = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    return s**2 / (len(x) - 1), vt


def align_signs(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Flip each row of ``other`` to point the same way as ``reference`` (axes have no sign)."""
    signs = np.sign(np.sum(reference * other, axis=1))
    signs[signs == 0] = 1
    return other * signs[:, None]


def _digit_grid(originals: np.ndarray, rebuilt: np.ndarray, scale: int = 6) -> Image.Image:
    top = np.hstack([o.reshape(8, 8) for o in originals])
    bottom = np.hstack([r.reshape(8, 8) for r in rebuilt])
    grid = np.clip(np.vstack([top, bottom]) / 16.0, 0, 1)
    image = Image.fromarray((255 * (1 - grid)).astype(np.uint8))
    return image.resize((image.width * scale, image.height * scale), Image.NEAREST)


@cache
def decompose(dataset: str):
    """Both decompositions of ``dataset``, once per process (they do not depend on k)."""
    x, _, _ = load(dataset)
    eig_values, eig_vectors = eig_pca(x)
    svd_values, svd_vectors = svd_pca(x)
    return eig_values, eig_vectors, svd_values, align_signs(eig_vectors, svd_vectors)


def pca_project(n_components: int = 10, dataset: str = "digits") -> PcaResult:
    """Fit PCA both ways on ``dataset``; project to 2-D and rebuild with ``n_components``."""
    if dataset not in DATASETS:
        raise InputError(f"dataset must be one of {DATASETS}, not {dataset!r}.")
    x, y, names = load(dataset)
    k = number(n_components, "Number of components", low=1, high=x.shape[1], integer=True)

    eig_values, eig_vectors, svd_values, svd_vectors = decompose(dataset)
    # Axes with (near-)equal eigenvalues are not unique; compare only well-separated ones.
    gaps = np.abs(np.diff(eig_values))
    distinct = np.flatnonzero(np.minimum(np.r_[np.inf, gaps], np.r_[gaps, np.inf]) > 1e-6 * eig_values[0])
    distinct = distinct[distinct < k]

    sk = PCA(n_components=k, svd_solver="full").fit(x)
    sk_vectors = align_signs(eig_vectors[:k], sk.components_)

    mean = x.mean(axis=0)
    scores = (x - mean) @ eig_vectors[:k].T           # (n, k)
    rebuilt = scores @ eig_vectors[:k] + mean          # (n, d)
    ratio = eig_values / eig_values.sum()

    projection = pd.DataFrame({
        "pc1": np.round((x - mean) @ eig_vectors[0], 3),  # 3 decimals: a plot needs no more, and
        "pc2": np.round((x - mean) @ eig_vectors[1], 3),  # 1,797 points travel in a third the bytes
        "label": [names[i] for i in y],
    })
    variance = pd.DataFrame({
        "component": np.arange(1, len(ratio) + 1),
        "explained": ratio,
        "cumulative": np.cumsum(ratio),
    })
    grid = None
    if dataset == "digits":
        picks = [int(np.flatnonzero(y == d)[0]) for d in range(10)]
        grid = _digit_grid(x[picks], rebuilt[picks])
    metrics = {
        "dataset": dataset,
        "n_samples": int(x.shape[0]),
        "n_features": int(x.shape[1]),
        "n_components": k,
        "explained_variance": round(float(np.cumsum(ratio)[k - 1]), 6),
        "reconstruction_mse": round(float(np.mean((x - rebuilt) ** 2)), 6),
        "eig_svd_max_abs_diff": float(np.max(np.abs(eig_vectors[distinct] - svd_vectors[distinct]))) if len(distinct) else 0.0,
        "eigenvalue_max_abs_diff": float(np.max(np.abs(eig_values - svd_values))),
        "sklearn_max_abs_diff": float(np.max(np.abs(eig_vectors[distinct] - sk_vectors[distinct]))) if len(distinct) else 0.0,
        "components_for_95pct": int(np.searchsorted(np.cumsum(ratio), 0.95) + 1),
    }
    return PcaResult(projection, variance, grid, metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--components", type=int, default=10)
    parser.add_argument("--dataset", choices=DATASETS, default="digits")
    args = parser.parse_args(argv)
    print(pca_project(args.components, args.dataset).metrics)


if __name__ == "__main__":
    main()
