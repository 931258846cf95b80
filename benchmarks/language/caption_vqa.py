"""Captioning and VQA: how fast ``caption`` (greedy + beam) and ``vqa`` answer, and what the card holds.

``caption_p50_ms`` / ``_p95_ms``: the whole backend call on the tab's first example (image check,
greedy decoding, beam search with 4 beams, the exact description's BLEU), 20 warm calls;
``vqa_p50_ms`` / ``_p95_ms``: one question, 30 warm calls. The target through the API is p95 ≤
300 ms for each (the API figures are in the endpoint table of ``python -m benchmarks``). The
card's held-out BLEU-4, CIDEr and VQA accuracy stand beside BLIP's published numbers.

    python -m benchmarks.language.caption_vqa
"""

from __future__ import annotations


import numpy as np

from benchmarks.timing import warm_times_ms
from benchmarks.verdict import measured, read
from showcase.core.cards import read_card



def claims() -> dict:
    from pages.language import caption_vqa as page
    from showcase.language import caption_vqa as cv

    page.ensure_assets()
    caption_ms = warm_times_ms(lambda: cv.caption(*page.EXAMPLES[0]), 20)
    vqa_ms = warm_times_ms(lambda: cv.vqa(*page.VQA_EXAMPLES[0]), 30)
    card = read_card(cv.CARD)["metrics"]
    return {
        "caption_vqa.caption_p50_ms": round(float(np.percentile(caption_ms, 50)), 1),
        "caption_vqa.caption_p95_ms": measured(round(float(np.percentile(caption_ms, 95)), 1), "<= 300"),
        "caption_vqa.vqa_p50_ms": round(float(np.percentile(vqa_ms, 50)), 1),
        "caption_vqa.vqa_p95_ms": measured(round(float(np.percentile(vqa_ms, 95)), 1), "<= 300"),
        "caption_vqa.card_bleu4_beam": read(card["bleu4_beam"], "model card"),
        "caption_vqa.card_cider_beam": read(card["cider_beam"], "model card"),
        "caption_vqa.card_vqa_overall": read(card["vqa_overall"], "model card"),
        "caption_vqa.card_blind_overall": read(card["blind_overall"], "model card"),
        "caption_vqa.blip_coco_bleu4": read(cv.COMPARE["blip_coco_bleu4"], "BLIP paper"),
        "caption_vqa.blip_coco_cider": read(cv.COMPARE["blip_coco_cider"], "BLIP paper"),
        "caption_vqa.blip_vqav2_test_dev": read(cv.COMPARE["blip_vqav2_test_dev"], "BLIP paper"),
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
