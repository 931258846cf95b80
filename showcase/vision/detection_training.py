"""Training the shapes detector of the detection tab: Ultralytics' YOLO11 on generated scenes,
exported to ONNX and scored on held-out scenes.

The network is ``assets/vision/detection/yolo11p-shapes.yaml``, a YOLO11 at half YOLO11n's width.
It trains from scratch on one CPU thread in two stages (see ``train``) on scenes drawn by
``showcase.core.shapes``, whose boxes are exact. The best epoch is exported to ONNX, which the
tab serves with ONNX Runtime (``showcase.vision.detection``). It is then scored twice on 200
scenes that training never saw: by Ultralytics' own ``val`` and by the tab's own pipeline. Both
scores go into ``model_card.json``.

    python -m showcase.vision.detection_training              # 24 + 40 epochs, ~1 hour on one CPU thread
    python -m showcase.vision.detection_training --stage1 runs/stage1/weights/best.pt   # stage 2 only
    python -m showcase.vision.detection_training --dry-run    # one tiny epoch, to a temp folder
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import tempfile
import time
from pathlib import Path


from showcase.core import patched, shapes
from showcase.core.timing import interleaved_ms
from showcase.vision.detection import (ASSET_DIR, CARD, COMPARE, IMGSZ, MODEL_YAML, ONNX_PATH, SCENE, load_onnx,
                                       average_precision_50, run_onnx, ultralytics_offline)

TRAIN_SEEDS = range(0, 1000)                    # 320×320 training scenes (stage 1 uses the first STAGE1_SCENES)
VAL_SEEDS = range(1_000_000, 1_000_060)         # for Ultralytics' best-epoch choice
TEST_SEEDS = range(2_000_000, 2_000_200)        # held out, scored once at the end
CARD_AP_SEEDS = 200                             # the TEST_SEEDS scored by our own mAP50 too (tests redo it)
STAGE1_SCENES = 600
STAGE1_EPOCHS, STAGE1_LR = 24, 0.002
STAGE2_EPOCHS, STAGE2_LR = 40, 0.001


patched.check("ultralytics")  # one_thread_ultralytics sets one of its module constants


def one_thread_ultralytics() -> None:
    """Torch on one thread, and Ultralytics (imported offline) made to leave it there."""
    import torch

    torch.set_num_threads(1)  # the machine is shared: one core for training, measured times assume it
    ultralytics_offline()
    import ultralytics.utils.torch_utils as torch_utils

    # Ultralytics (8.4.190: patched.WRITTEN_FOR) calls ``torch.set_num_threads(NUM_THREADS)`` in
    # ``torch_utils.select_device`` for a CPU run, NUM_THREADS being cores − 1 (up to 8), read from
    # torch_utils' own name, with no argument to change it. Ours is 1. Test:
    # tests/unit/core/test_patched.py (torch keeps one thread after Ultralytics selects the CPU).
    torch_utils.NUM_THREADS = 1


def train(out: Path = ASSET_DIR, epochs: int = STAGE2_EPOCHS, batch: int = 8, imgsz: int = IMGSZ, seed: int = 0,
          scene: int = SCENE, lr: float = STAGE2_LR, stage1_epochs: int = STAGE1_EPOCHS, stage1_lr: float = STAGE1_LR,
          n_train: int = len(TRAIN_SEEDS), n_stage1: int = STAGE1_SCENES, n_val: int = len(VAL_SEEDS),
          n_test: int = len(TEST_SEEDS), stage1: Path | None = None, workdir: Path | None = None,
          log=functools.partial(print, flush=True)) -> dict:
    """Train the shapes detector with Ultralytics on one CPU thread in two stages, export it to
    ONNX, score it on held-out scenes and write ``shapes_yolo11p.onnx`` and ``model_card.json``.

    Stage 1 trains from scratch (``MODEL_YAML``) on the first ``n_stage1`` scenes with Ultralytics'
    default augmentation, mosaic included: four scenes tiled into one give many boxes per step,
    which gets a random network going. Stage 2 starts from stage 1's best weights and fine-tunes
    on all ``n_train`` scenes without mosaic: a tiled 320-px scene is shrunk twice over at 256 px,
    while held-out scenes are not, and a mosaic-free step is about 40% cheaper. ``stage1`` skips
    stage 1 and starts stage 2 from that checkpoint instead."""
    one_thread_ultralytics()
    from ultralytics import YOLO

    workdir = Path(workdir or tempfile.mkdtemp(prefix="shapes-yolo-"))
    n_stage1 = min(n_stage1, n_train)
    given_stage1 = None if stage1 is None else str(stage1)
    started = time.perf_counter()
    data = shapes.write_yolo_dataset(workdir / "data", {"train": TRAIN_SEEDS[:n_train], "val": VAL_SEEDS[:n_val]}, scene)
    test = shapes.write_yolo_dataset(workdir / "test", {"val": TEST_SEEDS[:n_test]}, scene)
    log(f"generated {n_train} + {n_val} + {n_test} scenes in {time.perf_counter() - started:.0f} s")
    common = dict(imgsz=imgsz, batch=batch, workers=0, device="cpu", seed=seed, deterministic=True, amp=False,
                  plots=False, project=str(workdir / "runs"), exist_ok=True, verbose=False, optimizer="AdamW",
                  fliplr=0.5, flipud=0.5, degrees=0.0, hsv_h=0.1)

    stage1_seconds = None
    if stage1 is None:
        data1 = shapes.write_yolo_dataset(workdir / "data1", {"train": TRAIN_SEEDS[:n_stage1], "val": VAL_SEEDS[:n_val]}, scene)
        trained = time.perf_counter()
        YOLO(str(MODEL_YAML), task="detect").train(
            data=str(data1), epochs=stage1_epochs, name="stage1", patience=stage1_epochs,
            close_mosaic=max(1, stage1_epochs // 5), lr0=stage1_lr, warmup_epochs=1, **common)
        stage1_seconds = time.perf_counter() - trained
        stage1 = workdir / "runs" / "stage1" / "weights" / "best.pt"
        log(f"stage 1: {stage1_seconds:.0f} s")
    trained = time.perf_counter()
    # a warm start needs no warm-up (its bias warm-up rate of 0.1 would undo stage 1's head)
    YOLO(str(stage1), task="detect").train(
        data=str(data), epochs=epochs, name="shapes", patience=epochs, mosaic=0.0, close_mosaic=0,
        lr0=lr, warmup_epochs=0, **common)
    training_seconds = time.perf_counter() - trained
    log(f"stage 2: {training_seconds:.0f} s")
    best = workdir / "runs" / "shapes" / "weights" / "best.pt"
    best_model = YOLO(str(best), task="detect")
    onnx_file = Path(best_model.export(format="onnx", imgsz=imgsz, simplify=True, dynamic=False, verbose=False))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(onnx_file, out / ONNX_PATH.name)

    onnx_model = YOLO(str(out / ONNX_PATH.name), task="detect")
    val = onnx_model.val(data=str(test), imgsz=imgsz, batch=1, conf=0.001, iou=0.7, device="cpu", plots=False,
                         verbose=False, project=str(workdir / "runs"), name="test", exist_ok=True)
    per_class = {shapes.CLASSES[int(c)]: round(float(v), 4) for c, v in zip(val.box.ap_class_index, val.box.ap50)}
    ours = average_precision_50(load_onnx(out / ONNX_PATH.name), TEST_SEEDS[:min(n_test, CARD_AP_SEEDS)], scene)
    drawn = average_precision_50(load_onnx(out / ONNX_PATH.name), TEST_SEEDS[:min(n_test, CARD_AP_SEEDS)], scene,
                                 multi_label=False)
    log(f"held-out mAP50 {val.box.map50:.4f}, mAP50-95 {val.box.map:.4f}; ours on {CARD_AP_SEEDS}: {ours['map50']}")

    # ONNX Runtime against the same weights in PyTorch, one 640-px image, one thread each
    picture = shapes.generate(TEST_SEEDS[0], 640).image
    session = load_onnx(out / ONNX_PATH.name)
    ort_ms, torch_ms = (round(ms, 1) for ms in interleaved_ms(
        [lambda: run_onnx(session, picture, 0.25, 0.45),
         lambda: best_model.predict(picture[..., ::-1], imgsz=imgsz, conf=0.25, iou=0.45, verbose=False, device="cpu")],
        repeats=10))
    card = {
        "model": "YOLO11 (Ultralytics) at scale p: depth 0.33, width 0.125, max 256 channels, trained from scratch "
                 "in two stages",
        "config": f"assets/vision/detection/{MODEL_YAML.name}",
        "parameters": int(sum(p.numel() for p in best_model.model.parameters())),
        "classes": list(shapes.CLASSES),
        "imgsz": imgsz,
        "data": (f"generated scenes {scene}×{scene} (showcase.core.shapes): stage 1 seeds "
                 f"{TRAIN_SEEDS.start}–{TRAIN_SEEDS.start + n_stage1 - 1}, stage 2 seeds "
                 f"{TRAIN_SEEDS.start}–{TRAIN_SEEDS.start + n_train - 1}; best epoch chosen on {n_val} more "
                 f"(seeds {VAL_SEEDS.start}–{VAL_SEEDS.start + n_val - 1})"),
        "held_out_data": f"{n_test} generated scenes, seeds {TEST_SEEDS.start}–{TEST_SEEDS.start + n_test - 1}",
        "training": {
            "stage1": f"Ultralytics {ultralytics_version()} train from {MODEL_YAML.name}: {stage1_epochs} epochs on "
                      f"{n_stage1} scenes at {imgsz} px, batch {batch}, AdamW lr {stage1_lr}, 1 warm-up epoch, "
                      f"default augmentation (mosaic, closed for the last {max(1, stage1_epochs // 5)} epochs; HSV, "
                      "scale, translate) plus vertical flips, amp off, deterministic",
            "stage2": f"from stage 1's best.pt: {epochs} epochs on {n_train} scenes at {imgsz} px, batch {batch}, "
                      f"AdamW lr {lr} decaying linearly to {lr / 100:g}, no warm-up, no mosaic (flips, HSV, "
                      "scale, translate kept), amp off, deterministic",
        },
        "stage1_checkpoint": given_stage1 or "trained by this run",
        "training_seconds": {"stage1": None if stage1_seconds is None else round(stage1_seconds, 1),
                             "stage2": round(training_seconds, 1)},
        "seed": seed,
        "command": "python -m showcase.vision.detection_training",
        "threads": 1,
        "held_out": {"map50": round(float(val.box.map50), 4), "map50_95": round(float(val.box.map), 4),
                     "precision": round(float(val.box.mp), 4), "recall": round(float(val.box.mr), 4),
                     "map50_per_class": per_class, "measured_by": "ultralytics val of the ONNX file, conf 0.001, iou 0.7"},
        "held_out_ours": {**ours, "conf": 0.001, "iou": 0.7, "map50_one_class_per_box": drawn["map50"],
                          "measured_by": "showcase.vision.detection.average_precision_50 (ONNX Runtime pipeline, "
                                         "Ultralytics val's protocol: multi-label NMS, 101-point AP)"},
        "export": {"format": "onnx", "dynamic": False, "simplify": True, "file_mb": round((out / ONNX_PATH.name).stat().st_size / 2**20, 2),
                   "ort_ms_640px_input": ort_ms, "pytorch_ms_640px_input": torch_ms,
                   "note": "median of 10 calls at export time, one thread; the 640-px image is letterboxed to imgsz"},
        "compare": COMPARE,
    }
    (out / CARD.name).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def ultralytics_version() -> str:
    return ultralytics_offline().__version__


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=STAGE2_EPOCHS, help="stage 2's epochs")
    parser.add_argument("--stage1", help="start stage 2 from this stage-1 checkpoint (best.pt) instead of training one")
    parser.add_argument("--n-train", type=int, default=len(TRAIN_SEEDS))
    parser.add_argument("--out", default=str(ASSET_DIR))
    parser.add_argument("--workdir", help="where the generated data set and runs go (default: a temp folder)")
    parser.add_argument("--dry-run", action="store_true", help="one epoch on a few tiny scenes, to a temp folder")
    args = parser.parse_args(argv)
    if args.dry_run:
        card = train(Path(tempfile.mkdtemp(prefix="shapes-dry-")), epochs=1, stage1_epochs=1, batch=4, imgsz=64,
                     scene=64, n_train=8, n_stage1=8, n_val=4, n_test=4)
    else:
        card = train(Path(args.out), epochs=args.epochs, n_train=args.n_train,
                     stage1=Path(args.stage1) if args.stage1 else None,
                     workdir=Path(args.workdir) if args.workdir else None)
    print(json.dumps(card["held_out"]))


if __name__ == "__main__":
    main()
