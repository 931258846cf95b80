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


GOOD = [{"en": "a", "zh": "甲", "set": {"rank": 4}}, {"en": "b", "zh": "乙", "example": 2},
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
])
def test_a_bad_step_is_named(change, words):
    assert not try_this.problems(GOOD, links.TABS["math.svd"])
    found = try_this.problems(change([dict(s) for s in GOOD]), links.TABS["math.svd"])
    assert any(words in f for f in found), found


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
