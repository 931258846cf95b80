"""Links straight to a tab with its settings: ``/?tab=math.svd&rank=8&example=2``.

    python -m pytest tests/unit/test_links.py        # parsing and refusals, on the built app
    python -m pytest tests/e2e/test_links.py -m e2e  # a deep link per area in a real browser

A link's parameters are the names of the tab's function parameters (``run(image, rank, method)``),
mapped to the input components through the tab's first examples table, whose inputs are in the
function's order (``pages.layout.examples``). ``example=K`` (1-based) starts from the tab's K-th
example, inputs and result, like a click on it; the other parameters change inputs from there.
Values are checked by the components themselves (``preprocess``: a slider's minimum and maximum,
a radio's choices), so a link is refused with the words the API uses; a file input (an image,
audio) can only come from ``example=K``: a URL cannot carry an upload.

How a link opens (all on Gradio's own machinery, no injected JavaScript):
1. A link to a topic opens its area's page (``pages/site.py``; ``/?tab=math.svd`` is redirected to
   ``/math?tab=math.svd``). ``route`` runs on the page's ``load`` (not queued, computes nothing): a
   good link selects the topic tab with ``gr.Tabs(selected=...)``; a bad one shows a note on the page.
2. Selecting the tab fires its fill (``pages/fill.py``), which asks ``opened(key, request)``: the
   browser sends the page's query string with every event, so ``request.query_params`` is the link.
   The fill then shows the linked inputs and their result: from the examples cache when they are an
   example's, else computed by ``gradio_fixes.run_as_a_click`` in the page's group, as the Run button would.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import gradio as gr

from pages.gradio_fixes import example_inputs
from pages.translation import say

# Gradio's own query parameters (themes, the view switch, its session deep links): not ours to judge
GRADIO_OWN = {"view", "deep_link", "lang"}
# inputs a URL cannot carry: their values are files
FILE_INPUTS = (gr.Image, gr.Audio, gr.Video, gr.File, gr.Gallery, gr.Model3D)


class LinkError(ValueError):
    """A link that cannot be opened; ``note`` says why in both languages (a ``say()`` value)."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.note = say(en, zh)


@dataclass
class TabInputs:
    """What a link, a script or a guided step may set on one topic tab."""

    key: str                                   # "math.svd"
    examples: gr.Examples                      # the tab's first examples table
    params: dict[str, gr.components.Component] = field(default_factory=dict)  # in the function's order
    fills: bool = True                         # False: FILL_ON_OPEN = False, the tab computes only when asked

    @property
    def fn(self):
        return inspect.unwrap(self.examples.fn)

    def example_values(self, k: int) -> dict[str, Any]:
        """Example ``k``'s (0-based) raw values by parameter name."""
        return dict(zip(self.params, self.examples.examples[k]))

    def settable(self, name: str) -> bool:
        component = self.params[name]
        return not isinstance(component, FILE_INPUTS) and component in self.examples.inputs_with_examples


TABS: dict[str, TabInputs] = {}   # "area.name" -> TabInputs, filled by register() as app.py builds


def parameter_names(fn) -> list[str]:
    """The parameters Gradio fills from input components: not a ``gr.Request`` nor ``gr.Progress``."""
    names = []
    for p in inspect.signature(inspect.unwrap(fn)).parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        if p.annotation in (gr.Request, "gr.Request") or isinstance(p.default, gr.Progress):
            continue
        names.append(p.name)
    return names


def register(key: str, made: list[gr.Examples], fills: bool) -> TabInputs | None:
    """Record tab ``key``'s parameters from its first examples table (``made[0]``)."""
    if not made:
        return None
    ex = made[0]
    names = parameter_names(ex.fn)
    if len(names) < len(ex.inputs):
        raise ValueError(f"{key}: {ex.fn.__name__} takes {names}, fewer than its examples' {len(ex.inputs)} inputs")
    TABS[key] = tab = TabInputs(key, ex, dict(zip(names, ex.inputs)), fills)
    return tab


# ---- reading a link ----------------------------------------------------------------------------

def _choice(component, text: str):
    """The choice whose value reads as ``text`` (choices may be numbers); else ``text`` itself,
    which the component's own check then refuses with its list of choices."""
    for _, value in getattr(component, "choices", None) or []:
        if str(value) == text:
            return value
    return text


