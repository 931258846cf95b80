"""The SageMaker-style service as real processes on loopback, called with a real HTTP client:
the contract path by path, good and bad payloads, concurrency, /opt/ml/model, the Dockerfile."""

import base64
import io
import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from showcase.core import datasets, detector, shapes, zoo
from showcase.core.settings import ROOT
from showcase.deploy import inference, rest_api, rest_service

pytestmark = pytest.mark.slow
DOCKERFILE = ROOT / "assets" / "deploy" / "rest_api" / "Dockerfile"


def png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def classifier():
    svc = rest_api.start_service("classifier", workers=2)
    yield svc
    svc.stop()
    assert svc.process.returncode is not None


@pytest.fixture(scope="module")
def detector_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("opt-ml-model")
    shutil.copyfile(detector.ONNX_PATH, folder / "model.onnx")
    return folder


@pytest.fixture(scope="module")
def detector_service(detector_dir):
    svc = rest_api.start_service("detector", workers=1, env={"SHOWCASE_MODEL_DIR": str(detector_dir)})
    yield svc
    svc.stop()


def post(svc, body, content_type="image/png", **headers):
    return httpx.post(f"{svc.url}/invocations", content=body, headers={"Content-Type": content_type, **headers}, timeout=30)


# --- the contract, path by path ------------------------------------------------------------------

def test_ping_is_200_with_the_model_once_loaded(classifier):
    answer = httpx.get(f"{classifier.url}/ping")
    assert answer.status_code == 200
    assert answer.json()["source"] == "bundled" and "Fashion-MNIST" in answer.json()["model"]


def test_invocations_answers_json_predictions_that_match_the_model_in_process(classifier):
    data = datasets.load_fashion_mnist()
    expected = zoo.logits_of(zoo.load_model("student"), data.x_test[:20]).argmax(1).numpy()
    got = []
    for image in data.x_test[:20]:
        answer = post(classifier, png(image))
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
        got.append(answer.json()["predictions"][0]["class_id"])
    assert got == expected.tolist()
    assert (np.array(got) == data.y_test[:20]).mean() >= 0.8  # the student's card says ~0.88


def test_json_payloads_base64_and_instances(classifier):
    data = datasets.load_fashion_mnist()
    answer = post(classifier, json.dumps({"image": base64.b64encode(png(data.x_test[1])).decode()}), "application/json")
    assert answer.status_code == 200
    batch = post(classifier, json.dumps({"instances": data.x_test[:3].tolist()}), "application/json; charset=utf-8")
    assert batch.status_code == 200 and len(batch.json()["predictions"]) == 3
    assert batch.json()["predictions"][1] == answer.json()["predictions"][0]


def test_execution_parameters_for_batch_transform(classifier):
    answer = httpx.get(f"{classifier.url}/execution-parameters").json()
    assert answer["MaxPayloadInMB"] == 6 and answer["BatchStrategy"] == "SINGLE_RECORD"


def test_unknown_paths_and_methods_are_4xx(classifier):
    assert httpx.get(f"{classifier.url}/invocations").status_code == 405
    assert httpx.post(f"{classifier.url}/predict", content=b"x").status_code == 404


# --- bad payloads: a clear 4xx, never a 5xx -----------------------------------------------------

@pytest.mark.parametrize("body, content_type, headers, status, words", [
    (b"", "image/png", {}, 400, "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"broken" * 50, "image/png", {}, 400, "Could not read"),
    (b"a,b\n1,2\n", "text/csv", {}, 415, "not supported"),
    (b"x", "", {}, 415, "not supported"),
    (b"{not json", "application/json", {}, 400, "not valid JSON"),
    (b'{"image": "%%%"}', "application/json", {}, 400, "base64"),
    (b'{"pixels": [1, 2]}', "application/json", {}, 422, "JSON must look like"),
    (b'{"instances": [[1, 2, 3]]}', "application/json", {}, 422, "28×28"),
    (b'{"instances": []}', "application/json", {}, 422, "1 to 64"),
    (png(np.zeros((28, 28), np.uint8)), "image/png", {"Accept": "text/csv"}, 406, "application/json only"),
    (png(np.zeros((3, 3), np.uint8)), "image/png", {}, 400, "at least"),
])
def test_bad_payloads_get_a_clear_4xx(classifier, body, content_type, headers, status, words):
    answer = post(classifier, body, content_type, **headers)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["error"]


def test_oversized_payloads_are_413_with_and_without_a_length(classifier):
    big = b"\0" * 7_000_000
    assert post(classifier, big).status_code == 413

    def chunks():
        for _ in range(7):
            yield b"\0" * 1_000_000

    answer = httpx.post(f"{classifier.url}/invocations", content=chunks(), headers={"Content-Type": "image/png"}, timeout=30)
    assert answer.status_code == 413 and "limit" in answer.json()["error"]
    assert post(classifier, png(np.zeros((28, 28), np.uint8))).status_code == 200  # and the next call works


def test_concurrent_requests_are_all_answered_by_both_workers(classifier):
    data = datasets.load_fashion_mnist()
    bodies = [png(x) for x in data.x_test[:32]]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda b: post(classifier, b), bodies))
    assert [a.status_code for a in answers] == [200] * 32
    # two workers: gunicorn's children, each of which start_service saw answer /ping. Which worker
    # the kernel hands a connection to is its choice: 20 pings could all reach one worker.
    workers = children(classifier.process.pid)
    assert len(workers) == 2, f"gunicorn should run two worker processes: {workers}"
    pids = {httpx.get(f"{classifier.url}/ping").json()["pid"] for _ in range(5)}
    assert pids <= workers, (pids, workers)


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:      # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_the_detector_is_read_from_the_model_dir(detector_service, detector_dir):
    ping = httpx.get(f"{detector_service.url}/ping").json()
    assert ping["source"] == str(detector_dir / "model.onnx")
    scene = shapes.generate(2_000_000, 320)
    answer = post(detector_service, png(scene.image))
    assert answer.status_code == 200
    found = answer.json()["predictions"][0]["detections"]
    assert len(found) >= len(scene.boxes) - 2 and {d["label"] for d in found} <= set(shapes.CLASSES)
    # the detector takes no instances: its JSON form is the base64 image only
    assert post(detector_service, b'{"instances": [[0]]}', "application/json").status_code == 422


