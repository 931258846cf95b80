"""Tab: fine-tuning a BERT on tweets. Run alone: ``python -m pages.language.bert_classifier``."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from pages.guard import guard, json_safe
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import md_table, say, strings
from pages.gradio_fixes import not_a_tool
from showcase.core.errors import InputError
from showcase.language import bert_classifier as bert

t = strings("bert_classifier", {
    "title": ("## Fine-tuning BERT: tweet sentiment with the Trainer", "## BERT 微调:用 Trainer 做推文情感分类"),
    "body": (
        "`BertForSequenceClassification` puts one linear layer on BERT's [CLS] vector. Here the BERT is "
        "all-MiniLM-L6-v2 (6 layers, 384 wide, shipped in a pip package, so it works offline), fine-tuned with "
        "the `transformers` `Trainer` on 38,158 labelled tweets (negative / neutral / positive). Only a LoRA "
        "adapter (`peft`) and the head are trained and bundled, about 2 MB instead of a second 90 MB copy. "
        "Type a sentence to see the label and its probabilities, and which word pieces pushed it there "
        "(Integrated Gradients, `captum`: red for, blue against). The second tab fine-tunes live and "
        "compares with TF-IDF + logistic regression trained on the same tweets.",
        "`BertForSequenceClassification` 在 BERT 的 [CLS] 向量上加一个线性层。这里的 BERT 是 all-MiniLM-L6-v2"
        "(6 层、宽 384,随 pip 包发布,离线可用),用 `transformers` 的 `Trainer` 在 38,158 条带标签的推文"
        "(负面 / 中性 / 正面)上微调。只训练并打包 LoRA 适配器(`peft`)和分类头,约 2 MB,而不是再存一份 90 MB 的模型。"
        "输入一句话,查看标签及其概率,以及哪些词片推动了这个结果(积分梯度,`captum`:红色为支持,蓝色为反对)。"
        "第二个标签页现场微调,并与在同样推文上训练的 TF-IDF + 逻辑回归对比。",
    ),
    "reference": (
        "**Compare:** BERT-base reaches 92–93.5% accuracy on SST-2 (Devlin et al. 2019: 92.7%). That is a "
        "different data set: two-class film reviews; these are three-class tweets, where the annotators "
        "themselves disagree on about half. The bundled model's test accuracy and macro-F1 are in its card, "
        "beside the TF-IDF baseline on the same split.",
        "**对照:** BERT-base 在 SST-2 上准确率 92–93.5%(Devlin 等 2019:92.7%)。那是不同的数据集:二分类影评;"
        "这里是三分类推文,标注者自己约有一半意见不一。打包模型的测试准确率和宏 F1 写在模型卡中,旁边是同一划分上的 TF-IDF 基线。",
    ),
    "classify_tab": ("Classify a sentence", "句子分类"),
    "finetune_tab": ("Fine-tune live", "现场微调"),
    "hard_cases": (
        "In order: a clearly positive tweet and a clearly negative one (working cases); a neutral claim; then two "
        "hard cases: sarcasm reads as praise word by word, and most Chinese characters and every emoji are [UNK] "
        "to this English vocabulary.",
        "示例依次为:一条明显正面和一条明显负面的推文(正常情况);一句中性的陈述;然后是两个难例:反讽逐词看像称赞;"
        "而大多数汉字和所有表情符号对这个英文词表来说都是 [UNK]。",
    ),
    "text": ("Sentence", "句子"),
    "classify": ("Classify", "分类"),
    "probabilities": ("Label and probabilities", "标签与概率"),
    "attributions": ("Which word pieces drove it (Integrated Gradients)", "哪些词片起了作用(积分梯度)"),
    "steps": ("Training steps", "训练步数"),
    "batch": ("Batch size", "批大小"),
    "lr": ("Learning rate", "学习率"),
    "base": ("Base model (bert-base-uncased needs the hub)", "基础模型(bert-base-uncased 需要联网)"),
    "train": ("Fine-tune", "开始微调"),
    "loss": ("Training loss", "训练损失"),
    "accuracy": ("Validation accuracy: fine-tuned vs TF-IDF baseline", "验证准确率:微调模型 vs TF-IDF 基线"),
    "finetune_note": (
        "The default (100 steps of 4 tweets, LoRA on the top two layers) is sized for about a minute on two free "
        "cores. A few hundred tweets are too few to beat TF-IDF; the bundled model, trained the same way on the whole "
        "training split, is scored against TF-IDF under every classification.",
        "默认设置(100 步、每步 4 条推文、只在最上面两层加 LoRA)按两核空闲 CPU 约一分钟设计。几百条推文还不足以超过 TF-IDF;"
        "打包模型用同样的方法在整个训练集上训练,每次分类的结果下方都有它与 TF-IDF 的对比。",
    ),
})

EXAMPLES = [
    ["Thanks @united, the crew was lovely and we landed early!"],
    ["@JetBlue my flight is delayed again and nobody answers the phone"],
    ["Self-driving cars will be on sale in 2020."],
    ["Great, another three hours on the tarmac. Love it."],
    ["这家航空公司的服务很好 🙂"],
]

FINETUNE_DEFAULTS = [100, 4, 2e-3, "minilm"]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"classify_text": EXAMPLES[0], "explain_text": EXAMPLES[0], "finetune_bert": [20, 4, 2e-3, "minilm"]}


LABELS_ZH = {"negative": "负面", "neutral": "中性", "positive": "正面"}


def card_test() -> dict | None:
    """The bundled model's held-out test scores and the TF-IDF baselines beside them, from its card."""
    return bert.card_test()


