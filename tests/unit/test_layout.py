"""``pages.layout``: the examples a page makes are recorded for the page being built in this thread."""

import threading

import gradio as gr

from pages.layout import examples, recording_examples


def test_a_build_in_another_thread_does_not_land_in_this_ones_record():
    def echo(text):
        return text

    elsewhere = []
    with gr.Blocks():
        box, out = gr.Textbox(), gr.Textbox()
        with recording_examples() as made:
            other = threading.Thread(target=lambda: elsewhere.append(
                examples([["a"]], [box], [out], echo, cache_examples=False)))
            other.start()
            other.join()
            mine = examples([["b"]], [box], [out], echo, cache_examples=False)
    assert elsewhere and made == [mine]
