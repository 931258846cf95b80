"""Topics registry, translations, plots and the code accordion helper."""

import re

from showcase.core.code import source_of
from showcase.core.plots import new_figure, to_image
from showcase.core.topics import STAGES, all_topics


def test_stages_cover_51_to_100_without_gaps():
    ranges = [(s.first, s.last) for s in STAGES]
    assert ranges[0][0] == 51 and ranges[-1][1] == 100
    assert all(b[0] == a[1] + 1 for a, b in zip(ranges, ranges[1:]))
    names = [t.module for t in all_topics()]
    assert len(names) == len(set(names)), "a topic is listed twice"
    apis = [t.api for t in all_topics()]
    assert len(apis) == len(set(apis)), "two topics share an api_name"


def test_every_string_has_both_languages():
    import app  # noqa: F401 - importing builds every page, which registers its strings
    from pages.translation import translations

    en, zh = translations()
    assert en.keys() == zh.keys() and len(en) > 50
    for key in en:
        assert en[key].strip() and zh[key].strip(), key
        visible = re.sub(r"<[^>]+>", "", en[key])        # markup (the locale probe) is not words
        if re.search(r"[A-Za-z]{4,}", visible):  # real words: the Chinese must be Chinese
            assert re.search(r"[\u4e00-\u9fff]", zh[key]), key


def test_plot_renders_and_source_is_shown():
    fig, ax = new_figure(3, 2)
    ax.plot([0, 1], [1, 0])
    assert to_image(fig).size[0] > 100
    assert "def source_of" in source_of(source_of)


def test_every_page_also_runs_alone():
    """``python -m pages.<area>.<topic>`` and ``gradio pages/...`` find a module-level ``demo``."""
    import importlib

    import gradio as gr

    from app import available_topics

    for topic in available_topics():
        page = importlib.import_module(f"pages.{topic.area}.{topic.name}")
        assert isinstance(page.demo, gr.Blocks), topic.module
        assert page.API and all(isinstance(args, list) for args in page.API.values()), topic.module


def test_every_topic_has_its_metrics_contract():
    from showcase.core.topics import METRICS, missing_metrics

    for topic in all_topics():
        assert topic.metrics and topic.metrics == METRICS[topic.api], topic.module
    assert missing_metrics("fit_distribution", {"family": 1, "params": 1, "ci95": 1, "log_likelihood": 1,
                                                "chi2_stat": 1, "p_value": 1}) == []
    assert missing_metrics("detect", {"n_detections": 0, "counts": {}, "latency_ms": 1.0}) == ["imgsz", "model", "source"]
    assert missing_metrics("detect_video", {}) == []          # no contract beyond a non-empty dict
