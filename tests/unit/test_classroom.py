"""The classroom furniture of every tab (``pages/classroom.py``, issue #31) on the built app, without
a server: the QR code decodes to the share link, an image's alt text is the result sentence in the
page's language, and the controls a screen reader can use. In a browser: tests/e2e/test_classroom.py.

    python -m pytest tests/unit/test_classroom.py
"""

import gradio as gr
import pytest
import zxingcpp
from PIL import Image

import app
from pages import layout, classroom, links
from pages.translation import say

# a Space's address: the longest base a link is likely to have
BASE = "https://some-student-roadmap-showcase.hf.space/"


def decode(path: str) -> str:
    """The text of the one QR code in the image (zxing-cpp: OpenCV's QRCodeDetector misses some valid codes)."""
    found = [code for code in zxingcpp.read_barcodes(Image.open(path)) if code.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(found) == 1, f"{len(found)} QR codes found in {path}"
    return found[0].text


@pytest.mark.parametrize("key", sorted(links.TABS))
def test_every_tabs_share_link_as_a_qr_code_decodes_to_the_link(tmp_path, key):
    tab = links.TABS[key]
    values = tab.example_values(len(tab.examples.examples) - 1)   # the last example: the longest link
    url = f"{BASE}?{links.share(tab, values).query}&lang=zh"
    path = classroom.qr_code(url, tmp_path)
    assert decode(path) == url


def test_a_qr_code_is_big_enough_to_scan_from_the_back_of_a_room(tmp_path):
    """10 px a module in the file, and at the 320 px the tab shows it, at least 5 px a module: a
    QR code 320 px high on a 1280×720 projector is ~45% of the screen, readable from about ten times
    its width (the usual rule), and the fullscreen button fills the screen with it."""
    tab = links.TABS["math.svd"]
    url = f"{BASE}?{links.share(tab, tab.example_values(3)).query}&lang=zh"
    size = Image.open(classroom.qr_code(url, tmp_path)).size
    import segno

    modules = segno.make(url, error="m", micro=False).symbol_size(scale=1, border=4)[0]
    assert size == (modules * 10, modules * 10)
    assert 320 / modules >= 5, f"{modules} modules: too dense to read at 320 px"


def test_an_images_alt_text_is_the_result_sentence_in_the_pages_language():
    note = say("PSNR **24.7 dB** at 4.0× fewer bytes.\n\n| a | b |\n|---|---|\n| 1 | 2 |",
               "PSNR **24.7 dB**,字节数减少到 1/4.0。")
    assert layout.alt_text(note, "en") == "PSNR 24.7 dB at 4.0× fewer bytes."
    assert layout.alt_text(note, "zh") == "PSNR 24.7 dB,字节数减少到 1/4.0。"
    assert layout.alt_text(None, "en") == ""


def test_every_image_a_result_shows_gets_alt_text():
    """An image that an event outputs (not an input it fills) gets the result sentence as alt text:
    through the share event for the tab's first examples table, through ``result_note(*images)``
    elsewhere; an image with no sentence beside it (the webcam's frames) has alt text of its own."""
    inputs = {c._id for fn in app.demo.fns.values() for c in fn.inputs if isinstance(c, gr.Image)}
    described = {c._id for fn in app.demo.fns.values() if getattr(fn.fn, "__name__", "") in ("shared", "described")
                 for c in fn.outputs}
    shown = {c._id: c for fn in app.demo.fns.values() for c in fn.outputs
             if isinstance(c, gr.Image) and c._id not in inputs and "share-qr" not in (c.elem_classes or [])}
    bare = [f"{c.page}: {c.label}"[:120] for i, c in shown.items() if i not in described and not c.alt_text]
    assert len(shown) > 25 and not bare, bare


def test_every_sound_a_result_plays_has_its_words_beside_it():
    """An audio output (not an input an event fills) comes with text in the same event: what Whisper
    heard beside synthesised speech, the sentence to rate beside a listening-test sample."""
    inputs = {c._id for fn in app.demo.fns.values() for c in fn.inputs if isinstance(c, gr.Audio)}
    played = [fn for fn in app.demo.fns.values() if any(isinstance(c, gr.Audio) and c._id not in inputs for c in fn.outputs)]
    wordless = [fn.api_name or fn.name for fn in played
                if not any(isinstance(c, (gr.Textbox, gr.Markdown)) and c.visible is not False for c in fn.outputs)]
    assert played and not wordless, wordless


def test_every_image_a_tabs_result_shows_gets_its_alt_text_from_the_share_event():
    events = [fn for fn in app.demo.fns.values() if getattr(fn.fn, "__name__", "") == "shared"]
    assert len(events) == len(links.TABS)
    for tab in links.TABS.values():
        images = {c._id for c in tab.examples.outputs if isinstance(c, gr.Image)}
        trigger = tab.examples.outputs[-1]._id
        event = next(fn for fn in events if any(target == trigger for target, _ in fn.targets))
        assert images <= {c._id for c in event.outputs}, tab.key


def test_no_dropdown_where_radios_fit():
    """Dropdowns fail with NVDA (gradio#10532, #12855): eight choices or fewer are radios."""
    small = [(b.label, len(b.choices)) for b in app.demo.blocks.values()
             if isinstance(b, gr.Dropdown) and len(b.choices or []) <= 8]
    assert not small


def test_every_page_has_one_h1():
    """The roadmap and each area's page (``demo.route``): one h1 each, for screen readers' heading jumps."""
    from collections import Counter

    h1 = Counter(b.page for b in app.demo.blocks.values()
                 if isinstance(b, gr.Markdown) and "app-title" in (b.elem_classes or []))
    pages = {b.page for b in app.demo.blocks.values()}
    assert h1 == Counter(dict.fromkeys(pages, 1)), h1
