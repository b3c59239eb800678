"""Calls to Google with bounded retries, and every failure as one Chinese message.

gspread 6.2.1's own ``BackOffHTTPClient`` retries without end on some errors, so kcbx
never enables it: :func:`with_retries` tries a call at most ``tries`` times, waiting
exponentially longer (with jitter) between tries on 429 / 5xx / network errors only.
The sleep and random functions are injected, so tests never wait for real.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import requests
from google.auth import exceptions as auth_errors
from gspread.exceptions import APIError

T = TypeVar("T")

TRIES = 5  # one call and four retries
BASE_DELAY = 1.0  # seconds before the first retry; doubled each time
MAX_DELAY = 32.0
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
DRIVE_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})

# What a person can do about each kind of failure (appended to the message).
AUTH_HELP = ("请换一个有效的凭据文件（--credentials 路径，或环境变量 KCBX_GOOGLE_CREDENTIALS，"
             "或配置项 sources.google.credentials）；OAuth 授权过期时重新运行 kcbx google login")


@dataclass
class Pacing:
    """How retries wait: injected in tests (``sleep`` records instead of sleeping)."""

    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random
    tries: int = TRIES
    waits: list[float] = field(default_factory=list)  # every wait made, for reports and tests


class GoogleFailure(Exception):
    """A Google call that failed for good. ``message`` is Chinese and says what to do.

    ``kind``: auth, permission, missing, quota, server, network, bad-range, storage, invalid.
    """

    def __init__(self, kind: str, message: str, status: int | None = None, detail: str = "",
                 what: str = ""):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.detail = detail  # Google's own (English) words, kept for the log
        self.what = what  # the object the message names

    def about(self, what: str) -> str:
        """The same message for another object (a failure that applies to every school)."""
        return self.message.replace(self.what, what) if self.what else self.message

    @property
    def everywhere(self) -> bool:
        """True when every later call would fail the same way (credentials, API disabled)."""
        return self.kind == "auth" or self.detail.startswith("SERVICE_DISABLED")


def with_retries(call: Callable[[], T], *, what: str, pacing: Pacing | None = None,
                 account: str | None = None) -> T:
    """Run ``call``; retry on 429 / 5xx / network errors at most ``pacing.tries`` times.

    ``what`` names the object in messages (“Google 表格 1AbC…”). Raises
    :class:`GoogleFailure` with a Chinese message when the call fails for good.
    """
    pacing = pacing or Pacing()
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - classified below, unknown ones re-raised
            failure = classify(exc, what=what, account=account, tries=attempt)
            if failure is None:
                raise
            failure.what = what
            if not _retryable(exc) or attempt >= pacing.tries:
                raise failure from None
            delay = _delay(exc, attempt, pacing)
            pacing.waits.append(delay)
            pacing.sleep(delay)


def _delay(exc: Exception, attempt: int, pacing: Pacing) -> float:
    """Exponential back-off with jitter, honouring a Retry-After the server sent."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1))
    delay = ceiling * (0.5 + 0.5 * pacing.random())
    after = _retry_after(exc)
    if after is not None:
        delay = min(MAX_DELAY, max(delay, after))
    return delay


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, APIError):
        code = _status(exc)
        if code in RETRY_STATUS:
            return True
        return code == 403 and bool(_reasons(exc) & DRIVE_RATE_REASONS)
    return isinstance(exc, (requests.ConnectionError, requests.Timeout,
                            auth_errors.TransportError))


