"""Every tab in a real browser, in English and Chinese: open it, click its first example, wait for
the metrics, check that no error showed, and save a screenshot under tests/e2e/screenshots/."""

from pathlib import Path

import pytest

from app import available_topics
from showcase.core.topics import AREAS

SHOTS = Path(__file__).parent / "screenshots"

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
LOCALES = {"en-US": 0, "zh-CN": 1}  # index into (english, chinese) names


@pytest.fixture(scope="module", params=list(LOCALES))
def page(request, browser, server_url):
    context = browser.new_context(locale=request.param, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server_url, wait_until="load")  # "networkidle" never comes: chromium keeps preloads open
    page.get_by_role("tab").first.wait_for(timeout=60_000)
    page.locale = request.param
    yield page
    context.close()


def test_home_lists_the_roadmap(page):
    # the page fills in after load; wait for the last stage and the translated title
    page.get_by_text("86–100", exact=False).first.wait_for(timeout=30_000)
    page.wait_for_function("() => !document.body.innerText.includes('__i18n__')", timeout=30_000)
    text = page.inner_text("body")
    assert "51–60" in text and "86–100" in text
    assert ("Roadmap Showcase" in text) if page.locale == "en-US" else ("路线图演示" in text)
    assert "__i18n__" not in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{page.locale}-home.png"), full_page=True)


@pytest.mark.parametrize("topic", available_topics(), ids=lambda t: t.module)
def test_tab_runs_its_first_example(page, topic):
    lang = LOCALES[page.locale]
    titles = {"en-US": topic.en, "zh-CN": topic.zh}
    page.get_by_role("tab", name=AREAS[topic.area][lang], exact=True).click()
    page.get_by_role("tab", name=titles[page.locale], exact=True).click()
    panel = page.locator(".tabitem:visible").last
    first_example = panel.locator("[data-testid='dataset-cell-0-0']:visible").first
    first_example.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.metrics')].some(e => e.offsetParent && e.innerText.length > 40)",
        # the training tabs' first examples take ~30 s on a quiet 2-core machine, and have taken
        # over 120 s with another process busy: the wait is for a result, not a speed check
        timeout=300_000,
    )
    page.wait_for_timeout(500)  # let plots draw before the screenshot
    body = page.inner_text("body")
    assert "__i18n__" not in body, "an untranslated label is on the page"
    assert page.locator(".toast-body.error:visible").count() == 0, body[-500:]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{page.locale}-{topic.area}-{topic.name}.png"), full_page=True)
