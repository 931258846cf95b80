"""README front matter, requirements.txt, packages.txt, Spacefile, the Dockerfile and the Space workflow agree."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

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
            out[name.split("[")[0].lower().replace("_", "-")] = version   # gradio[mcp] pins gradio
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


def hadolint(path) -> subprocess.CompletedProcess:
    binary = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    return subprocess.run([binary, "--no-color", str(path)], capture_output=True, text=True)


def test_the_app_dockerfile_is_hadolint_clean_and_serves_the_space_files():
    out = hadolint(ROOT / "Dockerfile")
    assert out.returncode == 0, out.stdout + out.stderr
    text = (ROOT / "Dockerfile").read_text()
    assert f"FROM python:{front_matter()['python_version']}-slim" in text
    assert "packages.txt" in text and "pip install -r requirements.txt" in text
    assert re.search(r'^ENTRYPOINT \["python", "{}"\]$'.format(front_matter()["app_file"]), text, re.M)
    assert re.search(r"^USER 1000$", text, re.M) and "EXPOSE 7860" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".git" in ignored and ".venv" in ignored


def test_the_space_workflow_uses_a_secret_and_the_pinned_hub_client():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "space.yml").read_text())
    job = workflow["jobs"]["push"]
    assert "vars.HF_SPACE_ID" in job["if"], "the job must be optional"
    upload = next(step for step in job["steps"] if "upload_folder" in step.get("run", ""))
    assert upload["env"]["HF_TOKEN"] == "${{ secrets.HF_TOKEN }}"
    assert "repo_type=\"space\"" in upload["run"] and "hf_" not in upload["run"].replace("HF_", "")
    install = next(step for step in job["steps"] if "pip install" in step.get("run", ""))
    assert "requirements.txt" in install["run"] and pins()["huggingface-hub"]


def test_readme_says_how_to_deploy_a_copy_three_ways():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Deploy your own copy"):text.index("## Layout")]
    for command in ("git push space main", "docker build -t roadmap-showcase .", "docker run --rm -p 7860:7860",
                    "make run", "pip install -r requirements.txt", "HF_TOKEN", "HF_SPACE_ID",
                    "docker build -f assets/deploy/rest_api/Dockerfile"):
        assert command in section, command
    assert (ROOT / "assets" / "deploy" / "rest_api" / "Dockerfile").is_file()