def verdict(m: dict) -> str:
    p = m["probabilities"][m["label"]]
    cut_en = " ⚠️ The text was cut to the model's 128 tokens." if m.get("truncated") else ""
    cut_zh = " ⚠️ 文本被截断到模型的 128 个 token。" if m.get("truncated") else ""
    en = f"**{m['label']}**, p = **{p:.2f}** ({m['model']}, {m['source']}, {m['model_ms']:.0f} ms).{cut_en}"
    zh = f"**{LABELS_ZH.get(m['label'], m['label'])}**,p = **{p:.2f}**({m['model']},{m['source']},{m['model_ms']:.0f} 毫秒)。{cut_zh}"
    test = card_test() if m["source"] == "bundled" else None
    if test:
        ours, split = test["train_tweets"], test["training_split"]
        scored = [(f"MiniLM + LoRA ({ours:,})", test), (f"TF-IDF + LR ({ours:,})", test["baseline_same_tweets"])]
        if ours < split:   # trained on part of the split: TF-IDF on all of it too
            scored.append((f"TF-IDF + LR ({split:,})", test["baseline_all_training"]))
        rows = [(name, f"{s['accuracy']:.2f}", f"{s['macro_f1']:.2f}") for name, s in scored]
        en += (f"\n\nOn {test['n']:,} held-out test tweets:\n\n"
               + md_table(rows, ["Model (training tweets)", "Accuracy", "Macro-F1"])
               + "\n\nBERT-base reaches 92–93.5% on SST-2: a different data set (two-class film reviews).")
        zh += (f"\n\n在 {test['n']:,} 条留出测试推文上:\n\n"
               + md_table(rows, ["模型(训练推文数)", "准确率", "宏 F1"])
               + "\n\nBERT-base 在 SST-2 上达到 92–93.5%:那是不同的数据集(二分类影评)。")
    return say(en, zh)


@guard
def classify(text=EXAMPLES[0][0]):
    """Classify the sentiment of an English tweet-like sentence as negative, neutral or positive with the project's
    fine-tuned MiniLM (a small BERT).

    Args:
        text: the sentence, in English (at most 20000 characters; the model reads its first 128 word pieces).

    Returns:
        the label with the three probabilities (label); the result in a sentence (English and Chinese);
        metrics: label, probabilities (per label, summing to 1), model, source.
    """
    result = bert.classify_text(text)
    return result.probabilities, verdict(result.metrics), result.metrics


@guard
def explain(text=EXAMPLES[0][0]):
    """Attribute the classifier's prediction to the sentence's word pieces with Integrated Gradients.

    Args:
        text: the sentence, in English (at most 20000 characters).

    Returns:
        each word piece with its attribution, positive for the predicted label (highlighted text);
        metrics: the label explained, the attributions and the completeness gap of Integrated Gradients.
    """
    result = bert.attribute_text(text)
    return result.tokens, result.metrics


