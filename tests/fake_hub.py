"""A stand-in for the Hugging Face Hub on 127.0.0.1: serves local model folders over the Hub's HTTP API.

It answers the calls huggingface_hub makes to list and download a repository (model info,
file tree, HEAD and GET on ``resolve`` URLs) and counts the file downloads, so tests can
show that a second pull fetches nothing.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
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

    def commit(self, repo: str) -> str:
        files = sorted(p.name for p in self.repos[repo].iterdir() if p.is_file())
        return hashlib.sha1(f"{repo}:{files}".encode()).hexdigest()


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
            for repo, folder in hub.repos.items():
                files = sorted(p for p in folder.iterdir() if p.is_file())
                commit = hub.commit(repo)
                if path in (
                    f"/api/models/{repo}",
                    f"/api/models/{repo}/revision/main",
                    f"/api/models/{repo}/revision/{commit}",
                ):
                    return self._json(
                        {"id": repo, "modelId": repo, "sha": commit, "siblings": [{"rfilename": p.name} for p in files]}
                    )
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
                        data = (folder / path[len(prefix) :]).read_bytes()
                        self.send_response(200)
                        self.send_header("X-Repo-Commit", commit)
                        self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        if send_body:
                            hub.downloads.append(f"{repo}/{path[len(prefix) :]}")
                            self.wfile.write(data)
                        return None
            return self._missing("RepoNotFound")

        def do_GET(self) -> None:
            self._route(send_body=True)

        def do_HEAD(self) -> None:
            self._route(send_body=False)

    return Handler


@contextmanager
def serve(repos: dict[str, Path]) -> Iterator[FakeHub]:
    hub = FakeHub(repos)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
