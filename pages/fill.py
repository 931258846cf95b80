"""A topic tab opens showing its first example's result, as if the learner had clicked it.

app.py builds each page inside its ``gr.Tab`` under ``pages.layout.recording_examples()`` and
then calls ``wire(tab, page, made)``: the first ``gr.Examples`` the page made with
``pages.layout.examples`` is the one the tab opens with. The tab's ``select`` event runs the
same two steps as a click on that example does in Gradio 6.31 (``gr.Examples.create``):

1. the example's inputs, as the Examples object already holds them postprocessed (not queued:
   nothing to compute);
2. its outputs from Gradio's example cache (``Examples.load_from_cache``): the first learner to
   open the tab computes them, on the queue, exactly as a first click would; everyone after
   reads the cache file.

Gradio fires a tab's ``select`` whenever it comes into view (a click on it, a link to it, or its
area's page opening on it as its first tab: ``pages/site.py``), and never for a tab not shown:
opening the roadmap computes nothing, and nothing runs at start-up, as the tables
cache lazily (Gradio 6.31's TabItem dispatches ``select`` when it becomes its Tabs' selected tab,
also when first drawn; tests/e2e/test_tabs.py opens tabs in each of these ways). A ``gr.State`` per tab and browser session makes the fill happen once, so coming
back to a tab keeps what the learner did there.

An example computes in the concurrency group of the page's own listener for the same function
(its **Run** button's, e.g. "cpu_training", one at a time), for the fill and for Gradio's own
example click alike: the area tab that shows a tab first now starts its example while the learner
is already clicking on, and two heavy torch runs at once in one process can break each other
(quantisation's FX tracing patches ``torch.nn.Module.__call__`` process-wide, so a distillation
running beside it failed with "module is not installed as a submodule").

In the training pool (``gradio_fixes.TRAINING_POOL``) that group runs one job at a time, and in a
class one is nearly always running or queued: a learner opening the pruning tab waited for someone
else's whole training run to see a result already in the cache (30 s and more in the short class).
So there the fill is not queued in the pool: it reads the cache at once, and only computing the
example (a cold cache, a link's new settings) waits for the pool's turn, as a run of the pool does
(``priority.TRAINING_LOCK``, at the runs' lower priority).

The tab an area's page opens on needs no call at all when its example was cached before the app
was built (``python app.py --warm``, as the Dockerfile and the benchmarks do): the page carries the
example's inputs and result as the components' values, so the result shows as the page draws.
Its select still runs, but answers with nothing to change unless the page was opened with a link
to it, which it fills as above.

A page opened by a link to the tab (``/?tab=math.svd&rank=8``, ``pages/links.py``) fills with the
link's inputs instead, and their result: an example's from the cache, other settings computed in
the same group, as the Run button would.

A page whose first example must not run just because its tab was opened (it trains a model, or
samples afresh each time) says ``FILL_ON_OPEN = False`` with the reason beside it. Its tab then
starts nothing: it shows the first example's result only when an earlier run put it in the
cache, with a line saying so; otherwise its result note says the tab waits to be asked (the
page's ``OPEN_NOTE``, a ``say()`` value, or ``WAITING``).
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from pages import links
from pages.gradio_fixes import (TRAINING_POOL, example_inputs, example_is_cached, group_of, run_as_a_click,
                                share_group)
from pages.gradio_sessions import shown_as_built
from pages.priority import TRAINING_LOCK, lowered
from pages.translation import say

# the line above a cached earlier run of an opted-out tab's first example
CACHED = say(
    "This is the first example's last run, kept in the examples cache: opening the tab started nothing. "
    "Press **Run** to run it again, or change the settings first.",
    "这是第一个示例上一次运行的结果,保存在示例缓存中:打开标签页并没有启动任何运行。"
    "按 **运行** 重新运行,或先修改设置。")

# an opted-out tab's result note when no earlier run is cached
WAITING = say(
    "This tab trains or measures on a shared CPU, which takes a while, so it starts only when you ask: "
    "click the first example below, or press **Run**.",
    "此标签页要在共享的 CPU 上训练或测量,需要一些时间,所以只在你要求时才开始:"
    "点击下面的第一个示例,或按 **运行**。")


# an opted-out tab opened by a link that changes its inputs: nothing ran
LINK_WAITING = say(
    "The link set this tab's inputs. This tab trains or measures on a shared CPU, so it starts only when you "
    "ask: press **Run**.",
    "链接已设置好此标签页的输入。此标签页要在共享的 CPU 上训练或测量,所以只在你要求时才开始:按 **运行**。")


@dataclass
class Fill:
    """How one tab opens; app.py keeps one per topic (``app.FILLS``) for the tests."""

    fills: bool                  # computes the first example on open (False: FILL_ON_OPEN = False)
    examples: gr.Examples        # the page's first examples table
    note: gr.components.Component | None   # the page's result_note() among its outputs
    done: gr.State               # this browser session has opened the tab already
    open_note: str               # what an opted-out tab says when nothing is cached
    shown: bool = False          # the page carries its first example and result as built ("shown" in done)
    steps: tuple = ()            # (fill_inputs(done), fill_outputs(done, request)): what select runs


def result_note_of(outputs) -> gr.components.Component | None:
    """The output made by ``pages.layout.result_note()`` (class "summary"), if any."""
    for output in outputs:
        classes = output.elem_classes or []
        if "summary" in ([classes] if isinstance(classes, str) else classes):
            return output
    return None


def wire(tab: gr.Tab, page, made: list[gr.Examples]) -> Fill | None:
    """Make ``tab`` open with the first of ``made`` (the tables ``page`` built, in order).

    Call it inside ``with tab:`` (its ``gr.State`` is created there). Returns None for a page
    with no examples table, which opens as it is built."""
    if not made:
        return None
    ex = made[0]
    fills = getattr(page, "FILL_ON_OPEN", True)
    note = result_note_of(ex.outputs)
    if fills and ex.cache_examples != "lazy":
        # not cached: every learner opening the tab would run it; eager: it would run at start-up
        raise ValueError(f"{page.__name__}: the first examples table must cache lazily to fill the tab on open "
                         "(pages.layout.examples does); or set FILL_ON_OPEN = False with the reason beside it")
    if not fills and note is None:
        raise ValueError(f"{page.__name__}: FILL_ON_OPEN = False needs a result_note() among the first "
                         "examples' outputs, to say that the tab waits to be asked")
    for table in made:
        share_group(table)

    def cached() -> bool:
        return example_is_cached(ex, 0)

    # The tab an area page shows as it opens (pages/site.py) is selected before the page's load selects
    # a linked tab: with a link to another tab, its first select is passed by ("passed" in done), so its
    # example does not compute ahead of the linked one (in the same group); a later click fills it.
    shown_first = isinstance(tab.parent, gr.Tabs) and bool(tab.parent.children) and tab.parent.children[0] is tab
    # That tab, its example cached when the app is built (``python app.py --warm``), carries the
    # example's inputs and result in the page itself ("shown" in done): it shows them before any call
    # to the server answers, and its select fills it only for a link to it.
    shown = shown_first and fills and cached()
    fill = Fill(fills, ex, note, gr.State("shown" if shown else False), getattr(page, "OPEN_NOTE", WAITING), shown)
    if shown:
        for component, value in [*zip(ex.inputs_with_examples, example_inputs(ex, 0)),
                                 *zip(ex.outputs, ex.load_from_cache(0))]:
            shown_as_built(component, value)

    group = group_of(ex.fn) if fills else {}
    apart = group.get("concurrency_id") == TRAINING_POOL    # read outside the pool; compute in its turn

    def computed(compute):
        """``compute()``, in the training pool's turn when the page is in that pool (see the docstring)."""
        return lowered(compute, TRAINING_LOCK)() if apart else compute()

    def passes(done, request) -> bool:
        return shown_first and done is False and links.elsewhere(tab.id, request)

    def fill_inputs(done: bool | str, request: gr.Request = None):
        if done is True or passes(done, request) or (done == "shown" and not links.opened(tab.id, request)):
            return gr.skip()
        if (link := links.opened(tab.id, request)) is not None:   # the page was opened with a link to this tab
            values = link.shown_inputs()
        elif not (fills or cached()):
            return gr.skip()
        else:  # what Gradio sends the inputs when the example is clicked, postprocessed once at build time
            values = example_inputs(ex, 0)
        return values[0] if len(values) == 1 else values

    def fill_outputs(done: bool | str, request: gr.Request):
        if done is True:
            return gr.skip()
        if done == "shown" and not links.opened(tab.id, request):
            return [True, *(gr.skip() for _ in ex.outputs)]
        if passes(done, request):
            return ["passed", *(gr.skip() for _ in ex.outputs)]
        if (link := links.opened(tab.id, request)) is not None:
            return [True, *linked_outputs(link, request)]
        if fills:   # computes and caches it the first time, for everyone, as a click would
            if cached():
                return [True, *ex.load_from_cache(0, request)]
            return [True, *computed(lambda: ex.load_from_cache(0, request))]
        if cached():
            values = ex.load_from_cache(0, request)
            at = ex.outputs.index(note)
            values[at] = _with_line(CACHED, values[at])
            return [True, *values]
        return [True, *(fill.open_note if output is note else gr.skip() for output in ex.outputs)]

    def linked_outputs(link: links.Opened, request: gr.Request) -> list:
        """A link's result: its example's from the cache, or computed as the Run button would; an
        opted-out tab computes nothing and says the inputs wait for Run."""
        k = link.example
        if not link.changes_the_example and (fills or example_is_cached(ex, k)):
            values = (ex.load_from_cache(k, request) if example_is_cached(ex, k)
                      else computed(lambda: ex.load_from_cache(k, request)))
            if not fills:
                at = ex.outputs.index(note)
                values[at] = _with_line(CACHED, values[at])
            return values
        if fills:
            return computed(lambda: run_as_a_click(ex, link.all_inputs(), request))
        return [LINK_WAITING if output is note else gr.skip() for output in ex.outputs]

    fill.steps = (fill_inputs, fill_outputs)
    tab.select(fill_inputs, fill.done, ex.inputs_with_examples, queue=False, show_progress="hidden",
               postprocess=False, api_visibility="private").then(
        fill_outputs, fill.done, [fill.done, *ex.outputs], postprocess=False, api_visibility="private",
        # a first fill computes: show it working, in its page's group (the training pool's turn: inside);
        # an opted-out tab computes nothing, so its note need not wait behind someone's training
        # a tab shown as built shows its result already: no spinner over it while a skip waits its turn
        show_progress="full" if fills and not shown else "hidden", **({} if apart else group))
    return fill


def _with_line(line: str, value):
    """A cached Markdown value (a string, or an update dict holding one) with ``line`` above it."""
    if isinstance(value, dict):
        return {**value, "value": _with_line(line, value.get("value"))}
    return f"{line}\n\n{value or ''}"
