"""The home page: the roadmap's stages 51–100, every topic a link to its tab or marked as coming."""

from __future__ import annotations

import gradio as gr

from pages.translation import strings
from showcase.core.topics import AREAS, STAGES, all_topics

t = strings("home", {
    "title": ("# Roadmap Showcase: Python stages 51–100, live", "# 路线图演示:Python 进阶 51–100 阶段,在线可玩"),
    "intro": (
        "Every topic of the machine-learning and AI roadmap as a demo you can click: real libraries, "
        "real numbers, models this project trains itself, all working offline on a laptop CPU. "
        "Each tab explains the idea, runs an example, shows plots and metrics, and shows the code. "
        "Language: your browser's, `?lang=zh` or `?lang=en` in the link, or **Settings → Language** at the bottom of the page.",
        "机器学习与 AI 路线图的每个主题都是一个可以点击的演示:真实的库、真实的数字、本项目自己训练的模型,"
        "在笔记本 CPU 上离线运行。每个标签页讲解原理、运行示例、展示图表与指标,并给出代码。"
        "语言跟随浏览器,也可在链接中加 `?lang=zh` 或 `?lang=en`,或在页面底部 **设置 → 语言** 切换。",
    ),
    "coming": ("coming", "即将推出"),
    "stages": ("Stages", "阶段"),
    "career": (
        "## Career advice from the roadmap\n"
        "1. **Contribute to open source**: fix docs or code in scikit-learn or PyTorch.\n"
        "2. **Build a portfolio**: deploy your projects to Hugging Face Spaces with Gradio (this app is one: see the README).\n"
        "3. **Certificates**: the AWS Machine Learning certification or DeepLearning.AI's TensorFlow Developer certificate.\n\n"
        "Keep reading arXiv: Transformers and diffusion models move fast.",
        "## 路线图的职业建议\n"
        "1. **参与开源**:为 scikit-learn 或 PyTorch 改进文档或代码。\n"
        "2. **构建作品集**:用 Gradio 把项目部署到 Hugging Face Spaces(本应用就是一个例子,见 README)。\n"
        "3. **考取认证**:AWS 机器学习认证或 DeepLearning.AI 的 TensorFlow 开发者证书。\n\n"
        "持续关注 arXiv:Transformer 与扩散模型发展很快。",
    ),
})

stage_t = strings("stage", {f"{s.first}": (f"## {s.first}–{s.last} · {s.en}", f"## {s.first}–{s.last} · {s.zh}") for s in STAGES})
topic_t = strings("topic", {f"{x.area}.{x.name}": (x.en, x.zh) for x in all_topics()})
area_t = strings("area", {area: names for area, names in AREAS.items()})
coming_t = strings("coming", {f"{x.area}.{x.name}": (f"{x.en} · coming", f"{x.zh} · 即将推出") for x in all_topics()})


def build(built: set[str]) -> None:
    """Lay out the roadmap; a built topic's button links to its tab on its area's page (``built``
    holds "area.name"): a plain link, so the browser's back button returns here."""
    from pages.site import link_to

    gr.Markdown(t("intro"))
    for stage in STAGES:
        gr.Markdown(stage_t(f"{stage.first}"))
        with gr.Row():
            for topic in stage.topics:
                key = f"{topic.area}.{topic.name}"
                if key not in built:
                    gr.Button(coming_t(key), interactive=False, size="sm", variant="secondary")
                    continue
                gr.Button(topic_t(key), link=link_to(key), size="sm", variant="primary")
    gr.Markdown(t("career"))