def test_ping_is_503_while_loading_and_when_the_model_is_broken(tmp_path):
    from fastapi.testclient import TestClient

    (tmp_path / "model.onnx").write_bytes(b"not an onnx file")
    with TestClient(rest_service.create_app("detector", tmp_path)) as client:
        for _ in range(100):
            answer = client.get("/ping")
            if answer.json().get("status") == "failed":
                break
            assert answer.status_code == 503
        assert answer.status_code == 503 and "failed" == answer.json()["status"]
        assert client.post("/invocations", content=b"x", headers={"Content-Type": "image/png"}).status_code == 503


def test_serve_is_the_only_command():
    out = subprocess.run([sys.executable, "-m", "showcase.deploy.rest_service", "train"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "invalid choice" in out.stderr


# --- the container ----------------------------------------------------------------------------

def test_dockerfile_is_hadolint_clean_and_follows_the_contract():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    out = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    text = DOCKERFILE.read_text()
    assert re.search(r'^ENTRYPOINT \["python", "-m", "showcase.deploy.rest_service"\]$', text, re.M)  # exec form
    assert re.search(r'^CMD \["serve"\]$', text, re.M) and re.search(r"^USER 1000$", text, re.M)
    assert "EXPOSE 8080" in text and not re.search(r"\b(wget|curl|hf_hub_download|huggingface-cli)\b", text)
    for source in re.findall(r"^COPY (.+) \S+$", text, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), path


def test_the_container_pins_agree_with_requirements_txt():
    def pins(path):
        lines = (l.split("#")[0].strip() for l in path.read_text().splitlines())
        return dict(l.split("==") for l in lines if l)

    serving, app = pins(DOCKERFILE.parent / "requirements.txt"), pins(ROOT / "requirements.txt")
    assert serving and all(app.get(name) == version for name, version in serving.items()), serving


def test_the_served_classifier_is_the_zoo_student_exported():
    import hashlib

    card = json.loads(inference.CLASSIFIER_ONNX.with_suffix(".model_card.json").read_text())
    assert card["weights_sha256"] == hashlib.sha256(zoo.weights_path("student").read_bytes()).hexdigest(), \
        "the zoo student changed: run `python -m showcase.deploy.inference export-classifier`"
    assert card["same_predictions_as_pytorch"] == card["test_images"] == 10_000
    assert card["test_accuracy"] == zoo.model_card("student")["test_accuracy"]
    data = datasets.load_fashion_mnist()
    served = inference.load("classifier", Path("/nonexistent"))
    ours = [p["class_id"] for p in served.predict(list(data.x_test[:200]))]
    assert ours == zoo.logits_of(zoo.load_model("student"), data.x_test[:200]).argmax(1).tolist()


def test_zoo_safetensors_in_the_model_dir_are_served_with_torch(tmp_path):
    shutil.copyfile(zoo.weights_path("student"), tmp_path / "model.safetensors")
    served = inference.load("classifier", tmp_path)
    assert served.source == str(tmp_path / "model.safetensors")
    data = datasets.load_fashion_mnist()
    assert [p["class_id"] for p in served.predict(list(data.x_test[:20]))] == \
        zoo.logits_of(zoo.load_model("student"), data.x_test[:20]).argmax(1).tolist()
