import numpy as np
from scipy import ndimage
from skimage.filters import threshold_otsu

from showcase.vision import nuclei


def test_same_seed_same_image_bit_for_bit():
    a, b = nuclei.generate(5, 128), nuclei.generate(5, 128)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.image, nuclei.generate(6, 128).image)


def test_mask_is_exactly_the_union_of_the_labelled_nuclei():
    item = nuclei.generate(3, 200)
    assert item.image.shape == item.mask.shape == item.labels.shape == (200, 200)
    assert item.image.dtype == np.uint8 and item.mask.dtype == bool
    assert np.array_equal(item.mask, item.labels > 0)
    ids = np.unique(item.labels[item.labels > 0])
    assert len(ids) == item.n_nuclei and ids.max() == item.n_nuclei  # every nucleus visible, ids 1..n
    assert 0.1 < item.mask.mean() < 0.5


def test_nuclei_vary_in_size_and_some_touch():
    touching, sizes = 0, []
    for seed in range(4):
        labels = nuclei.generate(seed, 256).labels
        sizes += np.bincount(labels.ravel())[1:].tolist()
        # two different nuclei side by side: neighbouring pixels with different non-zero ids
        right = (labels[:, 1:] != labels[:, :-1]) & (labels[:, 1:] > 0) & (labels[:, :-1] > 0)
        touching += int(right.any())
    inner = np.percentile(sizes, [10, 90])
    assert touching >= 3 and inner[1] > 3 * inner[0]


def test_nuclei_are_brighter_than_their_surroundings_but_light_is_uneven():
    item = nuclei.generate(11, 256)
    gray = item.image.astype(float)
    assert gray[item.mask].mean() > 2 * gray[~ndimage.binary_dilation(item.mask, iterations=3)].mean()
    # one global threshold cannot be exact on these images
    dice = []
    for seed in range(6):
        it = nuclei.generate(seed, 256)
        p = it.image > threshold_otsu(it.image)
        dice.append(2 * (p & it.mask).sum() / (p.sum() + it.mask.sum()))
    assert np.mean(dice) < 0.9


def test_png_tag_gives_back_the_exact_mask_only_for_unchanged_pixels(tmp_path):
    from PIL import Image

    item = nuclei.generate(21, 64)
    path = nuclei.save_png(item, tmp_path / "n.png")
    saved = Image.open(path)
    assert nuclei.read_tag(saved.info) == (21, 64)
    found = nuclei.ground_truth_for(np.asarray(saved), saved.info)
    assert found is not None and np.array_equal(found.mask, item.mask)
    edited = np.asarray(saved).copy()
    edited[0, 0] ^= 1
    assert nuclei.ground_truth_for(edited, saved.info) is None
    assert nuclei.ground_truth_for(np.asarray(saved), {}) is None
    assert nuclei.read_tag({nuclei.PNG_KEY: "seed=x"}) is None


def test_batch_shapes():
    x, y = nuclei.batch([0, 1, 2], size=32)
    assert x.shape == y.shape == (3, 1, 32, 32) and x.dtype == np.float32
    assert 0 <= x.min() and x.max() <= 1 and set(np.unique(y)) <= {0.0, 1.0}
