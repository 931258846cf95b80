"""``benchmarks/page_load.py`` and ``pages/warm.py`` without a browser or a server: the table the
benchmark writes from its measurements, and the warm-up's account of each tab (no wall-clock asserts).

    python -m pytest tests/unit/test_benchmark_page_load.py
"""

from types import SimpleNamespace

from benchmarks import page_load
from pages import warm


def test_the_section_compares_each_page_with_the_minimal_app_and_lists_first_opens():
    loads = {name: {"cold": page_load.summary(cold), "warm": page_load.summary(hot)}
             for name, cold, hot in [("home", [1.0, 1.2, 0.8], [0.6, 0.5, 0.7]), ("area", [2.0, 1.8, 2.2], [1.2, 1.0, 1.1]),
                                     ("minimal", [0.5, 0.4, 0.6], [0.2, 0.25, 0.3])]}
    assert loads["home"]["cold"] == {"median_s": 1.0, "min_s": 0.8, "max_s": 1.2, "n": 3}
    text = "\n".join(page_load.section({"loads": loads, "opens": {"math.svd": 0.4, "trust.shap": 2.0}}))
    assert "| home | cold | 1.0 s (0.8–1.2) | 0.5 s (0.4–0.6) | 2.0× | 3 |" in text
    assert "| area | warm | 1.1 s (1.0–1.2) | 0.25 s (0.2–0.3) | 4.4× | 3 |" in text
    assert "slowest trust.shap 2.00 s, 1 of 2 within 1.5 s" in text and "| math.svd | 0.40 s |" in text


def test_the_section_without_tab_opens_has_no_such_table():
    one = page_load.summary([1.0])
    text = "\n".join(page_load.section({"loads": {n: {"cold": one, "warm": one} for n in ("home", "area", "minimal")},
                                        "opens": {}}))
    assert "First open" not in text and "| home | warm |" in text


def test_warm_caches_the_tabs_that_fill_and_reports_one_that_fails():
    computed = []

    def table(key, fails=False):
        def load_from_cache(k):
            computed.append((key, k))
            if fails:
                raise RuntimeError("no model")
        return SimpleNamespace(load_from_cache=load_from_cache)

    fills = {"math.svd": SimpleNamespace(fills=True, examples=table("math.svd")),
             "vision.dcgan": SimpleNamespace(fills=False, examples=table("vision.dcgan")),   # trains: left alone
             "trust.shap": SimpleNamespace(fills=True, examples=table("trust.shap", fails=True))}
    took = warm.warm(fills)
    assert computed == [("math.svd", 0), ("trust.shap", 0)]
    assert isinstance(took["math.svd"], float) and took["trust.shap"] == "RuntimeError: no model"
    assert warm.warm(fills, {"math.svd"}).keys() == {"math.svd"}