def _status(exc: APIError) -> int:
    """The HTTP status: gspread reports -1 when Google's front end answered with HTML (502)."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else exc.code


def _reasons(exc: APIError) -> set[str]:
    errors = exc.error.get("errors") or []
    reasons = {e.get("reason", "") for e in errors if isinstance(e, dict)}
    for d in exc.error.get("details") or []:
        if isinstance(d, dict) and d.get("reason"):
            reasons.add(d["reason"])
    return reasons


def classify(exc: Exception, *, what: str, account: str | None = None,
             tries: int = 1) -> GoogleFailure | None:
    """A Google or network error as a :class:`GoogleFailure`; ``None`` for anything else."""
    again = f"（已重试 {tries} 次）" if tries > 1 else ""
    if isinstance(exc, auth_errors.RefreshError):
        return GoogleFailure("auth", f"Google 凭据已过期或被撤销，无法访问{what}。{AUTH_HELP}",
                             401, str(exc))
    if isinstance(exc, auth_errors.TransportError | requests.ConnectionError | requests.Timeout):
        return GoogleFailure("network", f"连不上 Google，无法访问{what}{again}：网络错误"
                             f"（{type(exc).__name__}）。请检查网络或代理设置后再试", None, str(exc))
    if isinstance(exc, requests.JSONDecodeError):
        return GoogleFailure("invalid", f"访问{what}时收到的不是 Google 的回答（可能被代理或网关拦截）。"
                             "请检查网络或代理设置后再试", None, str(exc))
    if isinstance(exc, auth_errors.GoogleAuthError):
        return GoogleFailure("auth", f"Google 凭据无法使用，无法访问{what}（{exc}）。{AUTH_HELP}",
                             None, str(exc))
    if not isinstance(exc, APIError):
        return None
    code = _status(exc)
    status = str(exc.error.get("status", ""))
    text = str(exc.error.get("message", ""))
    reasons = _reasons(exc)
    detail = f"{status or code}: {text}"
    if "SERVICE_DISABLED" in reasons or "accessNotConfigured" in reasons:
        return GoogleFailure("invalid", f"凭据所属的 Google Cloud 项目没有启用所需的 API，无法访问{what}。"
                             "请在 Google Cloud 控制台中启用 Google Sheets API 和 Google Drive API",
                             code, "SERVICE_DISABLED " + detail)
    if code == 401:
        return GoogleFailure("auth", f"Google 凭据已过期或无效（HTTP 401），无法访问{what}。{AUTH_HELP}",
                             code, detail)
    if code == 429 or (code == 403 and reasons & DRIVE_RATE_REASONS):
        return GoogleFailure("quota", f"访问{what}时 Google 接口请求过于频繁，超出配额"
                             f"（HTTP {code}）{again}。请过几分钟再运行；"
                             "如经常出现，可在 Google Cloud 控制台申请提高配额",
                             code, detail)
    if code == 403 and reasons & {"storageQuotaExceeded", "quotaExceeded"}:
        return GoogleFailure("storage", f"无法在 Google 云端硬盘中新建{what}：服务账号不能再拥有新文件"
                             "（Google 已取消服务账号的存储空间）。请改用 OAuth 用户授权"
                             "（运行 kcbx google login），或把 sources.google.folder 设为共享云端硬盘"
                             "（Shared Drive）中的文件夹，并把服务账号加为该共享云端硬盘的成员",
                             code, detail)
    if code == 403:
        who = f"“{account}”" if account else "kcbx 使用的 Google 账号"
        return GoogleFailure("permission", f"没有权限访问{what}（HTTP 403）。请在 Google 表格中点“共享”，"
                             f"把{who}加为编辑者；或核对表格编号是否属于本单位", code, detail)
    if code == 404:
        return GoogleFailure("missing", f"找不到{what}（HTTP 404）：可能已被删除，或 kcbx.yml 中"
                             "sources.google 的表格编号填错了。请核对编号"
                             "（网址中 /d/ 和 /edit 之间的一串字符）",
                             code, detail)
    if code == 400 and "Unable to parse range" in text:
        return GoogleFailure("bad-range", f"{what}中缺少要读取的工作表", code, detail)
    if code >= 500 or code in RETRY_STATUS:
        return GoogleFailure("server", f"Google 服务器暂时无法处理对{what}的请求（HTTP {code}）{again}。"
                             "请稍后再试", code, detail)
    return GoogleFailure("invalid", f"Google 拒绝了对{what}的请求（HTTP {code}：{text}）", code, detail)
