"""Tab: FGSM adversarial examples on digits and photos. Run alone: ``python -m pages.trust.fgsm``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.inputs import ImageInput
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.scratch import lossless_webp
from pages.translation import say, strings, tc
from showcase.trust import fgsm

t = strings("fgsm", {
    "title": ("## FGSM: one gradient step that fools a network", "## FGSM:一步梯度就能骗过神经网络"),
    "body": (
        "The fast gradient sign method moves every pixel by ε in the direction that raises the model's loss: "
        "x' = clip(x + ε·sign(∇ₓ loss), 0, 1). ε is a fraction of the pixel range, so ε = 8/255 changes no 8-bit value by "
        "more than 8. The middle image is that perturbation, stretched from ±ε to black/white so you can see it. "
        "Targeted FGSM steps towards a class you name (or the least likely one); PGD takes 10 smaller steps inside the same "
        "ε-box and is much stronger. The digits CNNs are ours: one trained normally, one trained on half FGSM examples "
        "(Goodfellow et al.'s adversarial training); the curves are their accuracy on 1,000 held-out digits.",
        "快速梯度符号法(FGSM)把每个像素沿着使损失上升最快的方向移动 ε:x' = clip(x + ε·sign(∇ₓ loss), 0, 1)。"
        "ε 是像素范围的比例,ε = 8/255 意味着每个 8 位像素值最多改变 8。中间的图就是这个扰动,从 ±ε 拉伸到黑白以便看清。"
        "定向 FGSM 朝你指定的类别(或最不可能的类别)移动;PGD 在同样的 ε 范围内走 10 小步,攻击强得多。"
        "数字 CNN 是本项目自己训练的:一个正常训练,一个用一半 FGSM 样本训练(Goodfellow 等人的对抗训练);"
        "曲线是它们在 1,000 个留出数字上的准确率。",
    ),
    "reference": (
        "**Compare:** Goodfellow et al. (2015), MNIST at ε = 0.25: 89.4% error on the standard model, 17.9% after "
        "adversarial training (ticks on the plot). The PyTorch FGSM tutorial's LeNet: 98.1 → 94.3 → 85.1 → 68.3 → 43.0 → "
        "20.8 → 8.7% accuracy at ε = 0, 0.05 … 0.3.",
        "**对照:** Goodfellow 等(2015),MNIST,ε = 0.25:标准模型错误率 89.4%,对抗训练后 17.9%(图中短横线)。"
        "PyTorch FGSM 教程的 LeNet:ε = 0、0.05 … 0.3 时准确率 98.1 → 94.3 → 85.1 → 68.3 → 43.0 → 20.8 → 8.7%。",
    ),
    "model": ("Model", "模型"),
    "m.info": ("standard / adversarial: our digits CNNs, trained normally or with FGSM examples; efficientnet_lite0: "
               "ImageNet photos", "standard / adversarial:本项目的数字 CNN,正常训练或加入 FGSM 样本训练;efficientnet_lite0:ImageNet 照片"),
    "attack": ("Attack", "攻击方法"),
    "a.info": ("targeted_fgsm: one step towards a chosen class; pgd: 10 projected steps", "targeted_fgsm:朝指定类别走一步;pgd:10 步投影梯度"),
    "eps255": ("ε in 1/255 steps", "ε(以 1/255 为步长)"),
    "eps": ("ε as a fraction of the pixel range (0–1)", "ε(像素范围的比例,0–1)"),
    "target": ("Target class for targeted FGSM (number or ImageNet name; empty: least likely)",
               "定向 FGSM 的目标类别(数字或 ImageNet 类名;留空:最不可能的类别)"),
    "clean": ("Clean input (what the model sees)", "原始输入(模型看到的)"),
    "perturbation": ("Perturbation δ, stretched from ±ε", "扰动 δ(从 ±ε 拉伸)"),
    "adversarial": ("Adversarial image x + δ", "对抗样本 x + δ"),
    "before": ("Top-5 before", "攻击前 Top-5"),
    "after": ("Top-5 after", "攻击后 Top-5"),
    "curves": ("Accuracy (%) on held-out digits against ε (CNN: standard; CNN-adv and adv: adversarially trained; "
               "LeNet: the PyTorch tutorial's)",
               "留出数字上的准确率(%)随 ε 变化(CNN:标准训练;CNN-adv 与 adv:对抗训练;LeNet:PyTorch 教程中的模型)"),
    "hard": ("Hard cases: the adversarially trained CNN resists FGSM at ε = 0.1; one targeted step rarely reaches "
             "a far class (PGD does better); ε = 0 changes nothing; the astronaut is wrong before any attack "
             "(ImageNet has no astronaut: the model says barbell, p 0.15), so a changed label there proves nothing.",
             "困难情形:对抗训练的 CNN 在 ε = 0.1 时能抵御 FGSM;一步定向攻击很难到达相距很远的类别(PGD 更好);ε = 0 什么也不改变;"
             "宇航员照片在攻击之前就被认错了(ImageNet 没有宇航员这一类:模型说是 barbell,p 0.15),所以那里标签变了什么也说明不了。"),
    "n.fooled": ("Fooled: the answer changed.", "攻击成功:答案变了。"),
    "n.held": ("Not fooled: the answer stayed.", "攻击未成功:答案没变。"),
    "n.held_out": ("On 1,000 held-out digits under FGSM at this ε, accuracy of the standard / adversarially trained CNN:",
                   "在此 ε 下用 FGSM 攻击 1,000 个留出数字,标准 / 对抗训练 CNN 的准确率:"),
    "n.photo": ("EfficientNet-Lite0 sees the photo resized to 224×224; the largest change to any pixel value (0–255):",
                "EfficientNet-Lite0 看到的是缩放到 224×224 的照片;任一像素值(0–255)的最大改变:"),
})

DIGIT = str(fgsm.ASSETS / "digit_{}.png")   # held-out digits 8 and 32 of showcase.trust.digits.split()
PHOTO = str(fgsm.ASSETS / "{}.jpg")
# image, model, ε (fraction), attack, target; the first shows the attack working
EXAMPLES = [
    [DIGIT.format(7), "standard", 0.2, "fgsm", ""],
    [PHOTO.format("chelsea"), "efficientnet_lite0", round(2 / 255, 6), "fgsm", ""],
    [PHOTO.format("coffee"), "efficientnet_lite0", round(1 / 255, 6), "fgsm", ""],
    [PHOTO.format("coffee"), "efficientnet_lite0", round(2 / 255, 6), "pgd", ""],
    [DIGIT.format(5), "standard", 0.1, "pgd", ""],
]
# A photo example starts from a right, confident label (tests/unit/trust/test_fgsm.py measures it);
# a photo the model gets wrong before any attack is only a hard case, captioned so.
HARD = [
    [DIGIT.format(7), "adversarial", 0.1, "fgsm", ""],
    [PHOTO.format("chelsea"), "efficientnet_lite0", round(2 / 255, 6), "targeted_fgsm", "goldfish"],
    [DIGIT.format(5), "standard", 0.0, "fgsm", ""],
    [PHOTO.format("astronaut"), "efficientnet_lite0", round(2 / 255, 6), "fgsm", ""],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"fgsm_attack": EXAMPLES[0]}


def note(m: dict) -> tuple[str, str]:
    verdict = (str(t("n.fooled")) if m["label_changed"] else str(t("n.held"))) + (
        f" **{m['clean_label']}** ({m['clean_conf']:.1%}) → **{m['adv_label']}** ({m['adv_conf']:.1%}), "
        f"ε = {m['epsilon']:.4f} = {m['epsilon_255']:g}/255")
    if "held_out_accuracy_standard" in m:
        context = (str(t("n.held_out")) + f" **{m['held_out_accuracy_standard']:.1%} / {m['held_out_accuracy_adversarial']:.1%}**"
                   f" (ε = {m['held_out_eps']:g})")
    else:
        context = str(t("n.photo")) + f" **{m['linf'] * 255:.1f}**"
    return verdict, context


ATTACK_NAMES = {"fgsm": "FGSM", "targeted_fgsm": "Targeted FGSM", "pgd": "PGD"}
GOODFELLOW_ERROR = (89.4, 17.9)   # % error on MNIST at ε = 0.25: standard, adversarially trained (Goodfellow et al. 2015)


def summary(m: dict) -> str:
    """The result in a sentence, with the paper's number beside ours."""
    eps = f"ε = {m['epsilon']:g}" if "held_out_eps" in m else f"ε = {m['epsilon_255']:g}/255"
    attack = ATTACK_NAMES.get(m["attack"], m["attack"])
    a, b = f"**{m['clean_label']}** ({m['clean_conf']:.0%})", f"**{m['adv_label']}** ({m['adv_conf']:.0%})"
    if m["label_changed"]:
        en, zh = f"{attack} at {eps} turns {a} into {b}.", f"{attack} 在 {eps} 时把 {a} 变成了 {b}。"
    else:
        en, zh = f"{attack} at {eps} leaves {a} as {b}.", f"{attack} 在 {eps} 时没能改变 {a},仍是 {b}。"
    if "held_out_eps" in m:
        card = fgsm.model_card()["models"]
        std, adv = (100 * card[k]["fgsm_error_at_0.25"] for k in ("standard", "adversarial"))
        paper_std, paper_adv = GOODFELLOW_ERROR
        en += (f" Goodfellow et al.: at ε = 0.25 the standard MNIST model errs on {paper_std}%, {paper_adv}% after "
               f"adversarial training; ours (card): **{std:.1f}% → {adv:.1f}%**.")
        zh += (f"Goodfellow 等:ε = 0.25 时标准 MNIST 模型错误率 {paper_std}%,对抗训练后 {paper_adv}%;"
               f"本项目(模型卡):**{std:.1f}% → {adv:.1f}%**。")
    else:
        en += " Goodfellow et al.: ε = 0.007 turned GoogLeNet's panda (57.7%) into a gibbon (99.3%)."
        zh += "Goodfellow 等:ε = 0.007 就把 GoogLeNet 眼中的熊猫(57.7%)变成了长臂猿(99.3%)。"
    return say(en, zh)


