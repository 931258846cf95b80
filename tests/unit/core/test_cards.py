"""``showcase.core.cards``: one reader for every model card."""

import json

import pytest

from showcase.core.cards import read_card
from showcase.core.errors import InputError


def test_a_card_is_read_as_written(tmp_path):
    (tmp_path / "model_card.json").write_text(json.dumps({"metrics": {"acc": 0.9}, "name": "模型"}), encoding="utf-8")
    assert read_card(tmp_path / "model_card.json") == {"metrics": {"acc": 0.9}, "name": "模型"}


def test_a_missing_card_is_the_default_a_training_command_or_an_error(tmp_path):
    path = tmp_path / "model_card.json"
    assert read_card(path, missing={}) == {}
    with pytest.raises(InputError, match="run `python -m showcase.x.y_training`"):
        read_card(path, train_with="python -m showcase.x.y_training")
    with pytest.raises(FileNotFoundError):
        read_card(path)
