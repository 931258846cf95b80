"""The whole app launched in-process once per session, and a ``gradio_client`` on it."""

import re

import pytest

# pages.guard.guard gives a refusal (InputError) and a crash the same translated title ("Error", in
# the page's language), so they are told apart by the message: a crash's always ends with CRASHED;
# Gradio's own checks of sliders, choices and files say GRADIO_OWN; anything else is the backend's.
CRASHED = "the app keeps running."
GRADIO_OWN = re.compile(r"less than minimum|greater than maximum|not in the list of choices|Invalid file type|"
                        r"exceeds the maximum|is not a valid|Could not preprocess input component", re.IGNORECASE)


def refused_by(message: str) -> str:
    """Who refused a call, from its error message: "crash", "gradio" or "backend"."""
    message = message.strip()
    if message.endswith(CRASHED):
        return "crash"
    return "gradio" if GRADIO_OWN.search(message) else "backend"


@pytest.fixture(scope="session")
def app_url():
    import app
    from pages.launch import launch_kwargs

    app.demo.launch(prevent_thread_lock=True, server_port=None, quiet=True, **launch_kwargs())
    yield app.demo.local_url
    app.demo.close()


@pytest.fixture(scope="session")
def client(app_url):
    from pages.gradio_sessions import Client   # gradio_client's, without its stream-closing race (fix 9)

    # plain http on 127.0.0.1: nothing to verify, and verifying builds an SSL context per request
    return Client(app_url, verbose=False, ssl_verify=False)


@pytest.fixture()
def fails_clearly(client, monkeypatch):
    """``fails_clearly(api_name, *args, match=..., by=None)``: the call is refused with a readable
    message, and returns who refused it: ``"backend"`` (the project's InputError, through the
    page's guard) or ``"gradio"`` (Gradio's own checks of sliders, choices and file types);
    ``by=`` demands one. A crash that the guard wrapped ("Something went wrong") fails the test,
    and so does a test that ends without a good call to each endpoint it sent a bad call (one
    that computes: metrics saying ``cached`` fail it)."""
    from gradio_client.exceptions import AppError

    pending: list[str] = []
    predict = client.predict

    def predict_and_note(*args, api_name=None, **kwargs):
        result = predict(*args, api_name=api_name, **kwargs)
        if api_name in pending:   # the recovery call must compute, not answer from the backend's cache
            metrics = (result if isinstance(result, tuple) else (result,))[-1]
            assert not (isinstance(metrics, dict) and metrics.get("cached") is True), \
                f"{api_name}: the good call after a bad one was a cache hit; use arguments no other call uses"
        while api_name in pending:
            pending.remove(api_name)
        return result

    monkeypatch.setattr(client, "predict", predict_and_note)

    def check(api_name, *args, match: str, by: str | None = None) -> str:
        with pytest.raises(AppError, match=match) as caught:
            predict(*args, api_name=api_name)
        who = refused_by(str(caught.value))
        assert who != "crash", f"{api_name} crashed instead of refusing: {caught.value}"
        assert by in (None, who), f"{api_name}: refused by {who}, not {by}: {caught.value}"
        pending.append(api_name)
        return who

    yield check
    assert not pending, f"bad calls with no good call after them: {sorted(set(pending))}"


@pytest.fixture(scope="session")
def bad_files(tmp_path_factory):
    """Files that pass Gradio's own checks (a real PNG, CSV or WebM) and that the project's code
    must refuse: images of 1×1 and 20,000×20 px, a CSV of one row, a CSV whose column is text,
    and a WebM holding no frame."""
    import cv2
    from PIL import Image

    root = tmp_path_factory.mktemp("bad")
    files = {"png_1x1": root / "one_pixel.png", "png_20000x20": root / "strip.png",
             "csv_one_row": root / "one_row.csv", "csv_text": root / "text.csv", "video_no_frames": root / "no_frames.webm"}
    Image.new("RGB", (1, 1), (200, 30, 30)).save(files["png_1x1"])
    Image.new("RGB", (20_000, 20), (30, 200, 30)).save(files["png_20000x20"])
    files["csv_one_row"].write_text("x1,x2,y\n1.0,2.0,3.0\n")
    files["csv_text"].write_text("x1,colour,y\n" + "".join(f"{i},{'red' if i % 2 else 'blue'},{2 * i}\n" for i in range(30)))
    writer = cv2.VideoWriter(str(files["video_no_frames"]), cv2.VideoWriter_fourcc(*"VP80"), 12, (64, 64))
    writer.release()
    assert files["video_no_frames"].stat().st_size > 0
    return {name: str(path) for name, path in files.items()}


@pytest.fixture(scope="session")
def served_app(tmp_path_factory):
    """``python app.py`` in a process of its own, so that its RSS and its temp files are only the
    server's: every temp file under a fresh TMPDIR (Gradio's temp folder inside it), deleted
    once 10 s old (``SHOWCASE_TEMP_AGE_S``), and a fresh examples cache. Used by the load and
    leak checks (``benchmarks.load``, ``benchmarks.leaks``)."""
    from benchmarks import leaks, server

    root = tmp_path_factory.mktemp("served")
    env = {**leaks.temp_env(root / "tmp", 10), "GRADIO_EXAMPLES_CACHE": str(root / "examples")}
    app = server.start(env, log=root / "app.log")
    app.temp_at_start = server.folder_usage(app.temp)   # the examples' files Gradio keeps for good
    yield app
    server.stop(app)
