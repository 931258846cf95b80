"""Every topic tab opens showing its first example's result (``pages/fill.py``): the tab's select
event fills the example's inputs, then its outputs from Gradio's example cache. The tabs that
train or sample live opt out (``FILL_ON_OPEN = False``) and compute nothing when opened.

These check the wiring in the built app (no server): which listeners the tabs have, and what
those listeners return, called in-process on a fresh examples cache. The browser test
(``tests/e2e/test_tabs.py``) checks what a learner sees."""

import importlib
import threading

import gradio as gr
import pytest

import app
from pages import fill, gradio_fixes, priority

pytestmark = pytest.mark.slow   # builds the whole app

# The tabs whose first example must not run because a learner opened the tab; each page says why
# beside its FILL_ON_OPEN. A tab that trains and is missing here would start training on every open.
OPTED_OUT = {
    "frameworks.ddp": "trains in two worker processes",
    "optimize.distillation": "trains the student twice",
    "trust.dp_federated": "trains ten clients with DP-SGD",
    "deploy.rest_api": "starts a server and load-tests it",
    "language.chat": "samples each reply afresh (its examples are not cached)",
}


def topic_tab(key: str) -> gr.Tab:
    tabs = [b for b in app.demo.blocks.values() if isinstance(b, gr.Tab) and b.id == key]
    assert len(tabs) == 1, key
    return tabs[0]


def on_select(block) -> list:
    """The listeners that run when ``block`` is selected: the select event's, then its ``.then``s."""
    fns = list(app.demo.fns.values())
    chain = [f for f in fns if any(t[0] == block._id and t[1] == "select" for t in f.targets)]
    after = [f._id for f in chain]
    while after:
        more = [f for f in fns if f.trigger_after in after]
        chain += more
        after = [f._id for f in more]
    return chain


def first_dataset(block):
    """The first examples table inside ``block``, in the order the page laid it out."""
    for child in getattr(block, "children", []):
        if isinstance(child, gr.Dataset):
            return child
        if (found := first_dataset(child)) is not None:
            return found
    return None


def fresh_cache(monkeypatch, ex: gr.Examples, folder):
    """Point ``ex`` at an empty examples cache in ``folder``."""
    monkeypatch.setattr(ex, "cached_folder", folder)
    monkeypatch.setattr(ex, "cached_file", folder / "log.csv")
    monkeypatch.setattr(ex, "cached_indices_file", folder / "indices.csv")


def never_computes(monkeypatch, ex: gr.Examples):
    def compute(*args, **kwargs):
        raise AssertionError("opening the tab ran its first example")
    monkeypatch.setattr(ex, "cache", compute)


TOPICS = [f"{x.area}.{x.name}" for x in app.available_topics()]


@pytest.mark.parametrize("key", TOPICS)
def test_each_tab_opens_with_its_first_examples_table(key):
    opens = app.FILLS.get(key)
    assert opens is not None, f"{key}: no examples table recorded (make it with pages.layout.examples)"
    tab = topic_tab(key)
    assert first_dataset(tab) is opens.examples.dataset, \
        f"{key}: the tab's first examples table was not made with pages.layout.examples"
    chain = on_select(tab)
    assert chain, f"{key}: selecting the tab runs nothing"
    assert all(f.api_visibility == "private" for f in chain), f"{key}: the fill is part of the public API"
    filled = {block._id for f in chain for block in f.outputs}
    ex = opens.examples
    page = importlib.import_module(f"pages.{key}")
    if key in OPTED_OUT:
        assert getattr(page, "FILL_ON_OPEN", True) is False and not opens.fills, key
        assert opens.note is not None and opens.note._id in filled, f"{key}: nowhere to say that it waits"
    else:
        assert getattr(page, "FILL_ON_OPEN", True) is True and opens.fills, f"{key}: opts out; add it to OPTED_OUT"
        assert ex.cache_examples == "lazy", f"{key}: its first example must be cached lazily, never at start-up"
        missing = [b for b in [*ex.inputs_with_examples, *ex.outputs] if b._id not in filled]
        assert not missing, f"{key}: selecting the tab leaves {missing} unfilled"
        # the outputs are computed on the queue (a first open computes); the inputs are not
        assert any(f.queue is not False and ex.outputs[0] in f.outputs for f in chain), key


