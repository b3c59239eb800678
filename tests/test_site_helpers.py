"""Helpers for the site tests (no tests here): a workspace with a sample public package, and
headless Chromium driven through its DevTools protocol over a pipe (no websocket library,
no downloaded browser: Debian's ``chromium``)."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import openpyxl

from kcbx.config import Config, load_config
from kcbx.outputs.site import write_sample_public

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--remote-debugging-pipe", "--window-size=1280,1000"]


def make_site_workspace(root: Path, *, units: int = 9, months: int = 3, forms: bool = True,
                        district: str = "示例区") -> Config:
    """A workspace folder with kcbx.yml, a sample public package and (optionally) a form
    template, as ``kcbx report`` and ``kcbx forms`` would leave them."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "kcbx.yml").write_text(f"district: {district}\n", encoding="utf-8")
    config = load_config(root)
    write_sample_public(config.outputs_path / "public", units=units, months=months)
    if forms:
        folder = root / "forms" / "templates"
        folder.mkdir(parents=True)
        book = openpyxl.Workbook()
        book.active.title = "报送信息"
        book.active.append(["单位代码", "报送月份", "填报人"])
        book.save(folder / "空白模板.xlsx")
    return config


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """Headless Chromium with ``--remote-debugging-pipe``: JSON messages, NUL-separated, on
    file descriptors 3 (to the browser) and 4 (from it)."""

    def __init__(self, profile: Path):
        exe = chromium_path()
        if exe is None:
            raise RuntimeError("chromium not found")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()

        def child_fds() -> None:
            a = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            close_fds=False, preexec_fn=child_fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._out = to_browser_w
        self._in = from_browser_r
        self._buffer = b""
        self._id = 0
        self.search_state = ""
        target = self.call("Target.createTarget", {"url": "about:blank"})
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target["targetId"], "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)

    def call(self, method: str, params: dict[str, Any] | None = None, *,
             session: bool = False, timeout: float = 30) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._receive()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
        raise TimeoutError(method)

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        return None

    def open(self, url: str) -> None:
        # Mark the page we leave: "complete" must come from the new page, not the old one.
        self.evaluate("window.__kcbxLeaving = true")
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'"
                      " && !window.__kcbxLeaving")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def search(self, words: str) -> list[str]:
        """Type into Material's search box like a person; the pages found, best first."""
        self.wait_for("typeof document$ !== 'undefined'")  # Material's script has started
        query = "[...document.querySelectorAll('.md-search-result__item > a')].map(a => a.href)"
        links: list[str] = []
        for attempt in range(8):  # the worker may still be loading the index on a busy machine
            self.evaluate("(() => { const i = document.querySelector('input.md-search__input');"
                          " i.value = ''; i.dispatchEvent(new Event('input')); i.focus(); })()")
            time.sleep(0.5 * attempt)
            self.call("Input.insertText", {"text": words}, session=True)
            links = self.wait_for(query, timeout=10) or []
            if links:
                break
        for _ in range(20):  # until the list stops changing
            time.sleep(0.2)
            again = self.evaluate(query) or []
            if again == links:
                break
            links = again
        self.search_state = self.evaluate(
            "(document.querySelector('.md-search-result__meta') || {}).textContent || ''")
        pages: list[str] = []
        for link in links:
            page = link.split("?")[0].split("#")[0]
            if page not in pages:
                pages.append(page)
        return pages

    def glyphs(self, selector: str) -> dict[str, Any]:
        """Draw the first Han characters of ``selector``'s text in its computed font on a
        canvas: real glyphs differ from each other and from the missing-glyph box (U+E000)."""
        return self.evaluate("""(() => {
          const el = document.querySelector(__SELECTOR__);
          if (!el) return null;
          const family = getComputedStyle(el).fontFamily;
          const canvas = document.createElement('canvas');
          canvas.width = 64; canvas.height = 64;
          const g = canvas.getContext('2d');
          const draw = ch => {
            g.clearRect(0, 0, 64, 64); g.fillStyle = '#000'; g.font = '48px ' + family;
            g.fillText(ch, 4, 52);
            const d = g.getImageData(0, 0, 64, 64).data;
            let hash = 0, ink = 0;
            for (let i = 3; i < d.length; i += 4) { if (d[i]) { ink++; hash = (hash * 31 + i * d[i]) | 0; } }
            return {hash, ink};
          };
          const chars = Array.from(el.textContent).filter(c => /\\p{Script=Han}/u.test(c)).slice(0, 6);
          const tofu = draw('\\uE000');
          const drawn = chars.map(draw);
          return {text: el.textContent.trim(), family, chars,
                  distinct: new Set(drawn.map(x => x.hash)).size,
                  inked: drawn.filter(x => x.ink > 20).length,
                  tofu: drawn.filter(x => x.hash === tofu.hash && x.ink === tofu.ink).length};
        })()""".replace("__SELECTOR__", json.dumps(selector)))

    def close(self) -> None:
        with contextlib.suppress(OSError, EOFError, RuntimeError, TimeoutError):
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._out)
        os.close(self._in)
