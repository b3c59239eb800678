"""Real mail servers on loopback for the mail tests: Dovecot (IMAP) and aiosmtpd (SMTP).

Dovecot is Debian's ``dovecot-imapd`` (``.ci/run`` installs it), started here with a
config, a passwd-file user and a ``base_dir`` of its own in the test's folder — no system
config is read. Run as root (CI), its login and mail processes run as ``nobody`` (Dovecot
refuses root for both), so the mail folders live in a folder ``nobody`` owns. aiosmtpd is a
real RFC 5321 server; the handler here keeps every message it accepts, and can be told to
die in the middle of one. TLS uses a certificate authority made at test time.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import imaplib
import io
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
import yaml

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
USER, PASSWORD = "kcbx@example.org", "kcbx-test-authcode"  # a 授权码 is ASCII
ENV = "KCBX_TEST_MAIL_PASSWORD"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def mail(sender: str, *files: tuple[str, bytes], subject: str = "报表", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = USER
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.com")
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content("请查收本单位的报表。")
    for name, data in files:
        message.add_attachment(data, maintype=XLSX[0], subtype=XLSX[1], filename=name)
    return message


def with_comment(data: bytes, comment: bytes = b"draft") -> bytes:
    """The same workbook with another zip comment: other bytes, the same content (a draft)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        out.comment = comment
    return buf.getvalue()


def cut_sheet(data: bytes, part: str = "xl/worksheets/sheet3.xml") -> bytes:
    """The workbook with one data sheet cut in half: its 报送信息 still reads, the rest not."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            content = src.read(info)
            out.writestr(info, content[: len(content) // 2] if info.filename == part else content)
    return buf.getvalue()


def use_mailbox(root: Path, dovecot: Dovecot, smtp: Smtp | None, *, tls: bool = False, **extra) -> None:
    """Point a workspace's kcbx.yml at the test servers."""
    path = root / "kcbx.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["mail"] = {"imap": f"127.0.0.1:{dovecot.imaps if tls else dovecot.port}",
                    "smtp": f"127.0.0.1:{smtp.port if smtp else 1}", "user": USER,
                    "password_env": ENV, "tls": tls}
    data.update(extra)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def need_dovecot() -> str:
    if DOVECOT is None:
        pytest.skip("Dovecot is not installed (Debian package dovecot-imapd; .ci/run installs it): "
                    "the mail tests need a real IMAP server")
    return DOVECOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 15) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


# -- a certificate authority and a server certificate, made now --------------------------


@dataclass(frozen=True)
class Certificates:
    ca: Path  # what a client is told to trust (SSL_CERT_FILE)
    cert: Path
    key: Path


def make_certificates(folder: Path) -> Certificates:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kcbx test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(cert.public_bytes(pem))
    (folder / "server.key").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    return Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")


# -- Dovecot -------------------------------------------------------------------------------

_CONFIG = """\
base_dir = {run}
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 0
first_valid_gid = 0
disable_plaintext_auth = no
auth_mechanisms = plain login
{ssl}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {auth_user}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
"""