@guard
def run(image=EXAMPLES[0][0], model="standard", epsilon=0.2, attack="fgsm", target=""):
    """Attack an image classifier with FGSM, targeted FGSM or PGD, and show the clean image, the perturbation and the
    adversarial image.

    Args:
        image: the image, a PNG, JPEG or WebP file (an MNIST-like digit for the MNIST models).
        model: "standard" (MNIST CNN), "adversarial" (the same CNN adversarially trained) or "efficientnet_lite0" (ImageNet).
        epsilon: the attack's budget per pixel as a fraction of the pixel range, from 0 to 1 (0.1-0.3 for MNIST).
        attack: "fgsm", "targeted_fgsm" or "pgd" (iterated FGSM).
        target: for targeted_fgsm, a class number or ImageNet class name; empty: the least likely class.

    Returns:
        the clean input, the perturbation (stretched from +-epsilon) and the adversarial image (three images);
        the top-5 classes before and after (labels); accuracy against epsilon on held-out digits (line plot);
        the result in a sentence (English and Chinese);
        metrics: epsilon, clean_label, adv_label, clean_conf, adv_conf, model, source.
    """
    r = fgsm.fgsm_attack(image, model, epsilon, attack, target)
    verdict, context = note(r.metrics)
    return (lossless_webp(r.clean), lossless_webp(r.perturbation), lossless_webp(r.adversarial), r.before, r.after,
            r.curves, verdict, context, summary(r.metrics), r.metrics)


