"""Where the app writes at run time (issue #25, item 5): SHOWCASE_DATA, else a Space's persistent
storage (/data) when it is writable, else the per-user data folder; never the checkout."""

import os

import pytest

from showcase.core import settings as s


@pytest.fixture()
def no_choice(monkeypatch, tmp_path):
    monkeypatch.delenv("SHOWCASE_DATA", raising=False)
    monkeypatch.setattr(s, "PERSISTENT", tmp_path / "no-data-here")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path


def test_without_showcase_data_ratings_go_to_the_per_user_data_folder(no_choice, monkeypatch):
    assert s.settings().data_dir == no_choice / "xdg" / "roadmap-showcase"
    assert s.data_location()[1] == "the per-user data folder"
    assert f"in {no_choice / 'xdg' / 'roadmap-showcase'} (the per-user data folder;" in s.data_line()
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(no_choice / "home"))
    assert s.settings().data_dir == no_choice / "home" / ".local" / "share" / "roadmap-showcase"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")                # invalid by the spec: ignored
    assert s.settings().data_dir == no_choice / "home" / ".local" / "share" / "roadmap-showcase"
    assert not s.settings().data_dir.is_relative_to(s.ROOT)


def test_a_writable_data_folder_is_a_spaces_persistent_storage(no_choice, monkeypatch):
    space = no_choice / "data"
    space.mkdir()
    monkeypatch.setattr(s, "PERSISTENT", space)
    assert s.data_location() == (space, "persistent storage") and s.settings().data_dir == space
    assert f"in {space} (persistent storage;" in s.data_line()
    if os.geteuid() != 0:                         # root writes anywhere: read-only means nothing to it
        space.chmod(0o555)
        assert s.data_location()[1] == "the per-user data folder"


def test_showcase_data_wins(no_choice, monkeypatch):
    (no_choice / "data").mkdir()
    monkeypatch.setattr(s, "PERSISTENT", no_choice / "data")
    monkeypatch.setenv("SHOWCASE_DATA", str(no_choice / "mine"))
    assert s.data_location() == (no_choice / "mine", "SHOWCASE_DATA")
