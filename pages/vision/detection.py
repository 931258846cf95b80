"""Tab: object detection (YOLO on generated shapes, Haar faces, YOLO11n from the hub) on images,
video files and the webcam. Run alone: ``python -m pages.vision.detection``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from pages.guard import guard
from pages.inputs import ImageInput
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.scratch import lossless_webp, scratch_folder
from pages.translation import say, strings, tc
from showcase.core.checks import number
from showcase.core.settings import asset
from showcase.vision import detection, detection_video
from showcase.core import shapes

t = strings("detection", {
    "title": ("## Object detection with YOLO", "## YOLO 目标检测"),
    "body": (
        "A one-stage detector looks at the image once: at every cell of three feature maps (strides 8, 16, 32) it "
        "predicts a box and a score per class. Boxes under the **confidence** threshold are dropped, and "
        "non-maximum suppression keeps, of same-class boxes overlapping by more than the **IoU** threshold, only the "
        "most confident. Three detectors: **shapes**, a YOLO11 half as wide as YOLO11n that this project trains with "
        "Ultralytics on generated scenes (circles, squares, triangles, stars, crosses on textured, noisy backgrounds, "
        "with occlusion and a six-fold range of sizes) and serves as ONNX; **faces**, OpenCV's Viola–Jones Haar "
        "cascade, on real photos such as the astronaut; **YOLO11n** trained on COCO's 80 classes, from the Hugging "
        "Face hub when it is reachable. For a generated scene the exact boxes are known, so hits, false alarms and "
        "misses are counted at IoU 0.5. A video file is processed frame by frame (the first 150 frames, at most "
        "640 px); the webcam streams a few frames a second.",
        "单阶段检测器只看一遍图像:在三张特征图(步长 8、16、32)的每个格点上预测一个框和每个类别的得分。低于**置信度**阈值的框被丢弃,"
        "非极大值抑制在同类且重叠(IoU)超过**IoU 阈值**的框中只保留最有把握的一个。三个检测器:**shapes**,一个宽度为 YOLO11n 一半的 "
        "YOLO11,由本项目用 Ultralytics 在生成的场景上训练(有纹理和噪声的背景上的圆、正方形、三角形、星形和十字,有遮挡,"
        "大小相差六倍),以 ONNX 运行;**faces**,OpenCV 的 Viola–Jones Haar 级联,用于宇航员等真实照片;**YOLO11n**,"
        "在 COCO 的 80 个类别上训练,可访问 Hugging Face Hub 时使用。生成场景的精确框已知,因此按 IoU 0.5 统计命中、误报和漏检。"
        "视频文件逐帧处理(前 150 帧,最大 640 像素);摄像头每秒传几帧。",
    ),
    "reference": (
        "**Compare:** YOLO11n reaches **39.5 mAP50-95** on COCO val2017 and takes **56 ms** for a 640-px image with "
        "ONNX on a CPU (Ultralytics' table). Ours has 0.28 M parameters instead of 2.6 M and five easy classes "
        "instead of 80; its held-out mAP50 and mAP50-95 are in the model card and beside each result.",
        "**对照:** YOLO11n 在 COCO val2017 上达到 **39.5 mAP50-95**,在 CPU 上用 ONNX 处理一张 640 像素图像需 **56 毫秒**"
        "(Ultralytics 官方表格)。我们的模型只有 0.28 M 参数(YOLO11n 为 2.6 M),类别是 5 个简单形状而非 80 类;"
        "其留出集 mAP50 与 mAP50-95 写在模型卡中,并显示在每个结果旁。",
    ),
    "detector": ("Detector", "检测器"),
    "conf": ("Confidence threshold", "置信度阈值"),
    "iou": ("IoU threshold (NMS)", "IoU 阈值(NMS)"),
    "image_tab": ("Image", "图像"),
    "video_tab": ("Video file", "视频文件"),
    "webcam_tab": ("Webcam", "摄像头"),
    "seed": ("Seed for a new generated scene", "新生成场景的随机种子"),
    "generate": ("Generate a scene", "生成场景"),
    "detected": ("Detections", "检测结果"),
    "counts": ("Count per class", "各类别数量"),
    "video_in": ("Video (MP4 or WebM)", "视频(MP4 或 WebM)"),
    "video_out": ("Annotated video (WebM)", "标注后的视频(WebM)"),
    "per_frame": ("Detections per frame", "每帧检测数"),
    "run_video": ("Detect in the video", "检测视频"),
    "webcam_in": ("Webcam", "摄像头"),
    "webcam_out": ("Live detections", "实时检测"),
    "examples_note": (
        "First, a scene where every shape is found. Then faces on a real photo; and hard cases: in seed 2026 a dark "
        "green circle on dark green is missed and a triangle is also boxed as a square; seed 7 at confidence 0.5 drops "
        "faint shapes; seed 31 at confidence 0.1 and IoU 0.7 keeps weak, overlapping boxes.",
        "第一个场景里每个形状都被找到。然后是真实照片上的人脸;以及难例:种子 2026 中深绿背景上的深绿圆被漏检,"
        "一个三角形还被多框成正方形;种子 7 在置信度 0.5 时丢掉了较淡的形状;种子 31 在置信度 0.1、IoU 0.7 时留下了弱的、相互重叠的框。",
    ),
    "webcam_note": (
        "Allow the camera and press record: frames go to the server about four times a second for up to a "
        "minute. Faces work on any face; the shapes detector wants shapes like the generated ones (print one).",
        "允许使用摄像头并点击录制:每秒约四帧发往服务器,最长一分钟。faces 可检测任何人脸;shapes 检测器需要与生成场景相似的形状"
        "(可以把生成的场景打印出来)。",
    ),
})

# the choices are the detectors' own names: Gradio shows a choice label untranslated in the examples table
DETECTOR_CHOICES = ["shapes", "faces", "yolo11n"]
EXAMPLE_SEEDS = (34, 2026, 7, 31)      # 34 first: all eleven shapes found, no false alarm
ASTRONAUT = asset("vision", "detection", "astronaut.png")
VIDEO = asset("vision", "detection", "shapes_pan.webm")


def example_path(seed: int) -> Path:
    return asset("vision", "detection", f"shapes_seed{seed}.png")


EXAMPLES = [[str(example_path(34)), "shapes", 0.25, 0.45],
            [str(ASTRONAUT), "faces", 0.25, 0.45],
            [str(example_path(2026)), "shapes", 0.25, 0.45],
            [str(example_path(7)), "shapes", 0.5, 0.45],
            [str(example_path(31)), "shapes", 0.1, 0.7]]
VIDEO_EXAMPLES = [[str(VIDEO), "shapes", 0.25, 0.45]]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"detect": EXAMPLES[0], "detect_video": VIDEO_EXAMPLES[0]}


def summary(m: dict) -> str:
    counted = ", ".join(f"{k} {v}" for k, v in m["counts"].items())
    en = (f"**{m['n_detections']}** detections ({counted or 'none'}) in {m['latency_ms']:.0f} ms at {m['imgsz']} px.")
    zh = f"检测到 **{m['n_detections']}** 个({counted or '无'}),用时 {m['latency_ms']:.0f} 毫秒({m['imgsz']} 像素)。"
    if "true_positives" in m:
        en += (f" Against the exact boxes (IoU 0.5): **{m['true_positives']}** hits, {m['false_positives']} false "
               f"alarms, {m['missed']} missed (precision {m['precision']:.2f}, recall {m['recall']:.2f}).")
        zh += (f" 与精确真值框比较(IoU 0.5):命中 **{m['true_positives']}**,误报 {m['false_positives']},"
               f"漏检 {m['missed']}(精确率 {m['precision']:.2f},召回率 {m['recall']:.2f})。")
    if "card_held_out" in m:
        card = m["card_held_out"]
        en += (f" Held-out mAP50 {card['map50']:.3f}, mAP50-95 {card['map50_95']:.3f} (model card); "
               "YOLO11n on COCO's 80 classes: 39.5 mAP50-95.")
        zh += (f" 留出集 mAP50 {card['map50']:.3f},mAP50-95 {card['map50_95']:.3f}(模型卡);"
               "YOLO11n 在 COCO 的 80 类上:39.5 mAP50-95。")
    return say(en, zh)


@guard
def run(image=EXAMPLES[0][0], detector="shapes", conf=0.25, iou=0.45):
    """Detect objects in an image: the project's shapes detector (YOLO11n trained on generated scenes), OpenCV's Haar
    faces, or pretrained YOLO11n.

    Args:
        image: the image, a PNG, JPEG or WebP file (for "shapes", a scene made by new_scene works best).
        detector: "shapes" (bundled), "faces" (Haar cascade) or "yolo11n" (COCO, from the hub when reachable).
        conf: the confidence threshold, from 0.05 to 0.95 (boxes below it are dropped).
        iou: the IoU threshold of non-maximum suppression, from 0.1 to 0.9.

    Returns:
        the image with its boxes and labels (image); the count per class (bar plot); the result in a sentence (English and Chinese);
        metrics: n_detections, counts (per class), latency_ms, imgsz, model, source (bundled or hub).
    """
    r = detection.detect(image, detector, conf, iou)
    return lossless_webp(r.image), r.table, summary(r.metrics), r.metrics


@guard
def run_video(video=VIDEO_EXAMPLES[0][0], detector="shapes", conf=0.25, iou=0.45):
    """Detect objects in every frame of a short video and write the annotated video.

    Args:
        video: an MP4 or WebM file (short: every frame is detected).
        detector: "shapes" (bundled), "faces" (Haar cascade) or "yolo11n" (COCO, from the hub when reachable).
        conf: the confidence threshold, from 0.05 to 0.95.
        iou: the IoU threshold of non-maximum suppression, from 0.1 to 0.9.

    Returns:
        the annotated video (WebM); detections per frame (line plot); metrics: frames, detections, fps and the model that served.
    """
    path, per_frame, metrics = detection_video.detect_video(video, detector, conf, iou, out_dir=scratch_folder())
    return path, per_frame, metrics


@guard
def run_frame(frame, detector="shapes", conf=0.25, iou=0.45):
    return detection_video.detect_frame(frame, detector, conf, iou)


@guard
def new_scene(seed=0):
    """Generate a new scene of coloured shapes for the shapes detector (the same generator as its training data, a new
    seed).

    Args:
        seed: a non-negative integer; the same seed gives the same scene.

    Returns:
        the scene (PNG image).
    """
    seed = number(seed, "Seed", low=0, high=2**31 - 1, integer=True)
    folder = Path(tempfile.gettempdir()) / "showcase-shapes"
    folder.mkdir(exist_ok=True)
    return str(shapes.save_png(shapes.generate(seed, 320), folder / f"shapes_seed{seed}.png"))


def ensure_assets() -> None:
    """The examples are made by the project's own code; write any that are missing."""
    for seed in EXAMPLE_SEEDS:
        if not example_path(seed).is_file():
            shapes.save_png(shapes.generate(seed, 320), example_path(seed))
    if not ASTRONAUT.is_file():
        detection.astronaut_png(ASTRONAUT)
    if not VIDEO.is_file():
        detection_video.panning_video(VIDEO)


