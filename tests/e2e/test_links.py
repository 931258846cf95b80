"""Links, shared runs and guided steps in a real browser at 1280×720 (``pages/links.py``,
``pages/classroom.py``, ``pages/try_this.py``).

    python -m pytest tests/e2e/test_links.py -m e2e

One deep link per area opens its tab with the link's values in the inputs and their result, and
the tab's "share this run" link is the same run (a link to ``/`` is sent to the area's page,
``pages/site.py``); a bad link opens a page with a note saying why; a guided step's button sets the inputs with one click (with SHOWCASE_SCREENSHOTS=1, screenshots in both
languages under tests/e2e/screenshots/; the SVD tab's steps from tests/fixtures/try when it has none of its own)."""

import time
from urllib.parse import parse_qsl, urlsplit

import pytest

from app import available_topics
from pages import links, try_this
from pages.translation import translations
from tests.e2e.conftest import POLL_MS
from tests.e2e.test_tabs import LOCALES, PROJECTOR, RESULT_SHOWN, check_readable, open_context, shoot

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

# One link per area, each changing a setting from an example: (query, {parameter: value shown}).
DEEP = {
    "math": "tab=math.svd&example=2&rank=8",
    "classic": "tab=classic.decision_boundaries&max_depth=2",
    "frameworks": "tab=frameworks.graph_mode&calls=50",
    "vision": "tab=vision.detection&conf=0.5",
    "language": "tab=language.bert_classifier&example=2",
    "speech": "tab=speech.features&n_mfcc=20",
    "optimize": "tab=optimize.pruning&sparsity=0.3",
    "trust": "tab=trust.shap&row=3",
    "deploy": "tab=deploy.serverless&memory_gib=1",
}
ENGLISH = translations()[0]


def topic(key):
    return next(x for x in available_topics() if f"{x.area}.{x.name}" == key)


def label_of(component, words=ENGLISH) -> str:
    return words[component.label.key] if hasattr(component.label, "key") else str(component.label)


def shown_value(panel, component) -> str:
    """What the browser shows in ``component`` (a slider's number box, a textbox, a radio's choice)."""
    label = label_of(component)
    if type(component).__name__ == "Slider":
        return panel.get_by_label(f"number input for {label}").input_value()
    if type(component).__name__ == "Textbox":
        return panel.get_by_label(label, exact=True).first.input_value()
    raise NotImplementedError(type(component).__name__)


def expected(opened: links.Opened) -> dict:
    start = opened.tab.example_values(opened.example)
    return {name: {**start, **opened.values}[name] for name in opened.tab.params
            if type(opened.tab.params[name]).__name__ in ("Slider", "Textbox")}


def same_text(shown: str, value) -> bool:
    try:
        return float(shown) == float(value)
    except (TypeError, ValueError):
        return shown == str(value)


@pytest.mark.parametrize("area", list(DEEP))
def test_a_deep_link_opens_its_tab_with_its_values(browser, server_url, area):
    link = DEEP[area]
    opened = links.read(dict(parse_qsl(link)))
    context, page = open_context(browser, "en-US", PROJECTOR)
    try:
        page.goto(f"{server_url}/?{link}", wait_until="load")
        assert urlsplit(page.url).path == f"/{area}", f"{link} opened {page.url}, not {area}'s page"
        page.wait_for_function(RESULT_SHOWN, arg=None, polling=POLL_MS, timeout=300_000)
        panel = page.locator(".tabitem:visible").last
        selected = page.get_by_role("tab", name=topic(opened.tab.key).en, exact=True, selected=True)
        assert selected.count() == 1, f"the tab {opened.tab.key} is not the one selected"
        # an area's first tab may show its own example first (it carries it: pages/fill.py) until the link's
        # values arrive: wait for them, then check each
        deadline = time.monotonic() + 120
        while True:
            wrong = [(name, shown_value(panel, opened.tab.params[name]), value) for name, value in expected(opened).items()]
            wrong = [(name, shown, value) for name, shown, value in wrong if not same_text(shown, value)]
            if not wrong or time.monotonic() > deadline:
                break
            page.wait_for_timeout(200)
        for name, shown, value in wrong:
            raise AssertionError(f"{name}: shows {shown!r}, the link says {value!r}")
        check_readable(page, panel)
        # the tab's own "share this run" link is this run
        # (at the topic tab's level: a tab with sub-tabs has panels inside it)
        share = page.locator(".share-run:visible").first
        share.get_by_role("button").first.click()
        box = share.locator(".share-link textarea, .share-link input").first
        page.wait_for_function("(el) => el.value.includes('tab=')", arg=box.element_handle(), polling=POLL_MS, timeout=120_000)
        shared = dict(parse_qsl(urlsplit(box.input_value()).query))
        assert links.read(shared).values == opened.values or not opened.changes_the_example, shared
        assert shared["tab"] == opened.tab.key
        shoot(page, f"link-{area}")
    finally:
        context.close()


