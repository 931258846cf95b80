import numpy as np
import pytest

from showcase.core import datasets
from showcase.core.errors import InputError


def test_fashion_mnist_is_read_from_the_debian_package():
    data = datasets.load_fashion_mnist()
    assert data.x_train.shape == (60000, 28, 28) and data.x_test.shape == (10000, 28, 28)
    assert data.x_train.dtype == np.uint8 and data.y_test.dtype == np.int64
    assert set(np.unique(data.y_train)) == set(range(10))
    assert np.bincount(data.y_test).tolist() == [1000] * 10       # Fashion-MNIST's test set is balanced
    x = datasets.fashion_tensor(data.x_train[:2000])
    assert x.shape == (2000, 1, 28, 28) and abs(float(x.mean())) < 0.1 and abs(float(x.std()) - 1) < 0.1


def test_missing_package_says_how_to_install(tmp_path):
    with pytest.raises(InputError, match="apt-get install -y dataset-fashion-mnist"):
        datasets.load_fashion_mnist(tmp_path)



def test_mnist_subset_is_mlxtends_5000_balanced_digits():
    images, labels = datasets.mnist_subset()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    assert images.max() == 255 and images.min() == 0
    assert datasets.mnist_subset()[0] is images                      # read once per process