def finetune_summary(m: dict) -> str:
    ours, theirs = m["eval_accuracy"], m["baseline_accuracy"]
    en = (f"After **{m['steps']}** steps on {m['train_tweets']:,} tweets ({m['train_seconds']:.0f} s): validation "
          f"accuracy **{ours:.1%}** (macro-F1 {m['eval_f1']:.2f}) against TF-IDF + logistic regression on the same "
          f"tweets **{theirs:.1%}**.")
    zh = (f"在 {m['train_tweets']:,} 条推文上训练 **{m['steps']}** 步({m['train_seconds']:.0f} 秒)后:验证准确率 "
          f"**{ours:.1%}**(宏 F1 {m['eval_f1']:.2f}),同样推文上的 TF-IDF + 逻辑回归为 **{theirs:.1%}**。")
    test = card_test()
    if test:
        bundled, tfidf = test["accuracy"], test["baseline_same_tweets"]["accuracy"]
        en += (f" The bundled model, trained on {test['train_tweets']:,} tweets: {bundled:.1%} on the test split, "
               f"TF-IDF on the same tweets {tfidf:.1%}.")
        zh += f"打包模型用 {test['train_tweets']:,} 条推文训练:测试集 {bundled:.1%},同样推文上的 TF-IDF {tfidf:.1%}。"
    return say(en, zh)


@not_a_tool
def finetune(steps=100, batch=4, lr=2e-3, base="minilm", progress=gr.Progress()):
    """Fine-tune the sentiment classifier live (a LoRA adapter on MiniLM, or bert-base-uncased from the hub) and
    compare it with a TF-IDF baseline.

    Training: not an MCP tool.

    Args:
        steps: training steps, an integer from 10 to 600 in steps of 10.
        batch: sentences per step, an integer from 1 to 32.
        lr: the learning rate, from 1e-6 to 0.1.
        base: "minilm" (offline) or "bert-base-uncased" (needs the hub).

    Returns:
        the training loss (line plot); validation accuracy, fine-tuned against the TF-IDF baseline (bar plot);
        the result in a sentence (English and Chinese); metrics: steps, eval_accuracy, eval_f1, baseline_accuracy.
    """
    progress(0, desc="loading")
    try:
        result = bert.finetune_bert(steps, batch, lr, base,
                                    on_step=lambda step, total: progress((step, total), desc="training"))
    except InputError as exc:
        raise gr.Error(str(exc)) from exc  # Gradio titles it "Error" in the page's language, as guard does
    m = result.metrics
    accuracy = pd.DataFrame({"model": ["fine-tuned", "TF-IDF + LR"],
                             "accuracy": [m["eval_accuracy"], m["baseline_accuracy"]]})
    return pd.DataFrame(result.curve), accuracy, finetune_summary(m), json_safe(m)


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Tab(t("classify_tab")):
        with gr.Row():
            with gr.Column(scale=1):
                text = gr.Textbox(value=EXAMPLES[0][0], lines=3, max_length=bert.MAX_CHARS, label=t("text"))
                button = gr.Button(t("classify"), variant="primary")
                tokens = gr.HighlightedText(label=t("attributions"), combine_adjacent=False, show_legend=False)
                explain_metrics = metrics_json()
            with gr.Column(scale=1):
                label = gr.Label(label=t("probabilities"), num_top_classes=3)
                note = result_note()
                metrics = metrics_json()
        outputs = [label, note, metrics]
        # the tweets are the model's input, in the only language it reads: data, not prose
        shown = examples(EXAMPLES, [text], outputs, classify, t("hard_cases"), elem_id="model-text-bert")
        shown.dataset.layout = "table"  # one input would make it cards; a table like every other tab's
        # attributions take ~20 forward-backward passes: a second event, so the label shows at once
        button.click(classify, [text], outputs, api_name="classify_text").then(
            explain, [text], [tokens, explain_metrics], api_name="explain_text")
    with gr.Tab(t("finetune_tab")):
        gr.Markdown(t("finetune_note"))
        with gr.Row():
            steps = gr.Slider(10, 600, value=FINETUNE_DEFAULTS[0], step=10, label=t("steps"))
            batch = gr.Slider(1, 32, value=FINETUNE_DEFAULTS[1], step=1, label=t("batch"))
            lr = gr.Number(value=FINETUNE_DEFAULTS[2], minimum=1e-6, maximum=0.1, label=t("lr"))
            base = gr.Radio(list(bert.BASES), value=FINETUNE_DEFAULTS[3], label=t("base"))
        train_button = gr.Button(t("train"), variant="primary")
        with gr.Row():
            loss = gr.LinePlot(x="step", y="loss", label=t("loss"), height=240)
            accuracy = gr.BarPlot(x="model", y="accuracy", label=t("accuracy"), y_lim=[0, 1], height=240)
        train_note = result_note()
        train_metrics = metrics_json()
        train_button.click(finetune, [steps, batch, lr, base], [loss, accuracy, train_note, train_metrics],
                           api_name="finetune_bert",
                           concurrency_id="cpu_training", concurrency_limit=1)
    code_accordion(bert.classify_text, bert.attribute_text, bert.finetune_bert)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
