"""The guided "Try this" steps (``pages/try_this.py``): every ``pages/**/*.try.toml`` that exists is
checked against its tab (3 to 5 steps, English and Chinese each, the last a question with its
answers, ``set`` names the tab's parameters with values its inputs accept, ``example`` exists),
and so is the fixture ``tests/fixtures/try``; a step's one-click button is wired on the built app.

    python -m pytest tests/unit/test_try_this.py
"""

from pathlib import Path

import pytest

import app
from pages import links, try_this
from showcase.core.settings import ROOT

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "try"
FILES = sorted((ROOT / "pages").glob("*/*.try.toml"))


def key_of(path: Path) -> str:
    return f"{path.parent.name}.{path.name.removesuffix('.try.toml')}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: key_of(p))
def test_every_try_file_fits_its_tab(path):
    key = key_of(path)
    assert key in links.TABS, f"{path}: no built tab {key} (the file name must be the page's)"
    found = try_this.problems(try_this.load(path), links.TABS[key])
    assert not found, f"{path}:\n" + "\n".join(found)


def test_the_fixture_fits_its_tab():
    path = try_this.path_of("math.svd", FIXTURES)
    assert not try_this.problems(try_this.load(path), links.TABS["math.svd"])


CHECK = [{"metric": "psnr_db", "value": 25, "tol": 0.5, "shown": "25 dB"}]
GOOD = [{"en": "PSNR is about 25 dB.", "zh": "峰值信噪比约 25 dB。", "set": {"rank": 4}, "check": CHECK},
        {"en": "b", "zh": "乙", "example": 2},
        {"en": "Question?", "zh": "问题?", "answer_en": "Yes.", "answer_zh": "是。"}]


@pytest.mark.parametrize("change, words", [
    (lambda s: s[:2], "2 steps"),
    (lambda s: s + s, "6 steps"),
    (lambda s: [{**s[0], "zh": ""}, *s[1:]], "step 1: `zh` is missing"),
    (lambda s: [s[0], s[1], {**s[2], "answer_zh": None}], "`answer_zh` is missing"),
    (lambda s: [{**s[0], "answer_en": "x"}, *s[1:]], "only the last step"),
    (lambda s: [{**s[0], "set": {"colour": 1}}, *s[1:]], "`colour` is not a parameter"),
    (lambda s: [{**s[0], "set": {"rank": 600}}, *s[1:]], "greater than maximum"),
    (lambda s: [{**s[0], "set": {"method": "qr"}}, *s[1:]], "not in the list of choices"),
    (lambda s: [{**s[0], "set": {"image": "x.png"}}, *s[1:]], "cannot be set"),
    (lambda s: [s[0], {**s[1], "example": 7}, s[2]], "examples 1 to 4"),
    (lambda s: [{**s[0], "sett": {}}, *s[1:]], "unknown keys"),
    (lambda s: [{**s[0], "check": CHECK[0]}, *s[1:]], "must be a list of tables"),
    (lambda s: [{**s[0], "check": [{**CHECK[0], "tolerance": 1}]}, *s[1:]], "unknown keys ['tolerance']"),
    (lambda s: [{**s[0], "check": [{k: v for k, v in CHECK[0].items() if k != "tol"}]}, *s[1:]], "go together"),
    (lambda s: [{**s[0], "check": [{**CHECK[0], "equals": 25}]}, *s[1:]], "give `value` with `tol`"),
    (lambda s: [{**s[0], "check": [{**CHECK[0], "shown": "26 dB"}]}, *s[1:]], "not in the English text"),
    (lambda s: [{**s[0], "zh": "峰值信噪比约 24 dB。"}, *s[1:]], "the Chinese text does not state 25"),
    (lambda s: [{**s[0], "check": [{**CHECK[0], "value": 24}]}, *s[1:]], "does not read as value = 24"),
    (lambda s: [{**s[0], "check": [{**CHECK[0], "tol": "0.5"}]}, *s[1:]], "`tol` must be a number"),
])
def test_a_bad_step_is_named(change, words):
    assert not try_this.problems(GOOD, links.TABS["math.svd"])
    found = try_this.problems(change([dict(s) for s in GOOD]), links.TABS["math.svd"])
    assert any(words in f for f in found), found


