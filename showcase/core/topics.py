"""The roadmap: stages 51–100, their areas and topics, in the order of the article.

This is data, not UI: the home tab lists it, ``app.py`` builds a tab for every topic whose page
module exists (``pages/<area>/<topic>.py``), and the rest show as "coming".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    area: str
    name: str
    api: str          # the main event's api_name (TOPICS.md is the contract)
    en: str
    zh: str

    @property
    def module(self) -> str:
        return f"{self.area}.{self.name}"


@dataclass(frozen=True)
class Stage:
    first: int
    last: int
    en: str
    zh: str
    topics: tuple[Topic, ...]


AREAS: dict[str, tuple[str, str]] = {
    "math": ("Maths", "数学"),
    "classic": ("Classical ML", "经典机器学习"),
    "frameworks": ("Frameworks", "深度学习框架"),
    "vision": ("Vision", "计算机视觉"),
    "language": ("Language", "自然语言"),
    "speech": ("Speech", "语音"),
    "optimize": ("Compression", "模型压缩"),
    "trust": ("Trust", "可信 AI"),
    "deploy": ("Deploy", "部署"),
}

STAGES: tuple[Stage, ...] = (
    Stage(51, 60, "Machine-learning foundations and maths", "机器学习基础与数学强化", (
        Topic("math", "svd", "svd_compress", "SVD image compression", "SVD 图像压缩"),
        Topic("math", "pca", "pca_project", "PCA: eigen-decomposition vs SVD", "PCA:特征值分解与 SVD"),
        Topic("math", "distributions", "fit_distribution", "Fitting Gaussian and Poisson", "高斯与泊松分布拟合"),
        Topic("math", "gradient_descent", "gradient_descent", "Gradient descent vs SGD", "梯度下降与随机梯度下降"),
        Topic("classic", "decision_boundaries", "decision_boundaries", "Decision boundaries on iris", "鸢尾花决策边界"),
        Topic("classic", "regularization", "regularization", "L1 / L2 regularisation", "L1/L2 正则化"),
        Topic("classic", "ensembles", "ensembles", "Random Forest vs XGBoost", "随机森林与 XGBoost"),
    )),
    Stage(61, 75, "Deep-learning frameworks and computer vision", "深度学习框架与计算机视觉", (
        Topic("frameworks", "graph_mode", "graph_mode", "Eager vs graph mode", "动态图与静态图"),
        Topic("frameworks", "onnx_export", "onnx_export", "Export to ONNX", "导出 ONNX"),
        Topic("frameworks", "ddp", "ddp_train", "Distributed data parallel", "分布式数据并行"),
        Topic("vision", "detection", "detect", "Object detection (YOLO)", "目标检测(YOLO)"),
        Topic("vision", "segmentation", "segment", "U-Net segmentation", "U-Net 图像分割"),
        Topic("vision", "dcgan", "dcgan_sample", "DCGAN digits", "DCGAN 手写数字"),
        Topic("vision", "diffusion", "diffusion_sample", "Diffusion (DDPM / DDIM)", "扩散模型(DDPM/DDIM)"),
    )),
    Stage(76, 85, "NLP, speech and multimodal AI", "自然语言处理、语音与多模态", (
        Topic("language", "bert_classifier", "classify_text", "Fine-tuning BERT", "BERT 微调"),
        Topic("language", "chat", "chat", "GPT chat", "GPT 对话"),
        Topic("language", "clip", "clip_match", "CLIP image–text matching", "CLIP 图文匹配"),
        Topic("language", "caption_vqa", "caption", "Captioning and VQA", "图像描述与视觉问答"),
        Topic("speech", "features", "audio_features", "MFCC and spectrograms", "MFCC 与频谱"),
        Topic("speech", "asr", "transcribe", "Speech recognition (CTC)", "语音识别(CTC)"),
        Topic("speech", "tts", "synthesize", "Speech synthesis and MOS", "语音合成与 MOS"),
    )),
    Stage(86, 100, "AI engineering and deployment", "AI 工程化与部署", (
        Topic("optimize", "quantization", "quantize", "int8 quantisation", "int8 量化"),
        Topic("optimize", "pruning", "prune", "Pruning", "剪枝"),
        Topic("optimize", "distillation", "distill", "Knowledge distillation", "知识蒸馏"),
        Topic("deploy", "rest_api", "rest_api_demo", "REST API (SageMaker-style)", "REST API(SageMaker 风格)"),
        Topic("deploy", "edge", "edge_benchmark", "Edge inference trade-offs", "边缘推理权衡"),
        Topic("deploy", "serverless", "serverless_demo", "Serverless inference", "无服务器推理"),
        Topic("trust", "shap", "explain_shap", "SHAP explanations", "SHAP 可解释性"),
        Topic("trust", "fgsm", "fgsm_attack", "FGSM adversarial attacks", "FGSM 对抗攻击"),
        Topic("trust", "dp_federated", "dp_federated", "Federated learning with DP", "差分隐私联邦学习"),
    )),
)


def all_topics() -> list[Topic]:
    return [topic for stage in STAGES for topic in stage.topics]
