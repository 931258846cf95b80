import numpy as np
import torch
from PIL import Image

from showcase.core import imagenet
from showcase.core.settings import asset


def test_class_names_are_imagenets():
    names = imagenet.class_names()
    assert len(names) == 1000 and names[0] == "tench" and "espresso" in names


def test_preprocess_shape_and_normalisation():
    a = imagenet.preprocess(Image.new("RGB", (300, 200), (124, 116, 104)))
    assert a.shape == (3, 224, 224) and a.dtype == np.float32 and np.abs(a).max() < 0.01
    grey = imagenet.preprocess(Image.new("L", (50, 60), 124))          # any mode becomes RGB
    assert grey.shape == (3, 224, 224)


def test_one_shared_model_that_knows_a_cat():
    model = imagenet.efficientnet_lite0()
    assert imagenet.efficientnet_lite0() is model and not model.training
    cat = Image.open(asset("frameworks", "onnx_export", "chelsea.jpg"))
    with torch.inference_mode():
        logits = model(torch.from_numpy(imagenet.preprocess(cat)[None]))[0].numpy()
    top = imagenet.top_k(logits)
    assert len(top) == 5 and "cat" in top[0][0]
    assert abs(sum(p for _, p in imagenet.top_k(logits, 1000)) - 1) < 1e-4
