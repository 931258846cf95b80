"""Numbers the tabs state in their text are the ones the code has, and no tab states a time
"here" that the benchmark or the model card should give instead."""

import importlib
import re

import pytest

from app import available_topics
from pages.translation import translations


@pytest.fixture(scope="module")
def texts():
    for topic in available_topics():
        importlib.import_module(f"pages.{topic.area}.{topic.name}")   # registers each tab's strings
    return translations()


def test_no_tab_states_a_local_time_in_its_text(texts):
    """Times on this machine change with the machine and the load: they come from the metrics,
    the benchmark or the model card, never from a sentence."""
    english, chinese = texts
    here = re.compile(r"\d+\s*(s|seconds?|min|minutes?)\b[^.;)]{0,12}\bhere\b|\bfew minutes\b", re.I)
    assert not [k for k, v in english.items() if here.search(v)]
    local = re.compile(r"这里(约|需)?\s*\d|几分钟")
    assert not [k for k, v in chinese.items() if local.search(v)]


def test_segmentation_width_ratio_is_the_models(texts):
    from showcase.vision import segmentation as seg

    english, chinese = texts
    top = seg.UNet().down[0]
    base = next(m.out_channels for m in top.modules() if hasattr(m, "out_channels"))
    paper = 64                                          # Ronneberger et al. 2015: 64 channels at the top
    words = {2: "2-times", 4: "4-times", 8: "8-times", 16: "16-times"}
    assert words[paper // base] + "-narrower" in english["segmentation.reference"]
    assert f"{base} channels at the top" in english["segmentation.reference"]
    assert f"窄 {paper // base} 倍" in chinese["segmentation.reference"]


def test_caption_vqa_names_the_head_that_answers(texts):
    """The bundled model answers through its Relation Network (stage 2 on); FiLM, stage 1's head, is
    only the card's comparison, so the page must not say it answers."""
    import json

    from pages.language.caption_vqa import MODEL_CHOICES
    from showcase.language import caption_vqa as cv

    english, chinese = texts
    assert json.loads((cv.MODEL_DIR / "config.json").read_text())["relation_head"]
    label = dict((v, k) for k, v in MODEL_CHOICES)["bundled"]
    assert "Relation Network" in label and "FiLM" not in label and "Relation Network" in cv.BUNDLED.name
    for body in (english["caption_vqa.body"], chinese["caption_vqa.body"]):
        assert "Relation Network" in body and "FiLM" in body.split("Relation Network", 1)[1]
