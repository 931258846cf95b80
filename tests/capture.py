"""A server on 127.0.0.1 that records every request it is sent: where a secret must not arrive.

    with Capture() as seen:             # seen.url = "http://127.0.0.1:<port>/v1"
        ...                             # point something at seen.url
    assert "sk-..." not in seen.text()  # every request line, header and body it received

It answers each request with OpenAI's 401, so an ``openai`` client gives up at once (no retry).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Capture:
    def __init__(self):
        self.requests: list[str] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                seen.append(f"{self.requestline}\n{self.headers}\n{body}")
                answer = json.dumps({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error",
                                               "param": None, "code": "invalid_api_key"}}).encode()
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _record

            def log_message(self, *args):   # quiet: the test reads ``requests``
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def text(self) -> str:
        return "\n".join(self.requests)

    def __enter__(self) -> Capture:
        threading.Thread(target=self.server.serve_forever, daemon=True, name="capture").start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
