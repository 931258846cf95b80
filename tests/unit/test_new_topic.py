"""``python -m showcase.new_topic``: a scaffolded topic passes its own tests and the plumbing tests.

    python -m pytest tests/unit/test_new_topic.py -q

The scaffold runs in a copy of the repository (its tracked and untracked-not-ignored files; the
assets and the virtual environment linked), so this checkout is never touched; the tests run there
in a fresh process: the topic's unit tests, the registry and consistency tests (stages, metrics
contract, every page runs alone, both languages, "Try this" steps, the import graph, Gradio's
internals), then its app test and the app-wide endpoint, open-filled and script tests for it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from showcase import new_topic

ROOT = Path(__file__).resolve().parents[2]
LINKED = {"assets", ".venv", ".cache"}


def copy_of_the_repository(dest: Path) -> Path:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if rel.split("/", 1)[0] in LINKED or not (ROOT / rel).is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    for name in LINKED:
        if (ROOT / name).exists():
            (dest / name).symlink_to(ROOT / name)
    return dest


def test_the_scaffold_refuses_what_it_cannot_make(tmp_path):
    with pytest.raises(SystemExit, match="area must be one of"):
        new_topic.scaffold("astrology", "tarot", root=tmp_path)
    with pytest.raises(SystemExit, match="lower-case Python name"):
        new_topic.scaffold("math", "Mean-Std", root=tmp_path)
    with pytest.raises(SystemExit, match="already"):
        new_topic.scaffold("math", "svd", root=tmp_path)


@pytest.mark.slow
def test_a_scaffolded_topic_passes_the_suite_in_a_copy(tmp_path):
    repo = copy_of_the_repository(tmp_path / "repo")
    made = subprocess.run([sys.executable, "-m", "showcase.new_topic", "math", "mean_std", "--en", "Mean and spread",
                           "--zh", "均值与离散程度"], cwd=repo, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert (repo / "pages/math/mean_std.try.toml").is_file() and not (ROOT / "pages/math/mean_std.py").exists()

    def pytest_there(*args: str) -> None:
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *args],
                             cwd=repo, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert " passed" in run.stdout, run.stdout[-2000:]

    pytest_there("tests/unit/math/test_mean_std.py", "tests/unit/test_try_steps_content.py", "tests/unit/test_try_this.py",
                 "tests/unit/test_import_graph.py", "tests/unit/test_gradio_private.py", "tests/unit/core/test_plumbing.py",
                 "tests/unit/test_page_claims.py",
                 "-k", "mean_std or topic or graph or arrow or private or internals or strings or local_time or runs_alone")
    pytest_there("tests/app/test_math_mean_std.py", "tests/app/test_every_endpoint.py", "tests/app/test_fill_on_open.py",
                 "tests/app/test_scripts.py", "tests/app/test_bad_inputs.py", "tests/app/test_try_numbers.py",
                 "-k", "mean_std")
