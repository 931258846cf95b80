"""Tab: image captioning and visual question answering (a small ViT + GPT-2 trained here on generated
scenes; BLIP from the hub). Run alone: ``python -m pages.language.caption_vqa``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from pages.common import (ImageInput, code_accordion, examples, guard, header, launch_kwargs, lazy_demo,
                          metrics_json, result_note, say, standalone, strings)
from showcase.core import scene_text
from showcase.core.checks import number
from showcase.core.settings import asset
from showcase.language import caption_vqa as cv

t = strings("caption_vqa", {
    "title": ("## Image captioning and visual question answering", "## 图像描述与视觉问答"),
    "body": (
        "An encoder–decoder: a small Vision Transformer turns the picture into 64 patch vectors, and a small GPT-2 "
        "writes words one at a time, looking at those patches through cross-attention. The same decoder answers "
        "questions: given the question's words, it writes the answer after the question mark. Both are trained "
        "here from scratch with transformers' Seq2SeqTrainer on generated scenes whose captions and answers are "
        "exact. **Greedy** decoding takes the likeliest word each step; **beam search** keeps the best few "
        "partial captions. For a generated scene the exact description and answer are shown beside the model's.",
        "编码器–解码器:一个小型 Vision Transformer 把图像变成 64 个图块向量,一个小型 GPT-2 逐词生成文本,并通过交叉注意力查看这些图块。"
        "同一个解码器也回答问题:给定问题的词,它在问号之后写出答案。两者都由本项目用 transformers 的 Seq2SeqTrainer 在生成的场景上"
        "从零训练,场景的描述和答案都是精确的。**贪心**解码每一步取最可能的词;**束搜索**保留最好的几条候选描述。"
        "对生成的场景,会在模型输出旁显示精确的描述和答案。",
    ),
    "reference": (
        "**Compare:** BLIP (ViT-B, 129 M images) reaches **BLEU-4 39.7, CIDEr 133.3** on COCO captions and "
        "**78.25%** on VQAv2 test-dev. Ours lives in a toy world of coloured shapes with 47 words; its held-out "
        "BLEU-4, CIDEr and VQA accuracy per question type (against a blind, question-only baseline) are in its "
        "model card and below.",
        "**对照:** BLIP(ViT-B,1.29 亿张图像)在 COCO 描述上达到 **BLEU-4 39.7、CIDEr 133.3**,在 VQAv2 test-dev 上达到 "
        "**78.25%**。我们的模型生活在只有 47 个词的彩色形状玩具世界中;其留出集 BLEU-4、CIDEr 和各类问题的 VQA 准确率"
        "(对照只看问题的盲猜基线)写在模型卡中,并显示在下方。",
    ),
    "model": ("Model", "模型"),
    "beams": ("Beams for beam search", "束搜索的束宽"),
    "caption_button": ("Caption", "生成描述"),
    "question": ("Question", "问题"),
    "ask": ("Ask", "提问"),
    "seed": ("Seed for a new generated scene", "新生成场景的随机种子"),
    "generate": ("Generate a scene", "生成场景"),
    "caption_tab": ("Caption", "图像描述"),
    "vqa_tab": ("Question answering", "视觉问答"),
    "caption_guide": (
        "Examples: one shape, described right. **Hard:** three shapes — the tiny model gets the colours and the "
        "count but mixes up kinds and order; a purple circle, a colour–shape pair never seen in training, comes "
        "out as a seen pair.",
        "示例:一个形状,描述正确。**难**:三个形状——微型模型能说对颜色和数量,但会弄错形状种类和顺序;"
        "紫色圆形是训练中从未见过的颜色–形状组合,模型会把它说成见过的组合。",
    ),
    "vqa_guide": (
        "Examples: colour (the model's best question type, far above a blind guess from the question alone), "
        "then the **hard** ones, where each answer says how this tiny model does on its type: counting, position, "
        "existence (of a purple circle, a pair never seen in training), and a question in words it never saw.",
        "示例:颜色(模型最擅长的问题类型,远高于只看问题的盲猜),然后是**难**的:每个答案都会说明这个微型模型在该类问题上的表现——"
        "计数、位置、存在性(紫色圆形,训练中从未见过的组合),以及用模型从未见过的词提问。",
    ),
})

MODEL_CHOICES = [("ViT + GPT-2 tiny (bundled)", "bundled"), ("BLIP base (hub)", "hub")]
EXAMPLE_SEEDS = (95, 2, 4, 5)  # test-split scenes; 95 is captioned exactly by greedy and beam; 4 is a purple circle, never seen in training


def example_path(seed: int) -> Path:
    return asset("language", "caption_vqa", f"scene_seed{seed}.png")


EXAMPLES = [[str(example_path(s)), "bundled", cv.BEAMS] for s in EXAMPLE_SEEDS[:3]]
VQA_SPECS = [  # (seed, question, what it shows)
    (95, "what colour is the square?", "colour"),
    (95, "how many squares are there?", "counting"),
    (2, "is the circle above the triangle?", "position"),
    (4, "is there a purple circle?", "existence, a pair never seen in training"),
    (5, "这是什么颜色?", "hard: a question in words it never saw"),
]
VQA_EXAMPLES = [[str(example_path(s)), q, "bundled"] for s, q, _ in VQA_SPECS]
# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"caption": EXAMPLES[0], "vqa": VQA_EXAMPLES[0]}


def ensure_assets() -> None:
    for seed in EXAMPLE_SEEDS:
        if not example_path(seed).is_file():
            example_path(seed).parent.mkdir(parents=True, exist_ok=True)
            scene_text.save_png(cv.scene(seed), example_path(seed))


def model_text(text: str) -> str:
    """The model's English words, marked as data (the Chinese page's prose check leaves them out)."""
    return f'<span class="model-text">{text}</span>'


def caption_note(m: dict) -> str:
    greedy, beam = model_text(m["caption"]), model_text(m["caption_beam"])
    en = f"**Greedy:** {greedy}  \n**Beam search ({m['num_beams']} beams):** {beam}"
    zh = f"**贪心:** {greedy}  \n**束搜索({m['num_beams']} 束):** {beam}"
    if "truth" in m:
        truth = model_text(m["truth"])
        en += f"\n\n**Exact description:** {truth} (BLEU-4 of the greedy caption against it: {m['bleu4_vs_truth']:.2f})"
        zh += f"\n\n**精确描述:** {truth}(贪心描述相对它的 BLEU-4:{m['bleu4_vs_truth']:.2f})"
    return say(en, zh)


def answer_note(m: dict) -> str:
    en = f"Answer: **{m['answer']}** (p = {m['probability']:.3f})"
    zh = f"答案:**{m['answer']}**(p = {m['probability']:.3f})"
    if m.get("truth") is not None:
        mark = "✅" if m["truth"] == m["answer"] else "❌"
        en += f"\n\n{mark} Exact answer: **{m['truth']}**"
        zh += f"\n\n{mark} 精确答案:**{m['truth']}**"
    if m.get("held_out_accuracy") is not None:
        kind, acc, blind = m["question_type"], m["held_out_accuracy"], m["blind_accuracy"]
        kind_zh = {"counting": "计数", "colour": "颜色", "position": "位置", "existence": "存在性"}[kind]
        if acc > blind + 0.05:
            en += f"\n\nOn held-out scenes this model answers {kind} questions right **{acc:.0%}** of the time; a blind guess from the question alone: {blind:.0%}."
            zh += f"\n\n在留出场景上,此模型回答{kind_zh}问题的正确率为 **{acc:.0%}**;只看问题的盲猜:{blind:.0%}。"
        else:
            en += (f"\n\n⚠️ On held-out scenes this model answers {kind} questions right only **{acc:.0%}** of the time, "
                   f"no better than a blind guess from the question alone ({blind:.0%}): on {kind}, this answer is a guess.")
            zh += (f"\n\n⚠️ 在留出场景上,此模型回答{kind_zh}问题的正确率只有 **{acc:.0%}**,不比只看问题的盲猜({blind:.0%})好:"
                   f"对{kind_zh}问题,这个答案只是猜测。")
    if m.get("note"):
        en += f"\n\n⚠️ {m['note']}"
        zh += "\n\n⚠️ 问题里有模型词表之外的词,它们被当作未知词;答案不可信。"
    return say(en, zh)


@guard
def run_caption(image=EXAMPLES[0][0], model="bundled", beams=cv.BEAMS):
    """Caption an image with the project's small ViT + GPT-2 captioner (trained on shape scenes) or BLIP base from the
    hub.

    Args:
        image: the image, a PNG, JPEG or WebP file (new_scene makes a scene the bundled model knows).
        model: "bundled" (ViT + GPT-2 tiny, offline) or "hub" (BLIP base, when the hub is reachable).
        beams: beams for beam search, an integer from 1 (greedy) to 8.

    Returns:
        the caption in a sentence (English and Chinese); metrics: caption, model, source.
    """
    beams = number(beams, "Beams", low=1, high=8, integer=True)
    m = cv.caption(image, model, beams)
    return caption_note(m), m


@guard
def run_vqa(image=VQA_EXAMPLES[0][0], question=VQA_EXAMPLES[0][1], model="bundled"):
    """Answer a question about an image (visual question answering) with the same small decoder conditioned on the
    question, or BLIP base from the hub.

    Args:
        image: the image, a PNG, JPEG or WebP file.
        question: a question in English, e.g. "what colour is the square?" or "how many circles are there?".
        model: "bundled" (ViT + GPT-2 tiny, offline) or "hub" (BLIP base VQA, when the hub is reachable).

    Returns:
        the answer in a sentence (English and Chinese); metrics: answer, model, source.
    """
    m = cv.vqa(image, question, model)
    return answer_note(m), m


@guard
def new_scene(seed=0):
    """Generate a new shape scene for captioning and VQA (the training generator, a new seed).

    Args:
        seed: a non-negative integer; the same seed gives the same scene.

    Returns:
        the scene (PNG image).
    """
    seed = number(seed, "Seed", low=0, high=2**31 - 1, integer=True)
    folder = Path(tempfile.gettempdir()) / "showcase-caption"
    folder.mkdir(exist_ok=True)
    return str(scene_text.save_png(cv.scene(seed), folder / f"scene_seed{seed}.png"))


def build() -> None:
    ensure_assets()
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            image = ImageInput(value=EXAMPLES[0][0], height=260)
            model = gr.Radio(MODEL_CHOICES, value="bundled", label=t("model"))
            with gr.Row():
                seed = gr.Number(value=1, precision=0, label=t("seed"), minimum=0)
                generate = gr.Button(t("generate"))
        with gr.Column(scale=2):
            with gr.Tabs():
                with gr.Tab(t("caption_tab")):
                    beams = gr.Slider(1, 8, value=cv.BEAMS, step=1, label=t("beams"))
                    c_button = gr.Button(t("caption_button"), variant="primary")
                    c_note = result_note()
                    c_metrics = metrics_json()
                    c_inputs, c_outputs = [image, model, beams], [c_note, c_metrics]
                    examples(EXAMPLES, c_inputs, c_outputs, run_caption, note=t("caption_guide"))
                with gr.Tab(t("vqa_tab")):
                    question = gr.Textbox(value=VQA_EXAMPLES[0][1], label=t("question"), max_lines=2)
                    q_button = gr.Button(t("ask"), variant="primary")
                    q_note = result_note()
                    q_metrics = metrics_json()
                    q_inputs, q_outputs = [image, question, model], [q_note, q_metrics]
                    examples(VQA_EXAMPLES, q_inputs, q_outputs, run_vqa, note=t("vqa_guide"), elem_id="model-text-vqa")
    c_button.click(run_caption, c_inputs, c_outputs, api_name="caption")
    q_button.click(run_vqa, q_inputs, q_outputs, api_name="vqa")
    generate.click(new_scene, [seed], [image], api_name="caption_generate").then(
        run_caption, c_inputs, c_outputs, api_visibility="private")
    code_accordion(cv.sequence, cv.generate_captions, cv.answer_questions, cv.caption, cv.vqa)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