@dataclass
class Dovecot:
    """A Dovecot of the test's own: ``port`` plain/STARTTLS, ``imaps`` implicit TLS (with
    ``certificates``)."""

    folder: Path
    certificates: Certificates | None = None
    port: int = field(default_factory=free_port)
    imaps: int = 0
    _mail: Path | None = None
    _run: Path | None = None
    _process: subprocess.Popen | None = None

    def start(self) -> Dovecot:
        binary = need_dovecot()
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # Dovecot runs neither logins nor mail as root
            who = pwd.getpwnam("nobody")
            user, uid, gid, auth_user = who.pw_name, who.pw_uid, who.pw_gid, "root"
            group = _group_name(gid)
            if self._mail is None:
                self._mail = Path(tempfile.mkdtemp(prefix="kcbx-test-mail-"))
                os.chown(self._mail, uid, gid)
        else:
            user, uid, gid = pwd.getpwuid(os.geteuid()).pw_name, os.geteuid(), os.getegid()
            group, auth_user = _group_name(gid), user
            self._mail = self._mail or self.folder / "mail"
            self._mail.mkdir(exist_ok=True)
        if self._run is None:  # its sockets: a unix socket's path holds at most 107 bytes, and a
            # test's folder (pytest's basetemp, a worker's subfolder, a long test name) can be longer
            short = "/tmp" if os.path.isdir("/tmp") else None
            self._run = Path(tempfile.mkdtemp(prefix="kcbx-dc-", dir=short))
        if self.certificates is not None and not self.imaps:
            self.imaps = free_port()
        ssl_lines = (f"ssl = yes\nssl_cert = <{self.certificates.cert}\nssl_key = <{self.certificates.key}"
                     if self.certificates else "ssl = no")
        (self.folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
        (self.folder / "dovecot.conf").write_text(_CONFIG.format(
            folder=self.folder, run=self._run, user=user, group=group, uid=uid, gid=gid, mail=self._mail,
            auth_user=auth_user, ssl=ssl_lines, port=self.port, imaps=self.imaps or 0), encoding="utf-8")
        with (self.folder / "dovecot.out").open("ab") as out:  # -F: in the foreground, ours to stop
            self._process = subprocess.Popen([binary, "-F", "-c", str(self.folder / "dovecot.conf")],
                                             stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"Dovecot did not start: {self.log()[-2000:]}") from None
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
            self._process = None

    def remove(self) -> None:
        self.stop()
        if self._mail is not None and self._mail.parent == Path(tempfile.gettempdir()):
            shutil.rmtree(self._mail, ignore_errors=True)
        if self._run is not None:
            shutil.rmtree(self._run, ignore_errors=True)
            self._run = None

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port)
        conn.login(USER, PASSWORD)
        return conn

    def deliver(self, *messages: EmailMessage, folder: str = "INBOX",
                arrived: dt.datetime | None = None) -> None:
        """Put messages into the mailbox as a server delivering them would (IMAP APPEND);
        ``arrived``: their arrival time (INTERNALDATE), now by default."""
        when = None if arrived is None else imaplib.Time2Internaldate(arrived.timestamp())
        conn = self.connect()
        try:
            for message in messages:
                typ, data = conn.append(folder, None, when, message.as_bytes(policy=email.policy.SMTP))
                assert typ == "OK", data
        finally:
            conn.logout()

    def flags(self) -> dict[int, str]:
        """UID → the flags of each message in INBOX."""
        conn = self.connect()
        try:
            conn.select("INBOX")
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            out = {}
            for line in data:
                if isinstance(line, bytes) and b"UID" in line:
                    text = line.decode()
                    uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                    out[uid] = text.split("FLAGS (")[1].split(")")[0]
            return out
        finally:
            conn.logout()


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


# -- aiosmtpd ----------------------------------------------------------------------------


class Keeper:
    """An aiosmtpd handler that keeps every message it accepts (``received``). With
    ``die_at`` = n, it drops the connection in the middle of the n-th message (never
    answering it, never keeping it), as a server that is switched off mid-send; with
    ``drop_after`` = n, it keeps the n-th message and then drops the connection before
    answering (a crash after the final dot). ``refuse_data``: its reply to every message
    (a spam verdict, "554 …") until it is set back to None."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.over_tls: list[bool] = []  # each kept message: did it come over TLS
        self.die_at: int | None = None
        self.drop_after: int | None = None
        self.refuse_data: str | None = None
        self.died = False

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001 - aiosmtpd's hook
        if self.refuse_data is not None:
            return self.refuse_data
        if self.die_at is not None and len(self.received) + 1 == self.die_at:
            self.died = True
            server.transport.abort()
            return "421 4.3.2 shutting down"
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.over_tls.append(session.ssl is not None
                             or server.transport.get_extra_info("ssl_object") is not None)
        if self.drop_after is not None and len(self.received) == self.drop_after and not self.died:
            self.died = True
            server.transport.abort()  # kept, never answered
            return "421 4.3.2 shutting down"
        return "250 2.0.0 OK"


class _Authenticator:
    def __call__(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER \
            and auth_data.password.decode() == PASSWORD
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 235 or 535


@dataclass
class Smtp:
    """aiosmtpd on loopback: plain with AUTH (``tls=None``), implicit TLS (``"tls"``) or
    STARTTLS (``"starttls"``), with ``certificates``."""

    keeper: Keeper = field(default_factory=Keeper)
    port: int = field(default_factory=free_port)
    certificates: Certificates | None = None
    tls: str | None = None
    controller: object = None

    def start(self) -> Smtp:
        from aiosmtpd.controller import Controller

        kwargs: dict[str, object] = {"authenticator": _Authenticator(), "auth_require_tls": False}
        if self.tls:
            assert self.certificates is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.certificates.cert, self.certificates.key)
            if self.tls == "tls":
                kwargs["ssl_context"] = context
            else:
                kwargs.update(tls_context=context, require_starttls=True)
        controller = Controller(self.keeper, hostname="127.0.0.1", port=self.port, **kwargs)
        controller.start()
        self.controller = controller
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()  # type: ignore[attr-defined]
            self.controller = None
