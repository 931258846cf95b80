"""The whole app launched in-process once per session, and a ``gradio_client`` on it."""

import pytest


@pytest.fixture(scope="session")
def app_url():
    import app
    from pages.common import launch_kwargs

    app.demo.launch(prevent_thread_lock=True, server_port=None, quiet=True, **launch_kwargs())
    yield app.demo.local_url
    app.demo.close()


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client

    # plain http on 127.0.0.1: nothing to verify, and verifying builds an SSL context per request
    return Client(app_url, verbose=False, ssl_verify=False)


@pytest.fixture()
def fails_clearly(client):
    """``fails_clearly(api_name, *args, match=...)``: the call fails with a readable message."""
    from gradio_client.exceptions import AppError

    def check(api_name, *args, match: str):
        with pytest.raises(AppError, match=match):
            client.predict(*args, api_name=api_name)

    return check