def test_the_roadmap_and_the_area_pages_compute_nothing_on_load():
    # the roadmap's links navigate (pages/site.py): no listener behind them
    assert not [f for f in app.demo.fns.values() if f.page == "" and f.fn is not None
                and any(t[1] in ("click", "select") for t in f.targets)], "the roadmap page runs a listener"
    # each page's load only reads a link (pages/links.py): not queued, it selects a tab or shows a note
    loads = [f for f in app.demo.fns.values() if any(t[1] == "load" for t in f.targets)]
    pages = {f.page for f in loads}
    assert pages == {"", *{x.area for x in app.available_topics()}}, pages
    assert len(loads) == len(pages) and all((f.fn.__module__, f.queue) == ("pages.links", False) for f in loads), \
        f"a page load runs {[f.name for f in loads]}"
    assert all(isinstance(b, (gr.Tabs, gr.Markdown)) for f in loads for b in f.outputs)


def steps(key):
    """The two fill steps of ``key``'s tab: (inputs from done, outputs from done and request)."""
    chain = on_select(topic_tab(key))
    assert len(chain) == 2, key
    return chain[0].fn, chain[1].fn


def test_a_tab_opens_with_what_its_first_example_shows(monkeypatch, tmp_path):
    key = "math.pca"       # cheap: a few milliseconds
    ex = app.FILLS[key].examples
    fresh_cache(monkeypatch, ex, tmp_path)
    fill_inputs, fill_outputs = steps(key)

    inputs = fill_inputs(False)
    assert list(inputs) == list(ex._get_processed_example(ex.non_none_examples[0]))
    assert [v["value"] if isinstance(v, dict) else v for v in inputs] == list(ex.examples[0])

    done, *outputs = fill_outputs(False, None)     # the first open computes it, and caches it
    assert done is True
    assert (tmp_path / "log.csv").is_file(), "the result was not put in the examples cache"
    assert outputs == ex.load_from_cache(0)
    note = outputs[ex.outputs.index(app.FILLS[key].note)]
    assert isinstance(note, str) and len(note) > 20

    never_computes(monkeypatch, ex)                # a second learner reads the cache
    assert fill_outputs(False, None)[1:] == outputs
    # a tab opened again in the same session keeps what the learner did there
    assert fill_inputs(True) == gr.skip() and fill_outputs(True, None) == gr.skip()


@pytest.mark.parametrize("key", sorted(OPTED_OUT))
def test_an_opted_out_tab_says_it_waits_and_runs_nothing(monkeypatch, tmp_path, key):
    opens = app.FILLS[key]
    ex = opens.examples
    fresh_cache(monkeypatch, ex, tmp_path)
    never_computes(monkeypatch, ex)
    fill_inputs, fill_outputs = steps(key)
    assert fill_inputs(False) == gr.skip()
    done, *outputs = fill_outputs(False, None)
    assert done is True
    at = ex.outputs.index(opens.note)
    assert outputs[at] == opens.open_note
    assert all(v == gr.skip() for i, v in enumerate(outputs) if i != at), "it filled outputs it did not compute"
    assert not (tmp_path / "log.csv").exists()


def test_an_opted_out_tab_shows_an_earlier_cached_run_saying_so(monkeypatch, tmp_path):
    key = "optimize.distillation"
    opens = app.FILLS[key]
    ex = opens.examples
    fresh_cache(monkeypatch, ex, tmp_path)
    never_computes(monkeypatch, ex)
    earlier = [f"earlier {i}" for i in range(len(ex.outputs))]
    # an earlier run of the first example, as Gradio's cache holds it
    monkeypatch.setattr(ex, "_get_cached_index_if_cached", lambda i: 0 if i == 0 else None)
    monkeypatch.setattr(ex, "load_from_cache", lambda i, request=None: list(earlier) if i == 0 else None)
    fill_inputs, fill_outputs = steps(key)
    assert list(fill_inputs(False)) == list(ex._get_processed_example(ex.non_none_examples[0]))
    done, *outputs = fill_outputs(False, None)
    at = ex.outputs.index(opens.note)
    assert done is True and outputs[at].startswith(fill.CACHED) and outputs[at].endswith(earlier[at])
    assert [v for i, v in enumerate(outputs) if i != at] == [v for i, v in enumerate(earlier) if i != at]