def parse_value(tab: TabInputs, name: str, text: str):
    """``text`` from a link as the value the tab's function would get for ``name``; LinkError if refused."""
    component = tab.params[name]
    if not tab.settable(name):
        raise LinkError(
            f"`{name}` cannot be set from a link (it is a file, or no example sets it): use `example=K` "
            f"to choose one of the tab's examples.",
            f"`{name}` 不能由链接设置(它是文件,或没有示例设置它):请用 `example=K` 选择标签页的某个示例。")
    try:
        if isinstance(component, (gr.Slider, gr.Number)):
            try:
                value = float(text)
            except ValueError:
                raise gr.Error(f"Value {text!r} is not a valid number.") from None
            if not math.isfinite(value):
                raise gr.Error(f"Value {text!r} is not a valid number.")
            like = tab.example_values(0)[name]
            if value.is_integer() and isinstance(like, int) and not isinstance(like, bool):
                value = int(value)
            value = component.preprocess(value)   # Gradio's own bounds check: "less than minimum value"
            step = getattr(component, "step", None)
            if isinstance(component, gr.Slider) and step:
                steps = (value - component.minimum) / step
                if abs(steps - round(steps)) > 1e-6:
                    raise gr.Error(f"Value {value} is not on the slider's steps of {step} from {component.minimum}.")
            return value
        if isinstance(component, gr.Checkbox):
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise gr.Error(f"Value {text!r} is not a valid boolean (true or false).")
            return component.preprocess(text.lower() in ("true", "1", "yes"))
        if isinstance(component, gr.CheckboxGroup) or getattr(component, "multiselect", False):
            return component.preprocess([_choice(component, s) for s in text.split(",") if s])
        if isinstance(component, (gr.Radio, gr.Dropdown)):
            return component.preprocess(_choice(component, text))
        if isinstance(component, gr.Textbox):
            return component.preprocess(text)
    except gr.Error as exc:
        raise LinkError(f"`{name}={text}` was refused: {exc.message}",
                        f"链接中的 `{name}={text}` 被拒绝:{exc.message}") from None
    raise LinkError(f"`{name}` cannot be set from a link.", f"`{name}` 不能由链接设置。")


@dataclass
class Opened:
    """A link that opens a tab: start from example ``example`` (0-based), then set ``values``."""

    tab: TabInputs
    example: int = 0
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def changes_the_example(self) -> bool:
        start = self.tab.example_values(self.example)
        return any(not same(v, start[k]) for k, v in self.values.items())

    def shown_inputs(self) -> list:
        """The values of the example's inputs as the browser shows them (the fill's first step)."""
        ex = self.tab.examples
        shown = example_inputs(ex, self.example)
        for name, value in self.values.items():
            component = self.tab.params[name]
            shown[ex.inputs_with_examples.index(component)] = component.postprocess(value)
        return shown

    def all_inputs(self) -> list:
        """Every input of the tab's function, as the browser would send them (for ``gradio_fixes.run_as_a_click``)."""
        ex = self.tab.examples
        shown = iter(self.shown_inputs())
        return [next(shown) if keep else None for keep in ex.input_has_examples]


def read(query) -> Opened | None:
    """The tab a link's query (``request.query_params``) opens; None when it asks for none; LinkError."""
    query = {k: v for k, v in dict(query).items() if not k.startswith("__") and k not in GRADIO_OWN}
    if not query:
        return None
    key = query.pop("tab", None)
    if key is None:
        raise LinkError(f"A link needs `tab=` (e.g. `?tab=math.svd`); it said {_list(query)}.",
                        f"链接需要 `tab=`(例如 `?tab=math.svd`);它给出的是 {_list(query)}。")
    tab = TABS.get(key)
    if tab is None:
        known = ", ".join(sorted(TABS)[:6])
        raise LinkError(f"There is no tab `{key}`. Tab names look like {known}, … (see the roadmap below).",
                        f"没有名为 `{key}` 的标签页。标签页名形如 {known}……(见下方路线图)。")
    opened = Opened(tab)
    if "example" in query:
        text = query.pop("example")
        count = len(tab.examples.non_none_examples)
        if not text.isdigit() or not 1 <= int(text) <= count:
            raise LinkError(f"`example={text}`: tab `{key}` has examples 1 to {count}.",
                            f"`example={text}`:标签页 `{key}` 的示例编号是 1 到 {count}。")
        opened.example = int(text) - 1
    unknown = [k for k in query if k not in tab.params]
    if unknown:
        raise LinkError(f"Tab `{key}` has no setting {_list(unknown)}; its settings are {_list(tab.params)}.",
                        f"标签页 `{key}` 没有设置 {_list(unknown)};它的设置是 {_list(tab.params)}。")
    opened.values = {name: parse_value(tab, name, text) for name, text in query.items()}
    return opened


