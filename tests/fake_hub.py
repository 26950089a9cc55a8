"""A stand-in for the Hugging Face Hub on 127.0.0.1: serves local model folders over the Hub's HTTP API.

It answers the calls huggingface_hub makes to list and download a repository (model info,
file tree, HEAD and GET on ``resolve`` URLs, ranges of a file) and counts the file downloads,
so tests can show that a second pull fetches nothing. Weights are served as the Hub serves
LFS files (their sha256 as ETag and in the file list), other files with git's blob hash as
ETag. It can stall in the middle of a file, as a connection that hangs does, close the
connection in the middle of every answer, as a flaky network does, and ignore ranges, as some
proxies do. With ``cdn`` set, weights are served as the real Hub serves them: the Hub answers
302 to a signed address on another host (a second server here), which may let each signature
expire after a number of requests.

Beside it, endpoints that fail the way a network does: a closed port, a server that accepts
and never answers, a server that answers one HTTP status to everything.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse


@dataclass
class FakeHub:
    repos: dict[str, Path]
    downloads: list[str] = field(default_factory=list)
    url: str = ""
    # The Range header of every file request, or "" without one.
    ranges: list[str] = field(default_factory=list)
    # File name -> bytes sent before the answer stalls (until ``release`` is set).
    stall_after: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    honour_ranges: bool = True
    # File name -> bytes of every answer sent before the connection is closed, as a flaky network does.
    drop_after: dict[str, int] = field(default_factory=dict)
    # Weights redirected to the CDN server at ``cdn_url``, which records each request's Authorization
    # header ("" without one) and refuses a signature after ``signature_uses`` requests (HTTP 403).
    # Connections dropped with a reset (RST) rather than closed, as a broken link or a firewall does.
    reset: bool = False
    # The Authorization header of every request to the Hub itself ("" without one).
    auth: list[str] = field(default_factory=list)
    cdn: bool = False
    cdn_url: str = ""
    cdn_auth: list[str] = field(default_factory=list)
    signature_uses: int | None = None
    signatures: dict[str, int] = field(default_factory=dict)

    def commit(self, repo: str) -> str:
        files = sorted(p.name for p in self.repos[repo].iterdir() if p.is_file())
        return hashlib.sha1(f"{repo}:{files}".encode()).hexdigest()


def _is_lfs(path: Path) -> bool:
    return path.suffix in (".safetensors", ".bin")


def etag(path: Path) -> str:
    """The ETag the Hub gives a file: the sha256 of an LFS file, git's blob hash of any other."""
    data = path.read_bytes()
    if _is_lfs(path):
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()


