"""Inputs and results in an object store (``s3://bucket/prefix``; ``gs://`` and ``az://`` through fsspec too).

A folder run treats a prefix as a folder: articles are listed under it in sorted order, and
results are written under the output prefix in the same layout as on disk. The store is
reached through fsspec, imported only when a URL is used; for S3 that is s3fs, which takes
the endpoint and credentials from the standard AWS variables (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, ...), so MinIO works too.

Object stores have no rename and no advisory locks, so two things differ from a local folder:

- every object is written whole by one request, so a reader sees the old result or the new
  one, never half of one; no temporary objects are left behind by a run that is killed;
- the lock is an object that its run keeps fresh (see :class:`ObjectLock`).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, NamedTuple

from .errors import OutputError
from .sources import SUFFIXES, InputRef, display_name, from_file_url

log = logging.getLogger("summarize_cli")

# Schemes that are web pages or local paths, read by sources.py, not object stores.
_WEB_SCHEMES = ("http", "https", "file")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_GLOB_CHARS = re.compile(r"[*?[]")
# The object stores whose URL alone names a bucket and a key, and the package each needs.
_EXTRAS = {
    "s3": "summarize-cli[s3]",
    "s3a": "summarize-cli[s3]",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
}
# The ones a message names; the others are their aliases.
_STORES_SHOWN = ("s3", "gs", "az")
# A run rewrites its lock object this often; a lock not rewritten for LOCK_STALE_S is taken
# over: its run was killed (or lost the network) and will not remove it. The margin is wide
# enough for clocks of different machines that disagree by a minute or two.
LOCK_REFRESH_S = 60.0
LOCK_STALE_S = 600.0


def is_object_url(raw: str) -> bool:
    """Whether a command-line input or output is an object-store URL (``s3://...``), not a path or a web page."""
    match = _SCHEME.match(raw)
    return match is not None and match.group(1).lower() not in _WEB_SCHEMES


def missing_support(url: str) -> str | None:
    """Why ``url``'s store cannot be used here (a package not installed, an unknown scheme), or None."""
    import fsspec

    protocol = url.split("://", 1)[0].lower()
    if protocol not in _EXTRAS:
        # fsspec knows ftp://, hdfs://, sftp://, ... too, but they want a host, a port or a Java
        # runtime passed in code, so a URL alone cannot open them.
        known = ", ".join(f"{name}://" for name in _STORES_SHOWN)
        return f"{protocol}:// is not a storage this tool reads; it reads local paths, http(s):// pages and {known}"
    try:
        fsspec.get_filesystem_class(protocol)
    except ImportError:
        return f"{protocol}:// needs an optional package: pip install '{_EXTRAS[protocol]}'"
    return None


def filesystem(protocol: str) -> Any:
    """The fsspec filesystem of ``protocol``; fsspec keeps one instance per set of options."""
    import fsspec

    options: dict[str, Any] = {}
    if protocol in ("s3", "s3a"):
        # Recent botocore reads these itself; passing them on works with older ones too.
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            options["endpoint_url"] = endpoint
    return fsspec.filesystem(protocol, **options)


def _client_errors() -> tuple[type[BaseException], ...]:
    """What a store's client library raises besides OSError: botocore's own errors, for S3."""
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:
        return ()
    return (BotoCoreError,)


def _in_words(exc: BaseException) -> OSError:
    """The OSError to raise for a client library's error, saying what happened and what to do."""
    from botocore.exceptions import (
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return PermissionError(
            errno.EACCES,
            "no credentials for the object store; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
        )
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        url = str(exc.kwargs.get("endpoint_url", ""))
        where = "/".join(url.split("/")[:3]) if "://" in url else "its endpoint"
        return ConnectionError(
            errno.ECONNREFUSED, f"could not connect to the object store at {where} (AWS_ENDPOINT_URL sets it)"
        )
    return OSError(errno.EIO, f"the object store failed: {exc}")


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn the store's client errors into OSErrors that say what happened, as a local disk's would be."""
    try:
        yield
    except _client_errors() as exc:
        raise _in_words(exc) from exc


class ObjectStat(NamedTuple):
    """The part of a file's status a folder run reads."""

    st_size: int


@dataclass(frozen=True)
class ObjectPath:
    """An object (or a prefix) in a store, with the few path operations a folder run needs.

    The key is kept as given, apart from a trailing ``/``: an object store has no ``..`` and
    no links, so a path is resolved as it is.
    """

    url: str

    @classmethod
    def parse(cls, raw: str) -> ObjectPath:
        """The path of a URL as typed: ``s3://bucket/prefix/`` is the prefix ``s3://bucket/prefix``."""
        scheme, _, rest = raw.partition("://")
        return cls(f"{scheme.lower()}://{rest.rstrip('/')}")

    def __str__(self) -> str:
        return self.url

    @property
    def protocol(self) -> str:
        """The scheme: ``s3``, ``gs``, ``memory``..."""
        return self.url.split("://", 1)[0]

    @property
    def key(self) -> str:
        """The path fsspec takes: ``bucket/prefix/name`` for S3."""
        return self.url.split("://", 1)[1]

    @property
    def name(self) -> str:
        """The last part of the key."""
        return PurePosixPath(self.key).name

    @property
    def suffix(self) -> str:
        """The name's extension, with its dot."""
        return PurePosixPath(self.key).suffix

    @property
    def parent(self) -> ObjectPath:
        """The prefix this object is in."""
        return ObjectPath(f"{self.protocol}://{PurePosixPath(self.key).parent}")

    def __truediv__(self, other: PurePath | str) -> ObjectPath:
        return ObjectPath(f"{self.url}/{PurePosixPath(other).as_posix()}")

    def with_name(self, name: str) -> ObjectPath:
        """This path with another last part."""
        return self.parent / name

    def resolve(self) -> ObjectPath:
        """The path itself: keys have no links and no ``..`` to resolve."""
        return self

    def is_relative_to(self, other: ObjectPath | PurePath) -> bool:
        """Whether this path is ``other`` or lies under it; never under a local path."""
        if not isinstance(other, ObjectPath):
            return False
        return self.url == other.url or self.url.startswith(other.url + "/")

    def relative_to(self, other: ObjectPath) -> PurePosixPath:
        """The part of the key below ``other``."""
        if not self.is_relative_to(other):
            raise ValueError(f"{self} is not under {other}")
        return PurePosixPath(self.url[len(other.url) :].lstrip("/") or ".")

    @property
    def fs(self) -> Any:
        """The filesystem that holds this path."""
        return filesystem(self.protocol)

    def stat(self) -> ObjectStat:
        """The object's size; FileNotFoundError when there is none."""
        with store_errors():
            return ObjectStat(int(self.fs.info(self.key)["size"]))

    def read_bytes(self) -> bytes:
        """The whole object."""
        with store_errors():
            data: bytes = self.fs.cat_file(self.key)
        return data

    def read_text(self, encoding: str = "utf-8") -> str:
        """The whole object, decoded."""
        return self.read_bytes().decode(encoding)

    def write_bytes(self, data: bytes) -> None:
        """Replace the object with ``data`` in one request: readers see the old object or the new one."""
        with store_errors():
            self.fs.pipe_file(self.key, data)

    def unlink(self, missing_ok: bool = False) -> None:
        """Remove the object."""
        try:
            with store_errors():
                self.fs.rm_file(self.key)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def is_object(self) -> bool:
        """Whether an object (not just a prefix) has this key."""
        with store_errors():
            return bool(self.fs.isfile(self.key))


Location = Path | ObjectPath


def location(raw: str) -> Location:
    """A local path, or an object-store path for a URL."""
    return ObjectPath.parse(raw) if is_object_url(raw) else Path(from_file_url(raw))


def is_inside(path: Location, root: Location) -> bool:
    """Whether ``path`` is ``root`` or below it; a local path is never inside an object store, nor back."""
    if isinstance(path, ObjectPath) or isinstance(root, ObjectPath):
        return isinstance(path, ObjectPath) and isinstance(root, ObjectPath) and path.is_relative_to(root)
    return path.is_relative_to(root)


# --- inputs ------------------------------------------------------------------------------------


def expand_objects(raw: str) -> list[InputRef]:
    """The articles a URL names: one object, every article under a prefix, or those a pattern matches.

    Listed articles come in sorted order, hidden names (``.name``) skipped, as in a local
    folder; a URL that names nothing is kept, so that reading it reports the error.
    """
    given = ObjectPath.parse(raw)
    try:
        with store_errors():
            return _listed(given)
    except OSError as exc:
        return [InputRef(display_name(given.url), remote=given, problem=f"cannot be listed: {exc.strerror or exc}")]


def _listed(given: ObjectPath) -> list[InputRef]:
    fs = given.fs
    fs.invalidate_cache()  # a listing fsspec kept from earlier in this process may be out of date
    if _GLOB_CHARS.search(given.key):
        parts = PurePosixPath(given.key).parts
        fixed = next((i for i, part in enumerate(parts) if _GLOB_CHARS.search(part)), len(parts))
        root = ObjectPath(f"{given.protocol}://{PurePosixPath(*parts[:fixed])}")
        keys = [str(k) for k in fs.glob(given.key) if fs.isfile(k)]
    elif given.is_object():
        return [InputRef(display_name(given.url), remote=given)]
    else:
        root = given
        keys = [str(k) for k in fs.find(given.key)]
    refs = []
    for key in keys:
        path = ObjectPath(f"{given.protocol}://{key.lstrip('/')}")
        rel = path.relative_to(root) if path.is_relative_to(root) else PurePosixPath(path.name)
        if path.suffix.lower() in SUFFIXES and not any(part.startswith(".") for part in rel.parts):
            refs.append(InputRef(display_name(path.url), remote=path, remote_root=root))
    if not refs:
        problem = "matches no article files" if root is not given else None
        return [InputRef(display_name(given.url), remote=given, problem=problem)]
    return sorted(refs, key=lambda ref: ref.remote.key.split("/") if ref.remote is not None else [])


def read_object(path: ObjectPath, max_bytes: int | None) -> tuple[int, bytes | None]:
    """The object's size and, unless it is over ``max_bytes`` (checked first, so a huge object costs nothing), its bytes."""
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        return size, None
    return size, path.read_bytes()


# --- the output prefix ---------------------------------------------------------------------------


def check_object_writable(out: ObjectPath) -> None:
    """Fail before any work when results could not be kept: no bucket, no write access."""
    probe = out / f".summarize-cli-probe-{uuid.uuid4().hex}.tmp"
    try:
        probe.write_bytes(b"")
        probe.unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write to {out}: {exc.strerror or exc}") from None


class ObjectLock:
    """One run at a time per output prefix, by a lock object that names its run and is kept fresh.

    An object store has no advisory lock that the system releases when a process dies, so the
    lock object is rewritten every ``refresh`` seconds while the run goes on, removed when it
    ends, and taken over when it has not been rewritten for ``stale`` seconds: a run that was
    killed blocks the next one for that long at most. Two runs started within the same moment
    may both think they hold it (no compare-and-swap is used, for portability across stores);
    the later writer wins the lock object and the earlier one, reading it back, gives up.
    """

    def __init__(
        self,
        path: ObjectPath,
        *,
        refresh: float = LOCK_REFRESH_S,
        stale: float = LOCK_STALE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.refresh = refresh
        self.stale = stale
        self.clock = clock
        self.owner = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _holder(self) -> dict[str, Any] | None:
        try:
            record = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except ValueError:  # a lock object that is not ours to read: treat as stale
            return None
        return record if isinstance(record, dict) else None

    def _write(self) -> None:
        record = {
            "owner": self.owner,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "heartbeat": self.clock(),
        }
        self.path.write_bytes((json.dumps(record) + "\n").encode())

    def _refuse(self, holder: dict[str, Any]) -> OutputError:
        age = max(0.0, self.clock() - float(holder.get("heartbeat", 0)))
        return OutputError(
            f"another summarize-cli run (PID {holder.get('pid', 'unknown')} on {holder.get('host', 'unknown')}) "
            f"is writing to {self.path.parent}; wait for it to finish, or stop it, then run again "
            f"(a lock not renewed for {self.stale / 60:.0f} minutes is taken over; this one was renewed "
            f"{age:.0f} s ago)"
        )

    def acquire(self) -> None:
        """Take the lock, or raise :class:`OutputError` naming the run that holds it."""
        try:
            holder = self._holder()
            if holder is not None and self.clock() - float(holder.get("heartbeat", 0)) < self.stale:
                raise self._refuse(holder)
            self._write()
            holder = self._holder()
        except OSError as exc:
            raise OutputError(f"cannot write to {self.path.parent}: {exc.strerror or exc}") from None
        if holder is not None and holder.get("owner") != self.owner:
            raise self._refuse(holder)
        self._stop.clear()
        self._thread = threading.Thread(target=self._renew, name="summarize-cli-lock", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.refresh):
            try:
                self._write()
            except OSError as exc:  # the store is away for a moment: the next renewal may get through
                log.warning("could not renew the lock %s: %s", self.path, exc)

    def release(self) -> None:
        """Stop renewing the lock and remove it, if it is still ours."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        try:
            holder = self._holder()
            if holder is not None and holder.get("owner") == self.owner:
                self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the lock %s: %s", self.path, exc)

    def __enter__(self) -> ObjectLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
