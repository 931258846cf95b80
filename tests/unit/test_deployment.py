"""README front matter, requirements.txt and Spacefile agree with each other."""

import re

import yaml

from showcase.core.settings import ROOT


def front_matter() -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md must start with Spaces front matter"
    return yaml.safe_load(match.group(1))


def pins() -> dict[str, str]:
    out = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.txt must pin exact versions: {line}"
            out[name.lower().replace("_", "-")] = version
    return out


def test_front_matter_is_complete():
    meta = front_matter()
    for key in ("title", "emoji", "sdk", "sdk_version", "python_version", "app_file", "short_description"):
        assert meta.get(key), key
    assert meta["sdk"] == "gradio" and meta["python_version"] == "3.11"
    assert len(meta["short_description"]) <= 60
    assert (ROOT / meta["app_file"]).is_file()


def test_requirements_pin_what_the_front_matter_says():
    meta, pinned = front_matter(), pins()
    assert pinned["gradio"] == meta["sdk_version"]
    major, minor, *_ = (int(x) for x in pinned["gradio"].split("."))
    assert (major, minor) >= (6, 31)
    assert pinned["torch"] == "2.14.1" and pinned["torchvision"] == "0.29.1"
    assert "torchaudio" not in pinned and "xgboost" not in pinned  # xgboost-cpu instead


def test_spacefile_agrees():
    space = yaml.safe_load((ROOT / "Spacefile").read_text())
    assert space["v"] == 0 and len(space["micros"]) == 1
    micro = space["micros"][0]
    meta = front_matter()
    assert micro["engine"] == f"python{meta['python_version']}"
    assert meta["app_file"] in micro["run"]


def test_packages_txt_lists_plain_debian_names():
    for line in (ROOT / "packages.txt").read_text().splitlines():
        assert re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", line.strip()), line
