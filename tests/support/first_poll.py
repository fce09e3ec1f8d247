"""`python -m tests.support.first_poll`: `frontdoor run` in this process, up to its first long poll,
against a Bot API stub served from a thread of the same process; at that getUpdates it prints the
modules imported so far (JSON) and the process ends.

Its environment names the library and the database (FRONTDOOR_TELEGRAM_LIBRARY,
FRONTDOOR_DATABASE_URL); the stub sets FRONTDOOR_TELEGRAM_API_URL itself. The stub is the standard
library's HTTP server, so that it adds none of the modules the caller looks for.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot import cli

ANSWERS: dict[str, Any] = {
    "getMe": {"id": 42, "is_bot": True, "first_name": "Frontdoor", "username": "frontdoor_test_bot"},
    "setMyCommands": True,
    "getWebhookInfo": {"url": "", "has_custom_certificate": False, "pending_update_count": 0},
    "deleteWebhook": True,
}


class BotApi(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        method = self.path.rsplit("/", 1)[-1]
        if method == "getUpdates":
            print(json.dumps(sorted(sys.modules)), flush=True)
            os._exit(0)  # at once: nothing the bot would import later is counted
        body = json.dumps({"ok": True, "result": ANSWERS[method]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the standard library's name)
        """Quiet: standard output carries the modules only."""


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BotApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ["FRONTDOOR_TELEGRAM_API_URL"] = f"http://127.0.0.1:{server.server_address[1]}"
    cli.main(["run"])


if __name__ == "__main__":
    main()
