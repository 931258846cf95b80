"""Links to a tab with its settings (``pages/links.py``) on the built app, without a server: what a
link opens, what it refuses and with which words, that every tab's share link opens the same run,
and that the page load and the tab's fill honour a link. The browser side: tests/e2e/test_links.py.

    python -m pytest tests/unit/test_links.py
"""

import re

import gradio as gr
import pytest

import app
from pages import links


def query(text: str) -> dict:
    from urllib.parse import parse_qsl
    return dict(parse_qsl(text.lstrip("?")))


def test_every_built_tab_has_link_parameters_in_its_functions_order():
    built = {f"{x.area}.{x.name}" for x in app.available_topics()}
    assert set(links.TABS) == built
    svd = links.TABS["math.svd"]
    assert list(svd.params) == ["image", "rank", "method"]
    assert links.TABS["vision.dcgan"].params.keys() == {"seed", "n_images"}


def test_a_link_names_a_tab_an_example_and_settings():
    opened = links.read(query("tab=math.svd&rank=8&example=2"))
    assert opened.tab.key == "math.svd" and opened.example == 1 and opened.values == {"rank": 8}
    assert opened.changes_the_example
    plain = links.read(query("tab=vision.detection"))
    assert plain.example == 0 and plain.values == {} and not plain.changes_the_example
    # Gradio's own query parameters are not ours to refuse
    assert links.read(query("__theme=dark&view=api")) is None
    assert links.read(query("tab=math.svd&__theme=dark")).tab.key == "math.svd"


@pytest.mark.parametrize("link, words", [
    ("tab=vision.detectoin", "There is no tab `vision.detectoin`"),
    ("rank=8", "A link needs `tab=`"),
    ("tab=math.svd&colour=red", "has no setting `colour`"),
    ("tab=math.svd&example=9", "has examples 1 to 4"),
    ("tab=math.svd&example=two", "has examples 1 to 4"),
    ("tab=math.svd&image=/etc/passwd", "cannot be set from a link"),
    ("tab=math.svd&rank=eight", "is not a valid number"),
    ("tab=math.svd&rank=nan", "is not a valid number"),
    ("tab=math.svd&rank=2.5", "not on the slider's steps"),
    # the words the API uses for the same values (Gradio's own checks)
    ("tab=math.svd&rank=600", "greater than maximum"),
    ("tab=math.svd&rank=0", "less than minimum"),
    ("tab=math.svd&method=qr", "not in the list of choices"),
    ("tab=classic.decision_boundaries&models=knn,magic", "not in the list of choices"),
])
def test_a_bad_link_is_refused_with_a_reason(link, words):
    with pytest.raises(links.LinkError, match=re.escape(words)) as refused:
        links.read(query(link))
    assert '<div lang="zh">' in refused.value.note and words.split("`")[0] in refused.value.note


def test_list_and_text_settings():
    opened = links.read(query("tab=classic.decision_boundaries&models=knn,rbf_svm&max_depth=3"))
    assert opened.values == {"models": ["knn", "rbf_svm"], "max_depth": 3}
    text = "I love this airline"
    assert links.read({"tab": "language.bert_classifier", "text": text}).values == {"text": text}


@pytest.mark.parametrize("key", sorted(links.TABS))
def test_every_tabs_share_link_opens_the_same_run(key):
    tab = links.TABS[key]
    for k in range(len(tab.examples.examples)):
        values = tab.example_values(k)
        shared = links.share(tab, values)
        assert shared.query == f"tab={key}" + (f"&example={k + 1}" if k else ""), shared.query
        opened = links.read(query(shared.query))
        assert opened.tab is tab and not opened.changes_the_example
        if tab.examples.non_none_examples[opened.example] != tab.examples.non_none_examples[k]:
            pytest.fail(f"{key}: example {k + 1}'s link opens example {opened.example + 1}")


def test_a_changed_setting_travels_and_a_foreign_upload_does_not(tmp_path):
    svd = links.TABS["math.svd"]
    values = {**svd.example_values(1), "rank": 8}
    shared = links.share(svd, values)
    assert query(shared.query) == {"tab": "math.svd", "example": "2", "rank": "8"} and not shared.lost
    assert links.read(query(shared.query)).values == {"rank": 8}
    own = tmp_path / "mine.png"
    own.write_bytes(b"not one of the examples")
    shared = links.share(svd, {**values, "image": str(own)})
    assert shared.lost == ["image"] and "example" not in query(shared.query)


def on_load(page: str):
    loads = [f for f in app.demo.fns.values() if f.page == page and any(t[1] == "load" for t in f.targets)]
    assert len(loads) == 1 and loads[0].queue is False
    return loads[0].fn


def test_the_page_load_selects_a_linked_tab_or_says_why_not():
    route = on_load("vision")
    assert route(gr.Request(query_params={})) == [gr.skip(), gr.skip()]
    tabs, note = route(gr.Request(query_params={"tab": "vision.segmentation", "threshold": "0.3"}))
    assert tabs.selected == "vision.segmentation" and note == gr.skip()
    tabs, note = route(gr.Request(query_params={"tab": "math.svd", "rank": "600"}))
    assert tabs == gr.skip()
    assert note["visible"] is True and "greater than maximum" in note["value"]
    # the roadmap has no tabs to select: it only says why a link was refused
    assert on_load("")(gr.Request(query_params={"tab": "nope"}))["visible"] is True
    assert on_load("")(gr.Request(query_params={})) == gr.skip()


def test_a_linked_tab_fills_with_the_links_values_and_their_result(monkeypatch, tmp_path):
    key = "math.pca"   # cheap: milliseconds
    ex = app.FILLS[key].examples
    fill_inputs, fill_outputs = app.FILLS[key].steps
    request = gr.Request(query_params={"tab": key, "example": "4", "n_components": "1"})
    shown = fill_inputs(False, request)
    assert [v["value"] if isinstance(v, dict) else v for v in shown] == [1, "iris"]
    done, *outputs = fill_outputs(False, request)
    metrics = outputs[-1]
    assert done is True and metrics["n_components"] == 1 and metrics["dataset"] == "iris"
    # another tab's link leaves this tab's fill as it was
    other = gr.Request(query_params={"tab": "math.svd", "rank": "8"})
    assert list(fill_inputs(False, other)) == list(ex._get_processed_example(ex.non_none_examples[0]))


def test_a_link_to_another_tab_passes_the_first_tab_by_once():
    """An area page shows its first tab as it opens: with a link to another tab it computes nothing
    then (its example would run ahead of the linked one), and fills when the learner clicks it later."""
    fill_inputs, fill_outputs = app.FILLS["math.svd"].steps      # the math page's first tab
    request = gr.Request(query_params={"tab": "math.pca", "n_components": "1"})
    assert fill_inputs(False, request) == gr.skip()
    passed, *outputs = fill_outputs(False, request)
    assert passed == "passed" and all(v == gr.skip() for v in outputs)
    assert fill_inputs(passed, request) != gr.skip()               # the click later fills it
    pca_inputs, _ = app.FILLS["math.pca"].steps                    # not the first tab: never passed by
    assert pca_inputs(False, gr.Request(query_params={"tab": "math.svd"})) != gr.skip()