@pytest.mark.parametrize("locale", list(LOCALES))
@pytest.mark.parametrize("link, words", [("tab=vision.nope", ("There is no tab", "没有名为")),
                                         ("tab=math.svd&rank=600", ("was refused", "被拒绝"))])
def test_a_bad_link_opens_a_page_saying_why(browser, server_url, locale, link, words):
    context, page = open_context(browser, locale, PROJECTOR)
    try:
        page.goto(f"{server_url}/?{link}", wait_until="load")
        note = page.locator(".link-note").first
        note.wait_for(state="visible", timeout=60_000)
        text = note.inner_text()
        mine, other = words[LOCALES[locale]], words[1 - LOCALES[locale]]
        # one language at a time (Gradio's own refusal, quoted in both, is English)
        assert mine in text and other not in text, text
        assert page.locator(".toast-body.error:visible").count() == 0
        shoot(page, f"{locale}-bad-link-{link.split('&')[-1].replace('=', '-')}", full_page=False)
    finally:
        context.close()


@pytest.mark.parametrize("locale", list(LOCALES))
def test_a_guided_step_sets_the_inputs_with_one_click(browser, server_url, locale, tmp_path):
    from tests.e2e.conftest import try_steps

    key = "math.svd"   # the server's steps for it: its own file, else the fixture's (conftest.try_steps)
    steps = try_this.load(try_this.path_of(key, try_steps(tmp_path)))
    step = next(s for s in steps if "set" in s and "example" not in s)
    words = translations()[LOCALES[locale]]
    context, page = open_context(browser, locale, PROJECTOR)
    try:
        page.goto(f"{server_url}/?tab={key}", wait_until="load")
        page.wait_for_function(RESULT_SHOWN, arg=None, polling=POLL_MS, timeout=300_000)
        panel = page.locator(".tabitem:visible").last
        panel.locator(".try-this").get_by_role("button", name=words["try.title"]).click()
        text = step["en" if locale == "en-US" else "zh"]
        row = panel.locator(".try-step").filter(has_text=text[:20])
        row.get_by_role("button", name=words["try.do"]).click()
        tab = links.TABS[key]
        for name, value in step["set"].items():
            if type(tab.params[name]).__name__ == "Slider":
                box = panel.get_by_label(f"number input for {label_of(tab.params[name], words)}")
                page.wait_for_function("([el, v]) => Number(el.value) === v", arg=[box.element_handle(), value],
                                       polling=POLL_MS, timeout=60_000)
        # the step's own result arrives: the PSNR the backend computes for the step's settings
        values = {**tab.example_values(0), **step["set"]}
        psnr = f"PSNR {tab.fn(**values)[-1]['psnr_db']:.1f} dB"
        page.wait_for_function("(psnr) => [...document.querySelectorAll('.summary')].some("
                               "e => e.checkVisibility() && e.innerText.includes(psnr))", arg=psnr, polling=POLL_MS, timeout=300_000)
        check_readable(page, panel)
        shoot(page, f"{locale}-try-this-{key}", full_page=False)
    finally:
        context.close()