@pytest.mark.parametrize("check, measured, holds", [
    ({"metric": "m", "value": 0.98, "tol": 0.0005, "shown": "0.980"}, 0.9804, True),
    ({"metric": "m", "value": 0.98, "tol": 0.0005, "shown": "0.980"}, 0.9806, False),
    ({"metric": "m", "value": 0.87, "tol": 0.005, "shown": "0.87"}, 0.865, True),   # rounding, in binary floats
    ({"metric": "m", "at_least": 0.99, "shown": "0.99"}, 0.9957, True),
    ({"metric": "m", "at_least": 0.99, "shown": "0.99"}, 0.98, False),
    ({"metric": "m", "at_least": 1e-7, "at_most": 1e-5, "shown": "1e-6"}, 1e-8, False),
    ({"metric": "m", "equals": "positive", "shown": "positive"}, "neutral", False),
    ({"metric": "m", "equals": 22, "shown": "22"}, 22, True),
    ({"metric": "m", "value": 1, "tol": 0.1, "shown": "1"}, "1.0", False),
])
def test_a_check_holds_or_says_why(check, measured, holds):
    why = try_this.failed(check, measured)
    assert (why is None) == holds, why
    assert holds or check["shown"] in why


def test_a_metric_is_found_by_its_dotted_path():
    metrics = {"cv_accuracy": {"linear_svm": 0.98}, "ci95": {"std": [0.93, 1.59]}, "a.b": {"c": 1}}
    assert try_this.metric(metrics, "cv_accuracy.linear_svm") == 0.98
    assert try_this.metric(metrics, "ci95.std.1") == 1.59 and try_this.metric(metrics, "a.b.c") == 1
    with pytest.raises(KeyError, match="rbf_svm"):
        try_this.metric(metrics, "cv_accuracy.rbf_svm")


def test_a_file_that_is_not_toml_is_named(tmp_path):
    bad = tmp_path / "x.try.toml"
    bad.write_text("[[step]\nen = 'a'")
    with pytest.raises(ValueError, match="not valid TOML"):
        try_this.load(bad)


def test_steps_render_under_the_header_with_one_click_buttons(monkeypatch):
    """The SVD page built alone with the fixture: the accordion sits under the explanation, and each
    step with a setting has a button whose click sets the inputs (not queued), then shows the result."""
    import gradio as gr

    from pages import classroom, fill
    from pages.layout import recording_examples
    from pages.math import svd as page

    monkeypatch.setenv("SHOWCASE_TRY_DIR", str(FIXTURES))
    monkeypatch.setattr(links, "TABS", dict(links.TABS))   # this build's tab must not replace the app's
    with gr.Blocks() as demo:
        with gr.Tab("SVD", id="math.svd") as tab:
            with recording_examples() as made:
                page.build()
            fill.wire(tab, page, made)
            svd = classroom.wire(tab, made, True)
    kinds = [type(c).__name__ for c in tab.children]
    at = next(i for i, c in enumerate(tab.children) if isinstance(c, gr.Accordion) and "try-this" in c.elem_classes)
    assert "topic-reference" in tab.children[at - 1].elem_classes, kinds
    buttons = [b for b in demo.blocks.values() if isinstance(b, gr.Button) and b.parent is not None
               and "try-step" in (b.parent.elem_classes or [])]
    assert len(buttons) == 3   # steps 1-3 set something; the question does not
    for button in buttons:
        first = [f for f in demo.fns.values() if any(t[0] == button._id for t in f.targets)]
        assert len(first) == 1 and first[0].queue is False
        after = [f for f in demo.fns.values() if f.trigger_after == first[0]._id]
        assert len(after) == 1 and after[0].outputs == svd.examples.outputs
    set_rank = [f for f in demo.fns.values() if any(t[0] == buttons[0]._id for t in f.targets)][0]
    assert set_rank.fn() == 1 and set_rank.outputs == [svd.params["rank"]]
