"""The bureau's mailbox (``mail:`` in kcbx.yml): its settings, and connections to it.

One place knows how kcbx talks to a mail server: IMAP for reading what schools send
(``sources.mail``), SMTP for sending their feedback (``outputs.mail``). Both use the
standard library (``imaplib``, ``smtplib``) over TLS by default — STARTTLS on the ports
made for it (143, 25, 587), implicit TLS on any other (IMAPS 993 and SMTPS 465, the
defaults) — and log in with the password
(or the 授权码 QQ/163 give for it) read from the environment variable ``password_env``
names, never from a file. ``tls: false`` is refused for a server that is neither this
machine nor the local network: the password would cross the internet in clear.

Certificates are checked against the system's store; a server with a certificate of the
office's own is trusted by naming that certificate in ``SSL_CERT_FILE`` (OpenSSL's own
setting, which Python's default context reads).
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import os
import re
import smtplib
import socket
import ssl
import unicodedata
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import parseaddr
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import __version__
from .errors import KcbxError

T = TypeVar("T")
TIMEOUT = 60  # seconds for one server reply (a large attachment is many replies)
IMAPS_PORT, IMAP_PORT = 993, 143
SMTPS_PORT, SMTP_PORT = 465, 25
STARTTLS_PORTS = {143, 25, 587}  # plain first, then STARTTLS; implicit TLS on any other
_HOST = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[^:\s\[\]]+)(?::(?P<port>[0-9]{1,5}))?$")
_SEPARATORS = re.compile(r"[;,、；，\s]+")
# an unquoted ASCII local part (RFC 5322 dot-atom) at a domain of ASCII labels
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                            r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


class MailError(KcbxError):
    """The mailbox cannot be used as configured (a setting, the password, a refusal)."""


class MailServerDown(MailError):
    """The server could not be reached or dropped the connection: try again later."""


class _StartTLSRefused(Exception):
    """The server on a STARTTLS port offers no STARTTLS: a setting to fix, never plain text."""


class MailSettings(BaseModel):
    """``mail:`` — the bureau's 报送邮箱 that schools send their workbooks to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    imap: str = Field(description="收信服务器（IMAP）地址，可带端口，如 imap.qq.com 或 imap.qq.com:993")
    smtp: str = Field(description="发信服务器（SMTP）地址，可带端口，如 smtp.qq.com 或 smtp.qq.com:465")
    user: str = Field(description="报送邮箱的地址（登录名），如 kcbx@example.com")
    password_env: str = Field(description=(
        "存放邮箱密码或授权码的环境变量名，如 KCBX_MAIL_PASSWORD；"
        "密码不写在任何文件中，Windows 上用“setx KCBX_MAIL_PASSWORD 授权码”设置一次"))
    folder: str = Field("INBOX", description="读取哪个邮件文件夹（默认收件箱 INBOX）")
    tls: bool = Field(True, description=(
        "加密连接（默认 true：143、25、587 端口用 STARTTLS，其他端口如 993、465 直接加密）；"
        "false 只允许本机或局域网内的邮件服务器"))

    @field_validator("imap", "smtp")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        value = value.strip()
        match = _HOST.match(value)
        if not match or (match["port"] and not 0 < int(match["port"]) < 65536):
            raise ValueError(f"“{value}”不是“服务器地址”或“服务器地址:端口”，如 imap.qq.com:993")
        return value

    @field_validator("user")
    @classmethod
    def _user(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError(f"“{value}”不是邮箱地址，如 kcbx@example.com")
        if parseaddr(value)[1] != value.strip():  # "区教育局 <kcbx@…>": the login is the address alone
            raise ValueError(f"“{value}”除了邮箱地址还有别的文字：只写邮箱地址本身，如 {parseaddr(value)[1]}")
        if not value.strip().isascii():  # imaplib and smtplib log in in ASCII only
            raise ValueError(f"“{value}”含有汉字或全角字符：kcbx 只能用英文字母、数字和符号组成的邮箱地址"
                             "登录，请改用这个邮箱的英文地址（或服务商给的英文别名）")
        return value.strip()

    @field_validator("password_env")
    @classmethod
    def _variable(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value.strip()):
            raise ValueError(f"“{value}”不是环境变量名（字母、数字、下划线），如 KCBX_MAIL_PASSWORD")
        return value.strip()


def addresses(text: str | None) -> list[str]:
    """The mail addresses in a 报送邮箱 cell (separated by ; , 、 or spaces), lower case,
    each once, in order; what is no address is left out. Full-width letters typed with a
    Chinese input method (ｑｓｘｘ＠163.com) are read as the address meant; an address still
    not ASCII is no address (a mail server without SMTPUTF8 refuses the whole send)."""
    found: list[str] = []
    for part in _SEPARATORS.split(unicodedata.normalize("NFKC", text or "")):
        address = parseaddr(part)[1].strip().lower()
        if "@" in address and address.isascii() and address not in found:
            found.append(address)
    return found


def sender(message: EmailMessage) -> str:
    """The sender's bare address, lower case, read from the structured From field of
    ``message`` (parsed with ``email.policy.default``) — or '' unless there is exactly one
    From field holding exactly one plain ASCII address and nothing malformed.

    A mail program shows the address a mail really came from; a From built to be read
    otherwise (an address as the display name before another one, an encoded word that
    decodes to an address, text after the ``<address>``, a look-alike letter that lower-cases
    to an ASCII one) must not pass for a registered 报送邮箱."""
    fields = message.get_all("From") or []
    if len(fields) != 1:
        return ""
    field = fields[0]
    found = getattr(field, "addresses", ())
    if getattr(field, "defects", ()) or len(found) != 1:
        return ""
    address = found[0].addr_spec
    return address.lower() if _PLAIN_ADDRESS.fullmatch(address) else ""


def endpoint(value: str, tls: bool, tls_port: int, plain_port: int) -> tuple[str, int, str]:
    """(host, port, how) for ``HOST[:PORT]``: without a port, the protocol's TLS port (its
    plain one when ``tls`` is off); ``how`` is "tls" (implicit), "starttls" or "plain"."""
    match = _HOST.match(value)
    if match is None:  # checked when the config was read
        raise MailError(f"邮件服务器地址“{value}”无法识别")
    host = match["host"].strip("[]")
    port = int(match["port"]) if match["port"] else (tls_port if tls else plain_port)
    return host, port, ("starttls" if port in STARTTLS_PORTS else "tls") if tls else "plain"


def password(settings: MailSettings) -> str:
    value = os.environ.get(settings.password_env, "")
    if not value:
        raise MailError(
            f"没有找到邮箱密码：环境变量 {settings.password_env} 没有设置（配置项 mail.password_env）。"
            f"Windows 上在命令提示符中运行一次“setx {settings.password_env} 授权码”后重新打开窗口；"
            f"Linux 上“export {settings.password_env}=授权码”。QQ邮箱、163 邮箱要用邮箱设置里生成的授权码，"
            "不是登录密码")
    return value


def check_plain_allowed(host: str, port: int) -> None:
    """``tls: false`` only to this machine or the local network (else the password would
    travel the internet in clear)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise MailServerDown(f"找不到邮件服务器 {host}（{exc}）") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not (address.is_loopback or address.is_private or address.is_link_local):
            raise MailError(f"邮件服务器 {host}（{address}）不在本机或局域网：不能用 tls: false 连接，"
                            "否则密码会以明文经过互联网。请删去 mail.tls: false")


def tls_context() -> ssl.SSLContext:
    """The system's certificate store (and ``SSL_CERT_FILE`` when set), hostnames checked."""
    return ssl.create_default_context()


def said(exc: BaseException) -> str:
    """What an error says, a server's reply decoded (imaplib and smtplib give it as bytes)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    parts = [a.decode(errors="replace") if isinstance(a, bytes) else str(a) for a in exc.args]
    return " ".join(p for p in parts if p) or type(exc).__name__


def _down(what: str, host: str, port: int, exc: BaseException) -> MailServerDown:
    return MailServerDown(f"连不上{what} {host}:{port}（{said(exc)}），稍后再试")


_PORTS = ("加密的端口是收信 993、发信 465（直接加密），或 143、587（先连接再加密，STARTTLS）；"
          "只有本机或局域网内不加密的服务器才设 mail.tls: false")


@contextlib.contextmanager
def _connected(what: str, key: str, host: str, port: int,
               errors: tuple[type[BaseException], ...]) -> Iterator[None]:
    """Connection failures as Chinese errors: an untrusted certificate, a port that speaks
    no TLS or offers no STARTTLS are settings to fix (``kcbx mail watch`` stops); anything
    else is a server to try again later."""
    try:
        yield
    except ssl.SSLCertVerificationError as exc:
        raise MailError(f"{what} {host}:{port} 的证书无法验证（{exc.verify_message}）：请核对 {key} 的地址；"
                        "单位自建的服务器请把它的证书文件告诉 kcbx（环境变量 SSL_CERT_FILE）") from None
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError) as exc:  # cut off mid-way
        raise _down(what, host, port, exc) from None
    except ssl.SSLError as exc:  # what answered is no TLS (a plain port)
        raise MailError(f"{what} {host}:{port} 不是加密连接（TLS）的端口（{exc.reason or said(exc)}）："
                        f"请核对 {key} 的端口。{_PORTS}") from None
    except _StartTLSRefused as exc:
        raise MailError(f"{what} {host}:{port} 不支持先连接再加密（STARTTLS：{exc}），密码不能加密发送："
                        f"请核对 {key} 的端口。{_PORTS}") from None
    except errors as exc:
        raise _down(what, host, port, exc) from None


def _not_ascii(settings: MailSettings) -> MailError:
    """A login that cannot be sent: imaplib and smtplib send the user and password in ASCII."""
    if not settings.user.isascii():
        return MailError(f"报送邮箱地址 {settings.user}（配置项 mail.user）含有汉字或全角字符，无法登录："
                         "请改用这个邮箱的英文地址")
    return MailError(f"环境变量 {settings.password_env} 中的密码含有汉字或全角字符：邮箱的密码或"
                     "授权码只有英文字母和数字，请重新复制")


def _server(settings: MailSettings, value: str, tls_port: int, plain_port: int) -> tuple[str, int, str, str]:
    """(host, port, how, password) of one server; a plain connection only nearby."""
    host, port, how = endpoint(value, settings.tls, tls_port, plain_port)
    secret = password(settings)
    if how == "plain":
        check_plain_allowed(host, port)
    return host, port, how, secret


def _open(how: str, secure: Callable[[], T], plain: Callable[[], T], upgrade: Callable[[T], object]) -> T:
    """A connection: TLS from the start, or plain and then STARTTLS (or left plain)."""
    if how == "tls":
        return secure()
    conn = plain()
    if how == "starttls":
        upgrade(conn)
    return conn


def _imap_starttls(conn: imaplib.IMAP4) -> None:
    try:
        if "STARTTLS" not in conn.capabilities:  # imaplib would say so as a lost connection
            raise imaplib.IMAP4.error("TLS not supported by server")
        conn.starttls(ssl_context=tls_context())
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:  # not offered, or refused
        with contextlib.suppress(OSError):
            conn.shutdown()
        raise _StartTLSRefused(said(exc)) from None


def _smtp_starttls(conn: smtplib.SMTP) -> None:
    try:
        conn.starttls(context=tls_context())
    except smtplib.SMTPNotSupportedError as exc:  # no STARTTLS in its EHLO
        with contextlib.suppress(OSError):
            conn.close()
        raise _StartTLSRefused(said(exc)) from None


@contextlib.contextmanager
def imap(settings: MailSettings) -> Iterator[imaplib.IMAP4]:
    """A logged-in IMAP connection (the folder not yet selected); logged out at the end."""
    host, port, how, secret = _server(settings, settings.imap, IMAPS_PORT, IMAP_PORT)
    with _connected("收信服务器", "mail.imap", host, port, (OSError, imaplib.IMAP4.error)):
        conn = _open(how, lambda: imaplib.IMAP4_SSL(host, port, ssl_context=tls_context(), timeout=TIMEOUT),
                     lambda: imaplib.IMAP4(host, port, timeout=TIMEOUT), _imap_starttls)
    try:
        try:
            conn.login(settings.user, secret)
        except UnicodeEncodeError:
            raise _not_ascii(settings) from None
        except imaplib.IMAP4.abort as exc:
            raise _down("收信服务器", host, port, exc) from None
        except imaplib.IMAP4.error as exc:
            raise MailError(f"收信服务器拒绝登录 {settings.user}（{said(exc)}）：请核对 mail.user 和环境变量 "
                            f"{settings.password_env} 中的密码或授权码，并确认邮箱已开启 IMAP 服务") from None
        if "ID" in conn.capabilities:  # RFC 2971: 163/126 refuse a client that does not say who it is
            with contextlib.suppress(imaplib.IMAP4.error):
                conn.xatom("ID", f'("name" "kcbx" "version" "{__version__}")')
        yield conn
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()


@contextlib.contextmanager
def smtp(settings: MailSettings) -> Iterator[smtplib.SMTP]:
    """A logged-in SMTP connection; closed at the end."""
    host, port, how, secret = _server(settings, settings.smtp, SMTPS_PORT, SMTP_PORT)
    with _connected("发信服务器", "mail.smtp", host, port, (OSError, smtplib.SMTPException)):
        conn = _open(how, lambda: smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=tls_context()),
                     lambda: smtplib.SMTP(host, port, timeout=TIMEOUT), _smtp_starttls)
    try:
        try:
            conn.login(settings.user, secret)
        except UnicodeEncodeError:
            raise _not_ascii(settings) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"发信服务器拒绝登录 {settings.user}（{said(exc)}）：请核对 mail.user 和环境变量 "
                            f"{settings.password_env} 中的密码或授权码，并确认邮箱已开启 SMTP 服务") from None
        except smtplib.SMTPNotSupportedError:
            raise MailError(f"发信服务器 {host}:{port} 不接受登录（没有 AUTH）：请核对 mail.smtp 的地址和"
                            f"端口。{_PORTS}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _down("发信服务器", host, port, exc) from None
        yield conn
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            conn.quit()
