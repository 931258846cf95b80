"""Our patches of third-party internals (showcase/core/patched.py lists them): written for the
installed versions, and each still doing its job. Nothing here reaches the network or trains."""

import importlib
import socket
import sys

import pytest

from showcase.core import detector, models, patched


def test_the_installed_libraries_are_the_ones_the_patches_were_written_for():
    """One loud failure on an upgrade: re-check each patch (its comment says what it works around,
    its test below whether it still works), then move the version in WRITTEN_FOR."""
    found = {library: patched.installed(library) for library in patched.WRITTEN_FOR}
    assert found == dict(patched.WRITTEN_FOR), "re-check the patches of the libraries whose versions differ"


def test_another_version_is_named_in_the_log(monkeypatch, caplog):
    monkeypatch.setattr(patched, "installed", lambda library: "0.0.1")
    assert patched.check.__wrapped__("flwr") is False   # the uncached check, as at a first import
    assert f"flwr 0.0.1 is installed; its patches (showcase/core/patched.py lists them) were written for " \
           f"{patched.WRITTEN_FOR['flwr']}" in caplog.text


def test_once_offline_huggingface_hub_refuses_a_download_without_a_connection(monkeypatch, tmp_path):
    """models._go_offline writes huggingface_hub's HF_HUB_OFFLINE constant, read at its import."""
    import huggingface_hub
    from huggingface_hub import constants
    from huggingface_hub.errors import LocalEntryNotFoundError, OfflineModeIsEnabled

    attempts = []

    def no_network(*args, **kwargs):
        attempts.append(args)
        raise OSError("this test has no network")

    for owner, name in ((socket, "getaddrinfo"), (socket, "create_connection"), (socket.socket, "connect")):
        monkeypatch.setattr(owner, name, no_network)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)   # as imported before the process went offline
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    models.reset_probe()
    try:
        assert models.hub_reachable() is False   # SHOWCASE_OFFLINE=1 (tests/conftest.py): offline, no probe
    finally:
        models.reset_probe()
    with pytest.raises(LocalEntryNotFoundError) as refused:
        huggingface_hub.hf_hub_download("org/never-downloaded", "config.json", cache_dir=tmp_path)
    assert isinstance(refused.value.__cause__, OfflineModeIsEnabled) and attempts == []


def test_after_ultralytics_is_imported_image_open_is_pillows_own():
    from PIL import Image

    detector.ultralytics_offline()
    import ultralytics.utils.patches  # noqa: F401 - the module that replaced it

    assert Image.open.__module__ == "PIL.Image" and Image.open.__qualname__ == "open"


def test_torch_keeps_one_thread_after_ultralytics_selects_the_cpu(monkeypatch):
    import torch

    from showcase.vision import detection_training

    detector.ultralytics_offline()
    import ultralytics.utils
    import ultralytics.utils.torch_utils as torch_utils

    for module in (ultralytics.utils, torch_utils):   # as on a 4-core machine: this one has 2 (cores − 1 = 1)
        monkeypatch.setattr(module, "NUM_THREADS", 3)
    before = torch.get_num_threads()
    try:
        detection_training.one_thread_ultralytics()
        torch_utils.select_device("cpu", verbose=False)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_after_the_workers_setup_tensorflow_fails_to_import_and_torch_finds_no_triton():
    from torch.utils import _triton

    from showcase.trust import dp_federated_worker

    names = ("tensorflow", "triton")
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    _triton.has_triton_package.cache_clear()
    try:
        dp_federated_worker.without_tensorflow_and_triton()
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("tensorflow")   # Flower's ``try: import tensorflow`` falls to its except
        assert _triton.has_triton_package() is False   # triton is installed here: only the entry stops it
        importlib.import_module("flwr.simulation.ray_transport.utils")
    finally:
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
        _triton.has_triton_package.cache_clear()
