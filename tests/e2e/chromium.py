"""A page opened in Debian's headless Chromium, driven over the DevTools protocol with aiohttp's
websocket client (no driver, nothing downloaded): what it logged as errors, and what a script
measured in it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import aiohttp

from tests.support import debian_packages

CHROMIUM = "/usr/bin/chromium"


def chromium_or_skip() -> str:
    """Chromium's path; absent, the test is skipped here and fails under CI (CI=true), where .ci/run installs it."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    found = shutil.which("chromium")
    if found:
        return found
    debian_packages.missing(
        "Debian's chromium is not installed: apt-get install -y --no-install-recommends chromium chromium-driver"
    )


@dataclass
class Tab:
    socket: aiohttp.ClientWebSocketResponse
    errors: list[str] = field(default_factory=list)
    _ids: count[int] = field(default_factory=lambda: count(1))
    _loaded: asyncio.Event = field(default_factory=asyncio.Event)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command and its result; events arriving meanwhile are noted."""
        call_id = next(self._ids)
        await self.socket.send_json({"id": call_id, "method": method, "params": params})
        while True:
            message = await self.socket.receive_json(timeout=60)
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self._note(message)

    def _note(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            self.errors.append(json.dumps(params["exceptionDetails"])[:500])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(json.dumps(params.get("args"))[:500])
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.errors.append(f"{params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Page.loadEventFired":
            self._loaded.set()

    async def open(self, path: Path, width: int) -> None:
        """Open `path` at a phone's width and wait for its load event (and what it logs meanwhile)."""
        for domain in ("Page", "Runtime", "Log"):
            await self.call(f"{domain}.enable")
        await self.call("Emulation.setDeviceMetricsOverride", width=width, height=800, deviceScaleFactor=2, mobile=True)
        self._loaded.clear()
        await self.call("Page.navigate", url=path.resolve().as_uri())
        while not self._loaded.is_set():
            self._note(await self.socket.receive_json(timeout=60))
        await self.call("Runtime.evaluate", expression="1", awaitPromise=True)  # what was logged at load is in

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(json.dumps(result["exceptionDetails"])[:500])
        return result["result"].get("value")


@asynccontextmanager
async def chromium_tab() -> AsyncIterator[Tab]:
    """A headless Chromium of its own (a fresh profile), and its first tab."""
    executable = chromium_or_skip()
    with tempfile.TemporaryDirectory(prefix="frontdoor-chromium-", ignore_cleanup_errors=True) as profile:
        process = await asyncio.create_subprocess_exec(
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={profile}",
            "about:blank", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            port = await _devtools_port(Path(profile))
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = await response.json()
                page = next(target for target in targets if target["type"] == "page")
                async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as socket:
                    yield Tab(socket)
        finally:
            process.terminate()
            await process.wait()


async def _devtools_port(profile: Path) -> int:
    """The port Chromium chose: the first line of DevToolsActivePort in its profile, once written."""
    marker = profile / "DevToolsActivePort"
    for _ in range(300):
        if marker.is_file() and marker.read_text().strip():
            return int(marker.read_text().splitlines()[0])
        await asyncio.sleep(0.1)
    raise TimeoutError("Chromium did not open its DevTools port within 30 seconds")
