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
    api: str          # the main event's api_name: the tab's contract, with its METRICS below
    en: str
    zh: str

    @property
    def module(self) -> str:
        return f"{self.area}.{self.name}"

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics keys the main event's result must hold (``METRICS``, the tab's contract)."""
        return METRICS[self.api]


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


# Each endpoint's metrics keys (the tab's contract, kept here): the metrics dict an
# endpoint returns holds at least these ("a|b": one of the two). tests/app/test_every_endpoint.py
# checks every page's API against it, so a new tab is held to its contract from its first commit.
METRICS: dict[str, tuple[str, ...]] = {
    "svd_compress": ("rank", "psnr_db", "ssim", "compression_ratio", "energy_kept", "jpeg_psnr_db_same_bytes"),
    "pca_project": ("n_components", "explained_variance", "reconstruction_mse", "eig_svd_max_abs_diff"),
    "fit_distribution": ("family", "params", "ci95", "log_likelihood", "ks_stat|chi2_stat", "p_value"),
    "gradient_descent": ("slope", "intercept", "final_loss", "closed_form_slope", "closed_form_intercept",
                         "epochs_to_tolerance"),
    "decision_boundaries": ("cv_accuracy", "cv_std"),
    "regularization": ("best_alpha", "cv_mse", "test_r2", "n_zero_coefs"),
    "ensembles": ("rf_accuracy", "xgb_accuracy", "rf_auc", "xgb_auc", "kendall_tau", "noise_rank"),
    "graph_mode": ("eager_ms", "graph_ms", "speedup", "compile_s", "max_abs_diff"),
    "onnx_export": ("opset", "file_mb", "max_abs_diff", "top1_agreement", "torch_ms", "ort_ms", "speedup"),
    "ddp_train": ("world_size", "samples_per_s", "final_loss", "max_param_diff_vs_single"),
    "detect": ("n_detections", "counts", "latency_ms", "imgsz", "model", "source"),
    "segment": ("dice", "iou", "baseline_dice", "baseline_iou", "latency_ms", "model", "source"),
    "dcgan_sample": ("seed", "n_images", "model", "source"),
    "dcgan_train": ("steps", "d_loss", "g_loss", "d_real", "d_fake"),
    "diffusion_sample": ("scheduler", "steps", "seconds", "model", "source"),
    "classify_text": ("label", "probabilities", "model", "source"),
    "finetune_bert": ("steps", "eval_accuracy", "eval_f1", "baseline_accuracy"),
    "chat": ("model", "source", "prompt_tokens", "completion_tokens", "seconds"),
    "clip_match": ("probabilities", "best_text", "logit_scale", "model", "source"),
    "caption": ("caption", "model", "source"),
    "vqa": ("answer", "model", "source"),
    "audio_features": ("sample_rate", "seconds", "n_mfcc", "frames"),
    "transcribe": ("text", "engine", "seconds"),
    "synthesize": ("engine", "seconds", "round_trip_cer"),
    "mos_summary": ("n_ratings", "mos", "ci95"),
    "quantize": ("fp32_mb", "int8_mb", "fp32_ms", "int8_ms", "fp32_accuracy", "int8_accuracy"),
    "prune": ("sparsity", "accuracy", "finetuned_accuracy", "params", "latency_ms"),
    "distill": ("teacher_accuracy", "student_accuracy", "distilled_accuracy", "temperature"),
    "explain_shap": ("expected_value", "prediction", "shap_sum", "additivity_error", "top_features"),
    "fgsm_attack": ("epsilon", "clean_label", "adv_label", "clean_conf", "adv_conf", "model", "source"),
    "dp_federated": ("rounds", "clients", "epsilon", "delta", "accuracy", "baseline_accuracy"),
    "rest_api_demo": ("status", "latency_ms", "p95_ms", "requests"),
    "serverless_demo": ("cold_ms", "warm_ms", "monthly_cost_on_demand", "monthly_cost_always_on"),
    "edge_benchmark": ("rows",),
}


def missing_metrics(api_name: str, metrics: dict) -> list[str]:
    """The contract's keys for ``api_name`` that ``metrics`` lacks (empty when it keeps the contract)."""
    return [key for key in METRICS.get(api_name, ()) if not any(k in metrics for k in key.split("|"))]


def all_topics() -> list[Topic]:
    return [topic for stage in STAGES for topic in stage.topics]