def controls():
    detector = gr.Radio(DETECTOR_CHOICES, value="shapes", label=t("detector"))
    conf = gr.Slider(0.05, 0.95, value=0.25, step=0.05, label=t("conf"))
    iou = gr.Slider(0.1, 0.9, value=0.45, step=0.05, label=t("iou"))
    return detector, conf, iou


def build() -> None:
    ensure_assets()
    header(t("title"), t("body"), t("reference"))
    with gr.Tabs():
        with gr.Tab(t("image_tab")):
            with gr.Row():
                with gr.Column(scale=1):
                    image = ImageInput(value=EXAMPLES[0][0], height=300)
                    detector, conf, iou = controls()
                    button = gr.Button(tc("run"), variant="primary")
                    with gr.Row():
                        seed = gr.Number(value=1, precision=0, label=t("seed"), minimum=0)
                        generate = gr.Button(t("generate"))
                with gr.Column(scale=2):
                    annotated = gr.Image(label=t("detected"), format="webp", height=420)
                    # counts start at 0: with every count 1 the bars would otherwise have no height
                    bars = gr.BarPlot(x="class", y="count", label=t("counts"), height=200, sort="-y", y_lim=[0, None])
                    note = result_note()
                    metrics = metrics_json()
            inputs, outputs = [image, detector, conf, iou], [annotated, bars, note, metrics]
            examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
            button.click(run, inputs, outputs, api_name="detect")
            generate.click(new_scene, [seed], [image], api_name="detect_generate").then(
                run, inputs, outputs, api_visibility="private")
        with gr.Tab(t("video_tab")):
            with gr.Row():
                with gr.Column(scale=1):
                    video = gr.Video(label=t("video_in"), sources=["upload"], value=VIDEO_EXAMPLES[0][0], height=280)
                    v_detector, v_conf, v_iou = controls()
                    v_button = gr.Button(t("run_video"), variant="primary")
                with gr.Column(scale=2):
                    v_out = gr.Video(label=t("video_out"), height=320, autoplay=True, loop=True)
                    v_plot = gr.LinePlot(x="frame", y="detections", label=t("per_frame"), height=200, y_lim=[0, None])
                    v_metrics = metrics_json()
            v_inputs, v_outputs = [video, v_detector, v_conf, v_iou], [v_out, v_plot, v_metrics]
            examples(VIDEO_EXAMPLES, v_inputs, v_outputs, run_video)
            v_button.click(run_video, v_inputs, v_outputs, api_name="detect_video", concurrency_id="video_detection",
                           concurrency_limit=1)
        with gr.Tab(t("webcam_tab")):
            gr.Markdown(t("webcam_note"))
            with gr.Row():
                with gr.Column(scale=1):
                    camera = gr.Image(label=t("webcam_in"), sources=["webcam"], streaming=True, type="numpy", height=300)
                    w_detector, w_conf, w_iou = controls()
                with gr.Column(scale=2):
                    # no sentence beside the frames to describe them: alt text of their own, both languages
                    w_out = gr.Image(label=t("webcam_out"), height=360,
                                     alt_text="The camera's latest frame with the detector's boxes · 摄像头的最新画面和检测框")
                    w_metrics = metrics_json()
            camera.stream(run_frame, [camera, w_detector, w_conf, w_iou], [w_out, w_metrics], stream_every=0.25,
                          time_limit=60, concurrency_limit=2, api_name="detect_stream", api_visibility="undocumented")
    code_accordion(detection.letterbox, detection.decode, detection.nms, detection.run_onnx, detection.detect,
                   shapes.generate)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
