"""Model resolution on a tiny real transformers model saved to a temp dir (no network)."""

import time

import pytest

from showcase.core import models
from showcase.core.models import ModelSpec, ModelUnavailable, load, resolve


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)
    folder = tmp_path_factory.mktemp("tiny-bert")
    BertModel(config).save_pretrained(folder)
    return folder


@pytest.fixture()
def hub_cache(tmp_path, tiny_bert):
    """A hub cache laid out as huggingface_hub writes it, holding the tiny model as org/tiny."""
    repo = tmp_path / "models--org--tiny"
    snapshot = repo / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    for f in tiny_bert.iterdir():
        (snapshot / f.name).write_bytes(f.read_bytes())
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("a" * 40)
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_probe():
    models.reset_probe()
    yield
    models.reset_probe()


def test_bundled_first_by_default(tiny_bert):
    found = resolve(ModelSpec("tiny", bundled=tiny_bert, hub_repo="org/tiny"))
    assert found.source == "bundled" and found.path == tiny_bert


def test_hub_cache_when_preferred(tiny_bert, hub_cache):
    from transformers import AutoModel

    spec = ModelSpec("tiny", bundled=tiny_bert, hub_repo="org/tiny")
    found = resolve(spec, prefer="hub", cache_dir=hub_cache)
    assert found.source == "hub" and found.detail["from"] == "cache"
    assert AutoModel.from_pretrained(found.path).config.hidden_size == 8


def test_falls_back_to_bundled_when_hub_has_nothing(tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOWCASE_OFFLINE", "1")
    found = resolve(ModelSpec("tiny", bundled=tiny_bert, hub_repo="org/absent"), prefer="hub", cache_dir=tmp_path)
    assert found.source == "bundled"


def test_unavailable_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOWCASE_OFFLINE", "1")
    with pytest.raises(ModelUnavailable, match="Choose the bundled model"):
        resolve(ModelSpec("Big model", hub_repo="org/absent"), prefer="hub", cache_dir=tmp_path)


def test_probe_is_fast_and_remembered(monkeypatch):
    monkeypatch.delenv("SHOWCASE_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: nothing listens
    calls = []
    real = models.socket.create_connection
    monkeypatch.setattr(models.socket, "create_connection", lambda *a, **k: calls.append(a) or real(*a, **k))
    started = time.perf_counter()
    assert models.hub_reachable(timeout=1.0) is False
    assert models.hub_reachable(timeout=1.0) is False
    assert len(calls) == 1 and time.perf_counter() - started < 5
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"  # transformers now fails at once instead of retrying


def test_load_keeps_one_instance(tiny_bert):
    from transformers import AutoModel

    spec = ModelSpec("tiny-once", bundled=tiny_bert)
    first, found = load(spec, AutoModel.from_pretrained)
    second, _ = load(spec, AutoModel.from_pretrained)
    assert first is second and found.source == "bundled"


def test_the_same_weights_asked_for_two_ways_are_loaded_once(tiny_bert):
    """No model kept twice (issue #17): ``prefer="hub"`` falling back to the bundled copy, and a
    second spec naming the same folder, get the instance already loaded."""
    loads = []

    def loader(path):
        loads.append(path)
        return object()

    bundled, _ = load(ModelSpec("tiny-twice", bundled=tiny_bert), loader)
    by_hub, found = load(ModelSpec("tiny-twice", bundled=tiny_bert, hub_repo="org/absent"), loader, prefer="hub")
    renamed, _ = load(ModelSpec("tiny, another name", bundled=tiny_bert / "." ), loader)
    assert found.source == "bundled" and bundled is by_hub is renamed and len(loads) == 1
    assert ("loader", tiny_bert.resolve()) in [(name.rsplit(".", 1)[-1], path) for name, path in models.loaded()]