def _list(names) -> str:
    return ", ".join(f"`{n}`" for n in names)


def opened(key: str, request: gr.Request | None) -> Opened | None:
    """The link the page was opened with, if it is a good one for tab ``key``."""
    if request is None:
        return None
    try:
        link = read(request.query_params)
    except LinkError:
        return None
    return link if link is not None and link.tab.key == key else None


def elsewhere(key: str, request: gr.Request | None) -> bool:
    """The page was opened with a good link to a tab other than ``key``."""
    if request is None:
        return False
    try:
        link = read(request.query_params)
    except LinkError:
        return False
    return link is not None and link.tab.key != key


# ---- opening it ----------------------------------------------------------------------------------

def route(demo: gr.Blocks, tabs: gr.Tabs | None, note: gr.Markdown) -> None:
    """On a page's load: select the tab a link names among ``tabs`` (an area page's topic tabs; None on
    the roadmap), or show in ``note`` why the link was refused.

    Not queued and computes nothing: the tab's own fill shows the linked values when it is selected.
    A link to another area's tab never gets here: ``pages.site.TabLinkRedirect`` sends it to that page."""
    mine = set() if tabs is None else {child.id for child in tabs.children}

    def on_load(request: gr.Request):
        try:
            link = read(request.query_params)
        except LinkError as refused:
            return [gr.skip(), gr.update(value=refused.note, visible=True)]
        if link is None or link.tab.key not in mine:
            return [gr.skip(), gr.skip()]
        return [gr.Tabs(selected=link.tab.key), gr.skip()]

    def on_roadmap_load(request: gr.Request):   # no tabs to select there: only the note
        return on_load(request)[1]

    fn, outputs = (on_roadmap_load, [note]) if tabs is None else (on_load, [tabs, note])
    demo.load(fn, None, outputs, queue=False, show_progress="hidden", api_visibility="private")


# ---- sharing what is on screen -------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def _digest(path: str, size: int, mtime: float) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def is_file(value) -> bool:
    """``value`` names an existing file (a long text is not a path: the OS refuses its name)."""
    try:
        return isinstance(value, (str, Path)) and Path(value).is_file()
    except (OSError, ValueError):
        return False


def digest(value) -> str | None:
    """A file's content hash, to know an upload that is one of the tab's example files."""
    if isinstance(value, dict):
        value = value.get("path")
    value = getattr(value, "path", value)
    if is_file(value):
        stat = Path(value).stat()
        return _digest(str(value), stat.st_size, stat.st_mtime)
    return None


def same(a, b) -> bool:
    """Two input values are the same setting (numbers within rounding, lists item by item)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ",".join(as_text(v) for v in value)
    return str(value)


@dataclass
class Shared:
    """A run as a link: ``query`` reproduces it; ``example`` is where it starts (0-based)."""

    query: str
    example: int
    lost: list[str]        # file inputs the link cannot carry (an upload of the learner's own)


def share(tab: TabInputs, values: dict[str, Any]) -> Shared:
    """The shortest link to the run of ``values`` (by parameter name, as the function got them):
    the example whose files and most settings match, then the settings that differ from it."""
    files = [n for n, c in tab.params.items() if isinstance(c, FILE_INPUTS)]
    best, best_score, lost = 0, -1, []
    for k in range(len(tab.examples.examples)):
        start = tab.example_values(k)
        if any(digest(values.get(n)) != digest(start[n]) or (digest(start[n]) is None and values.get(n) != start[n])
               for n in files):
            continue
        score = sum(same(values.get(n), start[n]) for n in tab.params)
        if score > best_score:
            best, best_score = k, score
    if best_score < 0:
        lost = files
    start = tab.example_values(best)
    query = {"tab": tab.key}
    if best:
        query["example"] = str(best + 1)
    for name in tab.params:
        if name in values and tab.settable(name) and not same(values[name], start[name]):
            query[name] = as_text(values[name])
    return Shared(urlencode(query, safe=",."), best, lost)