def test_a_page_that_must_not_fill_needs_a_note():
    class Page:
        __name__ = "pages.x.y"
        FILL_ON_OPEN = False

    with gr.Blocks():
        with gr.Tab("x") as tab:
            box = gr.Textbox()
            plain = gr.Markdown()
            made = [gr.Examples([["a"]], [box], [plain], fn=str, cache_examples=True, cache_mode="lazy")]
            with pytest.raises(ValueError, match="result_note"):
                fill.wire(tab, Page, made)
            Page.FILL_ON_OPEN = True
            made = [gr.Examples([["a"]], [box], [plain], fn=str, cache_examples=False)]
            with pytest.raises(ValueError, match="cache lazily"):
                fill.wire(tab, Page, made)


def test_a_first_example_computes_in_its_pages_group():
    """The fill and a click on the first example run in the concurrency group of the page's own Run
    listener for the same function: two heavy torch runs at once break each other (quantisation's
    FX tracing while a distillation ran: "module is not installed as a submodule")."""
    checked, apart = set(), set()
    for key, opens in app.FILLS.items():
        ex = opens.examples
        own = {f.concurrency_id for f in app.demo.fns.values()
               if unlowered(f.fn) is ex.fn and f.concurrency_id != str(id(ex.fn))}
        if not own:
            continue
        checked.add(key)
        fill_step = on_select(topic_tab(key))[1]
        if opens.fills and own == {gradio_fixes.TRAINING_POOL}:   # reads at once; computes in the pool's turn
            assert fill_step.concurrency_id not in own, f"{key}: the fill waits in the training pool"
            apart.add(key)
        elif opens.fills:
            assert fill_step.concurrency_id in own, f"{key}: the fill runs outside its page's group"
        else:   # computes nothing: its note must not wait behind someone's training
            assert fill_step.concurrency_id not in own, f"{key}: the note waits in its page's group"
        if ex.cache_event is not None:
            assert app.demo.fns[ex.cache_event["id"]].concurrency_id in own, f"{key}: the example click runs outside it"
    assert {"optimize.quantization", "optimize.distillation", "frameworks.ddp"} <= checked, checked
    assert {"optimize.quantization", "optimize.pruning"} <= apart, apart


def test_a_training_pool_tab_reads_its_cache_at_once_and_computes_in_the_pools_turn(monkeypatch, tmp_path):
    """While a run of the training pool holds its turn (``priority.TRAINING_LOCK``), opening the pruning
    tab shows its cached first example at once; with a cold cache it computes only after that run."""
    key = "optimize.pruning"
    ex = app.FILLS[key].examples
    fresh_cache(monkeypatch, ex, tmp_path)
    _, fill_outputs = steps(key)
    got = {}
    opened = threading.Thread(target=lambda: got.update(first=fill_outputs(False, None)), daemon=True)
    with priority.TRAINING_LOCK:                     # someone's training run
        opened.start()
        opened.join(3)
        assert opened.is_alive() and not (tmp_path / "log.csv").exists(), "computed beside a training run"
    opened.join(300)
    assert got["first"][0] is True and (tmp_path / "log.csv").is_file()
    never_computes(monkeypatch, ex)
    again = threading.Thread(target=lambda: got.update(again=fill_outputs(False, None)), daemon=True)
    with priority.TRAINING_LOCK:                     # the cache, read while the run goes on
        again.start()
        again.join(30)
        assert not again.is_alive(), "a cached first example waited for a training run"
    assert got["again"][1:] == got["first"][1:]


def unlowered(fn):
    """The page's handler behind ``pages.priority.lowered`` (a training Run's), or ``fn`` itself."""
    return fn.__wrapped__ if getattr(fn, "lowered", False) else fn