def _lfs(path: Path) -> dict[str, object]:
    if not _is_lfs(path):
        return {}
    return {"lfs": {"size": path.stat().st_size, "sha256": etag(path), "pointerSize": 134}}


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _json(self, payload: object) -> None:
            body = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _missing(self, code: str) -> None:
            self.send_response(404)
            self.send_header("X-Error-Code", code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _route(self, send_body: bool) -> None:
            path = unquote(urlparse(self.path).path)
            hub.auth.append(self.headers.get("Authorization", ""))
            for repo, folder in hub.repos.items():
                files = sorted(p for p in folder.iterdir() if p.is_file())
                commit = hub.commit(repo)
                if path in (
                    f"/api/models/{repo}",
                    f"/api/models/{repo}/revision/main",
                    f"/api/models/{repo}/revision/{commit}",
                ):
                    siblings = [{"rfilename": p.name, "size": p.stat().st_size, **_lfs(p)} for p in files]
                    return self._json({"id": repo, "modelId": repo, "sha": commit, "siblings": siblings})
                if path.startswith(f"/api/models/{repo}/tree/"):
                    return self._json(
                        [
                            {
                                "type": "file",
                                "path": p.name,
                                "size": p.stat().st_size,
                                "oid": hashlib.sha1(p.read_bytes()).hexdigest(),
                            }
                            for p in files
                        ]
                    )
                if path.startswith((f"/api/models/{repo}/", f"/{repo}/")):
                    known = [f"/{repo}/resolve/{rev}/" for rev in ("main", commit)]
                    if not any(path.startswith(k) and (folder / path[len(k) :]).is_file() for k in known):
                        return self._missing("EntryNotFound")
                for revision in ("main", commit):
                    prefix = f"/{repo}/resolve/{revision}/"
                    if path.startswith(prefix) and (folder / path[len(prefix) :]).is_file():
                        name = path[len(prefix) :]
                        if hub.cdn and _is_lfs(folder / name):
                            return self._redirect(repo, folder / name, commit)
                        data = (folder / name).read_bytes()
                        start = self._range_start() if send_body and hub.honour_ranges else 0
                        self.send_response(206 if start else 200)
                        self.send_header("X-Repo-Commit", commit)
                        self.send_header("ETag", f'"{etag(folder / name)}"')
                        self.send_header("Content-Length", str(len(data) - start))
                        if start:
                            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                        self.end_headers()
                        if send_body:
                            hub.downloads.append(f"{repo}/{name}")
                            hub.ranges.append(self.headers.get("Range", ""))
                            if name in hub.drop_after:
                                self.wfile.write(data[start:][: hub.drop_after[name]])
                                _drop(self, hub.reset)
                                return None
                            self._send(data[start:], hub.stall_after.get(name))
                        return None
            return self._missing("RepoNotFound")

        def _redirect(self, repo: str, file: Path, commit: str) -> None:
            signature = f"{len(hub.signatures)}"
            hub.signatures[signature] = 0
            self.send_response(302)
            self.send_header("X-Repo-Commit", commit)
            self.send_header("X-Linked-Etag", f'"{etag(file)}"')
            self.send_header("X-Linked-Size", str(file.stat().st_size))
            self.send_header("ETag", f'W/"{hashlib.sha1(file.name.encode()).hexdigest()}"')  # the pointer's
            self.send_header("Location", f"{hub.cdn_url}/{repo}/{file.name}?signature={signature}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _range_start(self) -> int:
            value = self.headers.get("Range", "")
            if value.startswith("bytes=") and value.endswith("-"):
                return int(value[len("bytes=") : -1])
            return 0

        def _send(self, data: bytes, stall_after: int | None) -> None:
            if stall_after is None or hub.release.is_set():
                self.wfile.write(data)
                return
            self.wfile.write(data[:stall_after])
            self.wfile.flush()
            hub.release.wait(60)  # the client gives up, or is interrupted, long before

        def do_GET(self) -> None:
            self._route(send_body=True)

        def do_HEAD(self) -> None:
            self._route(send_body=False)

    return Handler


def _cdn_handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    """The host a weights file is redirected to: plain files by signed address, ranges honoured."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            repo_and_name, signature = unquote(parsed.path).lstrip("/"), parsed.query.partition("=")[2]
            repo, _, name = repo_and_name.rpartition("/")
            hub.cdn_auth.append(self.headers.get("Authorization", ""))
            uses = hub.signatures.get(signature)
            if uses is None or (hub.signature_uses is not None and uses >= hub.signature_uses):
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            hub.signatures[signature] = uses + 1
            data = (hub.repos[repo] / name).read_bytes()
            start = int(self.headers.get("Range", "bytes=0-")[len("bytes=") : -1] or 0)
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(data) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            hub.downloads.append(f"{repo}/{name}")
            hub.ranges.append(self.headers.get("Range", ""))
            if name in hub.drop_after:
                self.wfile.write(data[start:][: hub.drop_after[name]])
                _drop(self, hub.reset)
            else:
                self.wfile.write(data[start:])

    return Handler


def _drop(handler: BaseHTTPRequestHandler, reset: bool) -> None:
    """End the connection in the middle of an answer: closed, or with ``reset``, reset (RST)."""
    handler.close_connection = True
    if reset:
        handler.wfile.flush()
        time.sleep(0.3)  # the client reads what was sent: a reset throws away what it has not read
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Closed here, before the server's own graceful shutdown (a FIN) can run; the files hold it open.
        handler.rfile.close()
        handler.wfile.close()
        handler.connection.close()


@contextmanager
def serve(repos: dict[str, Path]) -> Iterator[FakeHub]:
    hub = FakeHub(repos)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    cdn = ThreadingHTTPServer(("127.0.0.1", 0), _cdn_handler(hub))
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    hub.cdn_url = f"http://127.0.0.1:{cdn.server_address[1]}"
    for each in (server, cdn):
        threading.Thread(target=each.serve_forever, daemon=True).start()
    try:
        yield hub
    finally:
        for each in (server, cdn):
            each.shutdown()
            each.server_close()


def closed_port() -> str:
    """The URL of a port nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextmanager
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers; yields its URL."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        server.close()


@contextmanager
def status_server(*statuses: int) -> Iterator[str]:
    """A server that answers with an empty body and ``statuses`` in turn, the last one from then on;
    yields its URL."""
    pending = list(statuses)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self) -> None:
            self.send_response(pending.pop(0) if len(pending) > 1 else pending[0])
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
