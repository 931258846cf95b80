"""The app as pages (``pages/site.py``): a link to a topic is sent to its area's page, whatever page
it was opened on, under any prefix; the rest passes. In a browser: tests/e2e/test_links.py.

    python -m pytest tests/unit/test_site.py
"""


from pages.site import TabLinkRedirect, is_page, link_to, redirect_for
from tests.loops import run_apart


def test_a_link_to_another_areas_tab_goes_to_that_areas_page_with_its_query():
    assert redirect_for("/", "tab=vision.detection&conf=0.5&lang=zh") == "./vision?tab=vision.detection&conf=0.5&lang=zh"
    assert redirect_for("/math", "tab=vision.detection") == "vision?tab=vision.detection"
    assert redirect_for("/space/prefix/", "tab=math.svd") == "./math?tab=math.svd"   # relative: the prefix stays


def test_a_link_already_on_its_page_or_naming_no_area_stays():
    assert redirect_for("/math", "tab=math.svd&rank=8") is None
    assert redirect_for("/", "") is None and redirect_for("/", "lang=zh") is None
    assert redirect_for("/", "tab=nope") is None and redirect_for("/", "tab=nope.svd") is None   # the page says why


def test_pages_are_the_roadmap_and_the_areas():
    assert is_page("/") and is_page("/math") and is_page("/prefix/vision")
    assert not is_page("/gradio_api/info") and not is_page("/favicon.ico") and not is_page("/mathematics")
    assert link_to("trust.shap") == "trust?tab=trust.shap"


def serve(path: str, query: bytes, method: str = "GET") -> list[dict]:
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"page"})

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": query}
    run_apart(TabLinkRedirect(app)(scope, None, send))
    return sent


def test_the_middleware_redirects_only_a_page_asked_for_another_areas_tab():
    start = serve("/", b"tab=trust.shap&row=3")[0]
    assert start["status"] == 302 and dict(start["headers"])[b"location"] == b"./trust?tab=trust.shap&row=3"
    assert serve("/trust", b"tab=trust.shap")[0]["status"] == 200
    assert serve("/gradio_api/info", b"tab=trust.shap")[0]["status"] == 200
    assert serve("/", b"tab=trust.shap", method="POST")[0]["status"] == 200
