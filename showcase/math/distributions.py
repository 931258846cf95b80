"""Maximum-likelihood fits of a Gaussian or a Poisson with ``scipy.stats``.

The Gaussian's MLE is the sample mean and the standard deviation with 1/n (``norm.fit``); the
Poisson's is the sample mean (``scipy.stats.fit`` reaches the same number by optimisation, and the
tests check that). Uncertainty comes from the bootstrap (``scipy.stats.bootstrap``, BCa, 95%).
Goodness of fit: Kolmogorov–Smirnov for the Gaussian (with the fitted parameters the p-value is
conservative: Lilliefors' correction would make it smaller) and Pearson's χ² on counts, with bins
merged until each expects at least five, for the Poisson.

With no data given, a sample is drawn from the family with the parameters given, so a learner
can see how well n points pin them down.

Reference: SciPy documentation, ``scipy.stats.norm``, ``scipy.stats.poisson``, ``bootstrap``.

    python -m showcase.math.distributions --family poisson --n 300
    python -m showcase.math.distributions --data "2.1 3.4 1.9 2.8 3.0"
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from showcase.core.checks import number, number_list
from showcase.core.errors import InputError

FAMILIES = ("gaussian", "poisson")


@dataclass
class FitResult:
    curves: pd.DataFrame  # value, density, series: the data's histogram outline and the fit
    sample: np.ndarray
    metrics: dict


def draw(family: str, n: int, mean: float, std: float, seed: int) -> np.ndarray:
    """A sample of ``n`` from the family (Poisson uses ``mean`` as its rate λ)."""
    rng = np.random.default_rng(seed)
    if family == "gaussian":
        return rng.normal(mean, std, size=n)
    return rng.poisson(mean, size=n).astype(np.float64)


def fit(family: str, x: np.ndarray) -> dict[str, float]:
    if family == "gaussian":
        loc, scale = stats.norm.fit(x)
        return {"mean": float(loc), "std": float(scale)}
    return {"lambda": float(np.mean(x))}


def log_likelihood(family: str, x: np.ndarray, params: dict[str, float]) -> float:
    if family == "gaussian":
        return float(np.sum(stats.norm.logpdf(x, params["mean"], params["std"])))
    return float(np.sum(stats.poisson.logpmf(x, params["lambda"])))


def bootstrap_ci(family: str, x: np.ndarray, seed: int, n_resamples: int = 999) -> dict[str, list[float]]:
    """95% BCa intervals for each parameter."""
    def statistic(sample, axis):
        if family == "gaussian":
            return np.stack([np.mean(sample, axis=axis), np.std(sample, axis=axis)])
        return np.mean(sample, axis=axis)

    result = stats.bootstrap((x,), statistic, n_resamples=n_resamples, confidence_level=0.95,
                             method="BCa", random_state=np.random.default_rng(seed), vectorized=True)
    low, high = np.atleast_1d(result.confidence_interval.low), np.atleast_1d(result.confidence_interval.high)
    names = ("mean", "std") if family == "gaussian" else ("lambda",)
    return {name: [round(float(lo), 6), round(float(hi), 6)] for name, lo, hi in zip(names, low, high)}


def chi2_poisson(x: np.ndarray, lam: float) -> tuple[float, float, int]:
    """Pearson's χ² of the counts against Poisson(λ), merging tail bins to expect ≥ 5 each."""
    top = int(x.max())
    observed = np.bincount(x.astype(int), minlength=top + 1).astype(float)
    expected = stats.poisson.pmf(np.arange(top + 1), lam) * len(x)
    expected[-1] += stats.poisson.sf(top, lam) * len(x)  # the last bin takes the whole right tail
    obs_bins, exp_bins, o_acc, e_acc = [], [], 0.0, 0.0
    for o, e in zip(observed, expected):
        o_acc, e_acc = o_acc + o, e_acc + e
        if e_acc >= 5:
            obs_bins.append(o_acc)
            exp_bins.append(e_acc)
            o_acc = e_acc = 0.0
    if e_acc > 0 and exp_bins:
        obs_bins[-1] += o_acc
        exp_bins[-1] += e_acc
    if len(obs_bins) < 3:
        return float("nan"), float("nan"), len(obs_bins)
    result = stats.chisquare(obs_bins, exp_bins, ddof=1)  # one parameter estimated
    return float(result.statistic), float(result.pvalue), len(obs_bins)


