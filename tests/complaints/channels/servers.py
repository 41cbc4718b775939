"""Real servers for the channel tests: Debian's dovecot (IMAP) with a config of our own, and a local
HTTP stand-in for the WeChat API and the team-chat robots (no other host is reachable from tests)."""

import grp
import json
import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    folder: Path
    process: subprocess.Popen | None = None

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _ids() -> tuple[str, str, int, int]:
    """Login and internal users, and the mail owner: ourselves, or dovecot's own users when run as root."""
    if os.getuid() != 0:
        me = pwd.getpwuid(os.getuid()).pw_name
        return me, me, os.getuid(), os.getgid()
    login = "dovenull" if _user_exists("dovenull") else "nobody"
    internal = "dovecot" if _user_exists("dovecot") else "nobody"
    owner = pwd.getpwnam(internal)
    return login, internal, owner.pw_uid, owner.pw_gid


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def dovecot_available() -> bool:
    return os.path.exists(DOVECOT)


def start_dovecot(
    folder: Path, *, user: str = "frontoffice@sha.example", password: str = "mailbox-secret"
) -> Dovecot:
    """Start dovecot in the foreground on a free port, plaintext IMAP on 127.0.0.1 only, mail in `folder`."""
    port = free_port()
    login_user, internal_user, uid, gid = _ids()
    for sub in ("run", "state", "mail"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "passwd").write_text(f"{user}:{{PLAIN}}{password}::::::\n")
    config = folder / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{folder}/mail/%u
first_valid_uid = {min(uid, 100) if uid else 1}
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {grp.getgrgid(gid).gr_name}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={folder}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
    )
    if os.getuid() == 0:
        for path in (folder, folder / "mail", folder / "state", folder / "passwd"):
            os.chown(path, uid, gid)
        os.chmod(folder, 0o755)
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    server = Dovecot("127.0.0.1", port, user, password, folder, process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {process.returncode}:\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return server
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"dovecot did not answer on port {port}:\n{server.log()}")


def stop_dovecot(server: Dovecot) -> None:
    if server.process and server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()


def require_dovecot() -> None:
    """Skip where dovecot is missing, except where IMAP_REQUIRED is set (CI): there it is a failure."""
    if dovecot_available():
        return
    message = "dovecot is not installed (apt-get install dovecot-imapd); .ci/run installs it"
    if os.environ.get("IMAP_REQUIRED"):
        pytest.fail(message)
    pytest.skip(message)


# --- a local HTTP stand-in for the WeChat API and the robots ---------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class StandIn:
    """Answers by path: `answers[path] = (status, content_type, body)`; records every request."""

    port: int = 0
    answers: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def of(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]


def start_stand_in() -> StandIn:
    stand_in = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            stand_in.requests.append(Recorded(self.command, parts.path, parse_qs(parts.query), body))
            status, kind, payload = stand_in.answers.get(
                parts.path, (200, "application/json", b'{"errcode": 0, "errmsg": "ok"}')
            )
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.server, stand_in.port = server, server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stand_in