def run_example(image, model, epsilon, attack, target):
    return (round(float(epsilon) * 255), *run(image, model, epsilon, attack, target))


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            image = ImageInput(value=EXAMPLES[0][0], height=220)
            # choices stay plain values: an examples table cannot translate a choice's label
            model = gr.Radio(list(fgsm.MODELS), value="standard", label=t("model"), info=t("m.info"))
            eps255 = gr.Slider(0, 255, value=51, step=1, label=t("eps255"))
            epsilon = gr.Number(value=0.2, minimum=0, maximum=1, step=1 / 255, label=t("eps"))
            attack = gr.Radio(list(fgsm.ATTACKS), value="fgsm", label=t("attack"), info=t("a.info"))
            target = gr.Textbox(value="", label=t("target"), max_lines=1)
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            with gr.Row():
                clean = gr.Image(label=t("clean"), format="webp", height=224)
                perturbation = gr.Image(label=t("perturbation"), format="webp", height=224)
                adversarial = gr.Image(label=t("adversarial"), format="webp", height=224)
            verdict = gr.Markdown()
            with gr.Row():
                before = gr.Label(num_top_classes=5, label=t("before"))
                after = gr.Label(num_top_classes=5, label=t("after"))
            context = gr.Markdown()
            curves = gr.LinePlot(x="epsilon", y="accuracy", color="series", label=t("curves"), height=300,
                                 x_title="ε", y_title="accuracy %", y_lim=[0, 100])
            result = result_note()
            metrics = metrics_json()
    inputs = [image, model, epsilon, attack, target]
    outputs = [clean, perturbation, adversarial, before, after, curves, verdict, context, result, metrics]
    examples(EXAMPLES, inputs, [eps255, *outputs], run_example)
    examples(HARD, inputs, [eps255, *outputs], run_example, label=t("hard"))
    # the two ε fields say the same number in two units; only a person's edit moves the other one
    eps255.input(lambda v: round(float(v) / 255, 6), eps255, epsilon, api_visibility="private")
    epsilon.input(lambda v: round(float(v or 0) * 255), epsilon, eps255, api_visibility="private")
    button.click(run, inputs, outputs, api_name="fgsm_attack")
    code_accordion(fgsm.fgsm, fgsm.pgd, fgsm.fgsm_attack)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