def _curves(family: str, x: np.ndarray, params: dict[str, float]) -> pd.DataFrame:
    """Long table (value, density, series) for one line plot drawn in the browser: the data as a
    step outline of its histogram (or of its count frequencies) and the fitted pdf (or pmf)."""
    if family == "gaussian":
        heights, edges = np.histogram(x, bins="auto", density=True)
        grid = np.linspace(x.min(), x.max(), 200)
        fitted = stats.norm.pdf(grid, params["mean"], params["std"])
        label = f"N({params['mean']:.3g}, {params['std']:.3g}²)"
    else:
        grid = np.arange(0, int(x.max()) + 2)
        heights = np.bincount(x.astype(int), minlength=len(grid))[: len(grid)] / len(x)
        edges = np.append(grid - 0.5, grid[-1] + 0.5)
        fitted = stats.poisson.pmf(grid, params["lambda"])
        label = f"Poisson(λ={params['lambda']:.3g})"
    # each bar's top from its left to (just before) its right edge: a line sorted by value then
    # draws the histogram's outline without two points sharing an x
    eps = 1e-9 * (edges[-1] - edges[0])
    step_x = np.column_stack([edges[:-1], edges[1:] - eps]).ravel()
    step_x = np.concatenate([[edges[0] - eps], step_x, [edges[-1]]])
    step_y = np.concatenate([[0.0], np.repeat(heights, 2), [0.0]])
    return pd.concat([
        pd.DataFrame({"value": step_x, "density": step_y, "series": "data"}),
        pd.DataFrame({"value": grid.astype(float), "density": fitted, "series": label}),
    ], ignore_index=True)


def fit_distribution(family: str = "gaussian", data: str | list | None = None, n: int = 200,
                     mean: float = 5.0, std: float = 2.0, seed: int = 0) -> FitResult:
    """Fit ``family`` by maximum likelihood to ``data`` (or to a drawn sample when it is empty)."""
    if family not in FAMILIES:
        raise InputError(f"family must be one of {FAMILIES}, not {family!r}.")
    seed = number(seed, "Seed", low=0, high=2**32 - 1, integer=True)
    if data is None or (isinstance(data, str) and not data.strip()):
        n = number(n, "Sample size", low=5, high=100_000, integer=True)
        if family == "gaussian":
            mean = number(mean, "Mean", low=-1e6, high=1e6)
            std = number(std, "Standard deviation", low=1e-6, high=1e6)
        else:
            mean = number(mean, "Rate λ", low=0.01, high=1000)
        x, origin = draw(family, n, mean, std, seed), "drawn"
    else:
        x, origin = number_list(data, "Data", min_count=5), "given"
    if np.ptp(x) == 0:
        raise InputError("All values are equal: a distribution cannot be fitted to a constant.")
    if family == "poisson" and (np.any(x < 0) or np.any(x != np.round(x))):
        raise InputError("Poisson data are counts: whole numbers ≥ 0. Choose 'gaussian' for other data.")

    params = fit(family, x)
    metrics = {
        "family": family,
        "data": origin,
        "n": int(len(x)),
        "params": {k: round(v, 6) for k, v in params.items()},
        "ci95": bootstrap_ci(family, x, seed),
        "log_likelihood": round(log_likelihood(family, x, params), 4),
    }
    if family == "gaussian":
        ks = stats.kstest(x, stats.norm(params["mean"], params["std"]).cdf)
        metrics.update(ks_stat=round(float(ks.statistic), 6), p_value=round(float(ks.pvalue), 6))
    else:
        chi2, p, bins = chi2_poisson(x, params["lambda"])
        # JSON has no NaN: too few bins for a χ² test is reported as None
        metrics.update(chi2_stat=None if np.isnan(chi2) else round(chi2, 6),
                       p_value=None if np.isnan(p) else round(p, 6), chi2_bins=bins)
    if origin == "drawn":
        metrics["true_params"] = {"mean": mean, "std": std} if family == "gaussian" else {"lambda": mean}
    return FitResult(_curves(family, x, params), x, metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", choices=FAMILIES, default="gaussian")
    parser.add_argument("--data", help="numbers separated by spaces or commas")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--mean", type=float, default=5.0)
    parser.add_argument("--std", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(fit_distribution(args.family, args.data, args.n, args.mean, args.std, args.seed).metrics)


if __name__ == "__main__":
    main()
