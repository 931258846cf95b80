"""'Try this': a guided path of three to five steps on a tab, kept beside its page as data.

    python -m pytest tests/unit/test_try_this.py   # checks every pages/**/*.try.toml against its tab

A teacher writes ``pages/<area>/<topic>.try.toml`` (read with the standard library's ``tomllib``)::

    [[step]]
    en = "Set the rank to 1: only the broadest bands survive."
    zh = "把秩设为 1:只剩下最宽的色带。"
    set = { rank = 1 }       # optional: one click sets these parameters of the tab's function
    example = 2              # optional: one click loads the tab's 2nd example (with ``set``: then changes it)
    [[step]]                 # ... three to five steps; the last asks a question
    en = "Question: ...?"
    zh = "问题:……?"
    answer_en = "..."        # shown folded under the question
    answer_zh = "..."

A step that states a measured number says how to check it (``tests/app/test_try_numbers.py`` replays
the steps and reads the number from the metrics the tab's function returns)::

    check = [{ metric = "cv_accuracy.linear_svm", value = 0.980, tol = 0.0005, shown = "0.980" }]

``metric`` is a dotted path into the metrics (a list's items by number); then ``value`` with ``tol``
(the number the text states, and how far its wording allows: "about 0.8" is 0.05, "0.980" is
rounding), or one-sided ``at_least`` / ``at_most`` ("above 0.99"), or ``equals`` (a label, a count,
true/false). ``shown`` is the number as the English text writes it: it must be in ``en``, its digits
in ``zh``, and with ``value`` it must read as that value (a percentage as hundredths too), so the
text and its check cannot drift apart.

The names in ``set`` are the tab's link parameters (``pages/links.py``), checked the same way: a
slider's range, a radio's choices. A step's button puts the values in the inputs and shows their
result as the Run button would (an example's from the cache); a tab that only runs when asked
(``FILL_ON_OPEN = False``) just gets its inputs set. Every visible string goes through the app's
translations, one language at a time.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import gradio as gr

from pages import links
from pages.translation import strings
from pages.fill import group_of
from showcase.core.settings import settings

t = strings("try", {
    "title": ("Try this: a guided path", "动手试试:分步引导"),
    "do": ("Set it up", "帮我设置"),
    "answer": ("Answer", "答案"),
})

STEP_KEYS = {"en", "zh", "set", "example", "answer_en", "answer_zh", "check"}
NUMBER = r"-?\d[\d,]*(?:\.\d+)?(?:e-?\d+)?"   # 47,000  0.980  -4.25  1e-15
CHECK_KEYS = {"metric", "value", "tol", "at_least", "at_most", "equals", "shown"}


def path_of(key: str, folder: Path | None = None) -> Path:
    """Where tab ``key``'s steps are: ``pages/<area>/<topic>.try.toml`` (or under SHOWCASE_TRY_DIR)."""
    area, topic = key.split(".")
    return (folder or settings().try_dir) / area / f"{topic}.try.toml"


def load(path: Path) -> list[dict]:
    """The steps in ``path`` (a list of tables); ValueError if it is not TOML with ``[[step]]``s."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    steps = data.get("step")
    if not isinstance(steps, list):
        raise ValueError(f"{path}: no [[step]] tables")
    return steps


def problems(steps: list[dict], tab: links.TabInputs) -> list[str]:
    """What is wrong with ``steps`` for ``tab``; empty when they can be shown."""
    found = []
    if not 3 <= len(steps) <= 5:
        found.append(f"{len(steps)} steps: a path has 3 to 5")
    for i, step in enumerate(steps, 1):
        where = f"step {i}"
        if unknown := set(step) - STEP_KEYS:
            found.append(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(STEP_KEYS)})")
        for lang in ("en", "zh"):
            if not isinstance(step.get(lang), str) or not step[lang].strip():
                found.append(f"{where}: `{lang}` is missing or empty")
        last = i == len(steps)
        for lang in ("answer_en", "answer_zh"):
            if last and (not isinstance(step.get(lang), str) or not step[lang].strip()):
                found.append(f"{where} (the last, a question): `{lang}` is missing or empty")
            if not last and lang in step:
                found.append(f"{where}: only the last step (the question) has `{lang}`")
        if "example" in step:
            count = len(tab.examples.non_none_examples)
            k = step["example"]
            if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= count:
                found.append(f"{where}: example = {k!r}, but the tab has examples 1 to {count}")
        if "check" in step:
            found += [f"{where}: {p}" for p in check_problems(step)]
        settings = step.get("set", {})
        if not isinstance(settings, dict):
            found.append(f"{where}: `set` must be a table, e.g. set = {{ rank = 1 }}")
            continue
        for name, value in settings.items():
            if name not in tab.params:
                found.append(f"{where}: `{name}` is not a parameter of the tab (it has {', '.join(tab.params)})")
                continue
            try:
                links.parse_value(tab, name, links.as_text(value))
            except links.LinkError as exc:
                found.append(f"{where}: {exc}")
    return found


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _read(shown: str) -> float | None:
    """The number ``shown`` writes ("47,000", "0.980", "29%", "1e-15"); None if it is not one."""
    match = re.search(NUMBER, shown.replace("−", "-"))
    return float(match.group().replace(",", "")) if match else None


def check_problems(step: dict) -> list[str]:
    """What is wrong with a step's ``check`` list (see the module's docstring); empty when fine."""
    checks = step.get("check", [])
    if not isinstance(checks, list) or not checks or not all(isinstance(c, dict) for c in checks):
        return ["`check` must be a list of tables, e.g. check = [{ metric = \"psnr_db\", value = 25, tol = 0.5, "
                "shown = \"25\" }]"]
    found = []
    for c in checks:
        name = c.get("metric")
        if unknown := set(c) - CHECK_KEYS:
            found.append(f"check {name!r}: unknown keys {sorted(unknown)} (known: {sorted(CHECK_KEYS)})")
        if not isinstance(name, str) or not name.strip():
            found.append("a check needs `metric`, a dotted path into the tab's metrics")
        kinds = {"value", "at_least", "at_most", "equals"} & set(c)
        if not kinds or ("equals" in kinds and len(kinds) > 1) or ("value" in kinds and len(kinds) > 1):
            found.append(f"check {name!r}: give `value` with `tol`, or `at_least` and/or `at_most`, or `equals`")
        if ("value" in c) != ("tol" in c):
            found.append(f"check {name!r}: `value` and `tol` go together")
        for key in ("value", "tol", "at_least", "at_most"):
            if key in c and not _number(c[key]):
                found.append(f"check {name!r}: `{key}` must be a number")
        if _number(c.get("tol")) and c["tol"] < 0:
            found.append(f"check {name!r}: `tol` must not be negative")
        if isinstance(c.get("equals"), (dict, list)):
            found.append(f"check {name!r}: `equals` must be a text, a number or true/false")
        shown = c.get("shown")
        if not isinstance(shown, str) or not shown.strip():
            found.append(f"check {name!r}: `shown` must be the number as the English text writes it")
            continue
        if shown not in str(step.get("en", "")):
            found.append(f"check {name!r}: `shown` {shown!r} is not in the English text")
        zh = str(step.get("zh", "")).replace(",", "").replace("−", "-")
        for number in re.findall(NUMBER, shown.replace(",", "").replace("−", "-")):
            if number not in zh:
                found.append(f"check {name!r}: the Chinese text does not state {number} (`shown` {shown!r})")
        read = _read(shown)
        if _number(c.get("value")) and not (read is not None and any(
                math.isclose(c["value"], x, rel_tol=1e-9) for x in (read, read / 100 if "%" in shown else read))):
            found.append(f"check {name!r}: `shown` {shown!r} does not read as value = {c['value']}")
    return found


def metric(metrics, path: str):
    """The metric at dotted ``path`` in ``metrics`` (dict keys may hold dots; a list's items by number)."""
    parts, here = path.split("."), metrics
    while parts:
        if isinstance(here, dict):
            for n in range(len(parts), 0, -1):   # the longest key first: "int8.accuracy" may be one key
                if ".".join(parts[:n]) in here:
                    here, parts = here[".".join(parts[:n])], parts[n:]
                    break
            else:
                raise KeyError(f"{path}: no {parts[0]!r} among {sorted(here)}")
        elif isinstance(here, (list, tuple)) and parts[0].lstrip("-").isdigit():
            here, parts = here[int(parts[0])], parts[1:]
        else:
            raise KeyError(f"{path}: {parts[0]!r} is not in a {type(here).__name__}")
    return here


def failed(check: dict, measured) -> str | None:
    """Why ``measured`` does not keep ``check``; None when it does."""
    said = f"{check['metric']} = {measured!r}, the text says {check['shown']!r}"
    if "equals" in check:
        return None if measured == check["equals"] else f"{said}: expected {check['equals']!r}"
    if not _number(measured) and not hasattr(measured, "__float__"):
        return f"{said}: not a number"
    x = float(measured)
    # the slack only absorbs binary floats: 0.865 against "0.87" ± 0.005 is 0.0050000000000000044 apart
    if "value" in check and not abs(x - check["value"]) <= check["tol"] + 1e-9:
        return f"{said}: expected {check['value']} ± {check['tol']}"
    if "at_least" in check and not x >= check["at_least"]:
        return f"{said}: expected at least {check['at_least']}"
    if "at_most" in check and not x <= check["at_most"]:
        return f"{said}: expected at most {check['at_most']}"
    return None


def render(tab: gr.Tab, inputs: links.TabInputs, folder: Path | None = None) -> gr.Accordion | None:
    """The tab's "Try this" accordion, under its explanation, if it has a ``.try.toml``.

    Call inside ``with tab:`` after the page is built (the steps' buttons need its inputs)."""
    path = path_of(inputs.key, folder)
    if not path.is_file():
        return None
    steps = load(path)
    if found := problems(steps, inputs):
        raise ValueError(f"{path}: " + "; ".join(found))
    words = strings(f"try.{inputs.key}", {
        **{f"{i}": (f"**{i}.** {s['en']}", f"**{i}.** {s['zh']}") for i, s in enumerate(steps, 1)},
        "answer": (steps[-1]["answer_en"], steps[-1]["answer_zh"]),
    })
    with gr.Accordion(t("title"), open=False, elem_classes="try-this") as accordion:
        for i, step in enumerate(steps, 1):
            with gr.Row(equal_height=True, elem_classes="try-step"):
                gr.Markdown(words(f"{i}"), elem_classes="try-text")
                if "set" in step or "example" in step:
                    button = gr.Button(t("do"), size="sm", variant="secondary", scale=0, min_width=120)
                    wire_step(button, inputs, step)
        with gr.Accordion(t("answer"), open=False, elem_classes="try-answer"):
            gr.Markdown(words("answer"))
    under_header(tab, accordion)
    return accordion


def wire_step(button: gr.Button, inputs: links.TabInputs, step: dict) -> None:
    """One click: the step's values in the inputs, then their result as Run (or the example) shows it."""
    ex = inputs.examples
    k = step.get("example", 1) - 1
    settings = {name: links.parse_value(inputs, name, links.as_text(v)) for name, v in step.get("set", {}).items()}
    chosen = links.Opened(inputs, k, settings)
    targets = ex.inputs_with_examples if "example" in step else [inputs.params[n] for n in settings]

    def set_inputs():
        if "example" in step:
            values = chosen.shown_inputs()
        else:
            values = [inputs.params[n].postprocess(v) for n, v in settings.items()]
        return values[0] if len(values) == 1 else values

    event = button.click(set_inputs, None, targets, queue=False, show_progress="hidden", postprocess=False,
                         api_visibility="private")
    if not inputs.fills:   # a tab that trains or samples live: the learner presses Run
        return
    group = group_of(ex.fn)
    if settings or not ex.cache_examples:   # the browser now holds every input: run as the Run button does
        event.then(ex.fn, ex.inputs, ex.outputs, api_visibility="private", **group)
    else:
        def cached(request: gr.Request):
            return ex.load_from_cache(k, request)

        event.then(cached, None, ex.outputs, postprocess=False, api_visibility="private", **group)


def under_header(tab: gr.Tab, block: gr.Block) -> None:
    """Move ``block`` from the end of ``tab`` to just under the page's header (title, explanation and
    reference, from ``pages.layout.header``). Gradio lays a tab out in the order of its children."""
    children = tab.children
    if block not in children:
        return
    children.remove(block)
    at = 0
    for i, child in enumerate(children):
        classes = child.elem_classes or []
        classes = [classes] if isinstance(classes, str) else classes
        if "topic-title" in classes:
            at = i + 2   # the title, then the explanation
        if "topic-reference" in classes:
            at = i + 1
    children.insert(min(at, len(children)), block)
