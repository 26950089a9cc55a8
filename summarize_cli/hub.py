"""The Hugging Face Hub as this tool talks to it: bounded waits, and one clear message when it fails.

huggingface_hub retries a failed request up to five times with growing pauses, and waits up to
a minute for an answer, so an unreachable Hub used to cost minutes and a screen of retry
lines. Here every request gets short timeouts, and once a host has failed twice in a row the
rest of the run stops asking it (huggingface_hub then falls back to its cache, as when offline).
Whatever went wrong is turned into words and advice in one place, :func:`download_error`.

huggingface_hub and httpx2 are imported here; import this module lazily.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import httpx2
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from .errors import ModelUnavailableError
from .types import ModelSpec
from .units import format_bytes

# A Hub that has not accepted a connection within this long is not going to.
CONNECT_SECONDS = 5.0
# Longest wait for the next bytes of an answer; HF_HUB_DOWNLOAD_TIMEOUT raises it for slow links.
READ_SECONDS = 8.0
# Failed requests in a row to one host before the run stops asking it: one retry, then give up.
TRIES = 2
# Answers that say "not now" rather than "no": huggingface_hub retries these too.
_RETRIED_STATUS = (408, 429, 500, 502, 503, 504)
# What fetching from the Hub raises: httpx2's errors, huggingface_hub's (OSErrors), a full disk.
ERRORS = (httpx2.HTTPError, OSError, ValueError)
# Downloaded bytes are written in pieces of this size; a dropped connection loses the piece in hand.
CHUNK_BYTES = 1 << 20
# Tries in a row that bring no new byte before a download gives up (huggingface_hub's own number).
STALLED_TRIES = 6
# Pause before asking again after a try that brought nothing.
STALLED_PAUSE_SECONDS = 1.0
# What a connection that drops in the middle of a file raises (a reset is a ReadError, a NetworkError).
_DROPPED = (httpx2.NetworkError, httpx2.TimeoutException, httpx2.RemoteProtocolError)
# What a CDN answers to a signed address that has expired, which a long download can outlive.
_EXPIRED_STATUS = (401, 403, 410)
# The Hub's own hosts, to which the user's token may go; a redirect elsewhere (a CDN) never gets it.
_HUB_ENDPOINTS = ("https://huggingface.co", "https://hf.co")
# What writing into the cache raises when this user may not, or a path in it is of the wrong kind.
_UNWRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS, errno.EISDIR, errno.ENOTDIR)

log = logging.getLogger("summarize_cli")


@dataclass
class Failure:
    """The last failure of requests to one host, and how many failed in a row."""

    host: str
    cause: str
    retryable: bool
    tries: int = 1
    status: int | None = None


class HubGaveUp(OfflineModeIsEnabled):
    """Raised instead of asking a host that already failed: huggingface_hub treats it as being offline."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"gave up on {failure.host} after {failure.tries} failed requests: {failure.cause}")
        self.failure = failure


class DownloadError(ModelUnavailableError):
    """A Hub model could not be fetched; the message says which, why, and what to do."""

    def __init__(self, spec: ModelSpec, cause: str, advice: list[str]) -> None:
        super().__init__("\n".join([f"could not download {describe_model(spec)}: {cause}", *advice]))
        self.spec = spec
        self.cause = cause
        self.advice = advice


_failures: dict[str, Failure] = {}
_lock = threading.Lock()
_prepared = False


def _host(url: httpx2.URL) -> str:
    return f"{url.host}:{url.port}" if url.port else str(url.host)


def _read_limit() -> float:
    """READ_SECONDS, or more where the user asked for more through huggingface_hub's own settings."""
    asked = [os.environ.get(name, "") for name in ("HF_HUB_DOWNLOAD_TIMEOUT", "HF_HUB_ETAG_TIMEOUT")]
    return max([READ_SECONDS, *(float(v) for v in asked if v.replace(".", "", 1).isdigit())])


class BoundedClient(httpx2.Client):
    """huggingface_hub's HTTP client with timeouts capped and a memory of hosts that failed."""

    def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        """Send ``request``, or refuse at once when its host has failed TRIES times in a row."""
        host = _host(request.url)
        with _lock:
            failure = _failures.get(host)
        if failure is not None and failure.tries >= TRIES:
            raise HubGaveUp(failure)
        read = _read_limit()
        asked = request.extensions.get("timeout") or {}
        request.extensions["timeout"] = {
            "connect": min(asked.get("connect") or CONNECT_SECONDS, CONNECT_SECONDS),
            "read": min(asked.get("read") or read, read),
            "write": min(asked.get("write") or read, read),
            "pool": min(asked.get("pool") or read, read),
        }
        try:
            response = super().send(request, **kwargs)
        except httpx2.TransportError as exc:
            _record(host, describe_cause(exc, host), retryable=True)
            raise
        if response.status_code in _RETRIED_STATUS:
            _record(host, _status_cause(response.status_code, host), retryable=True, status=response.status_code)
        else:
            with _lock:
                _failures.pop(host, None)
        return response


def _record(host: str, cause: str, retryable: bool, status: int | None = None) -> None:
    with _lock:
        previous = _failures.get(host)
        tries = previous.tries + 1 if previous is not None else 1
        _failures[host] = Failure(host, cause, retryable, tries, status)


def forget_failures() -> None:
    """Let the next request to every host through again (a new run in the same process)."""
    with _lock:
        _failures.clear()


def prepare() -> None:
    """Make huggingface_hub's requests bounded and its retry chatter silent; idempotent.

    huggingface_hub logs each retry as a warning; those lines are folded into the one error
    message a failure ends with. With --verbose they stay.
    """
    global _prepared
    from huggingface_hub import get_session, set_client_factory
    from huggingface_hub.utils import logging as hub_logging

    if not log.isEnabledFor(logging.DEBUG):
        hub_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    if _prepared:
        return
    # huggingface_hub's own hooks: they enforce HF_HUB_OFFLINE and tag requests.
    hooks = get_session().event_hooks
    set_client_factory(lambda: BoundedClient(event_hooks=hooks, follow_redirects=True, timeout=None))
    _prepared = True


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it was raised from or while handling, each once."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _status_cause(status: int, host: str) -> str:
    if status in (401, 403):
        return f"{host} refused access (HTTP {status}): the model is gated or private, or the token is not valid"
    if status == 404:
        return f"{host} has no such model or revision (HTTP 404)"
    if status == 407:
        return "the proxy asks for credentials (HTTP 407); put them in HTTPS_PROXY as http://user:password@host:port"
    if status == 429:
        return f"{host} is limiting how often this machine may ask (HTTP 429, too many requests)"
    if status >= 500:
        return f"{host} has a server problem (HTTP {status})"
    return f"{host} answered HTTP {status}"


def _names(exc: BaseException) -> str:
    return " ".join(str(e) for e in _chain(exc)).lower()


def describe_cause(exc: BaseException, host: str = "the Hub") -> str:
    """What went wrong, in words, from anything a download raised."""
    chain = list(_chain(exc))
    for e in chain:
        if isinstance(e, HubGaveUp):
            tries = (
                f" ({e.failure.tries} requests failed this way in this run, so no more were made)"
                if e.failure.tries > 1
                else ""
            )
            return e.failure.cause + tries
    for e in chain:
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            return f"the disk is full ({e.filename or _cache_dir()})"
    blocked = _unwritable(chain)
    if blocked is not None:
        return f"cannot write to the cache ({os.strerror(blocked.errno or 0).lower()}: {blocked.filename})"
    for e in chain:
        if isinstance(e, GatedRepoError):
            return "the model is gated: its page on the Hub asks you to accept its conditions and log in"
        if isinstance(e, RevisionNotFoundError):
            return "the Hub has no such revision of the model (HTTP 404)"
        if isinstance(e, RepositoryNotFoundError):
            status = e.response.status_code
            return f"the Hub has no such model, or it is private (HTTP {status})"
        if isinstance(e, HfHubHTTPError):
            return _status_cause(e.response.status_code, host)
    for e in chain:
        if isinstance(e, json.JSONDecodeError):
            # What a captive portal or a filtering proxy does: a web page where the Hub's data should be.
            return f"{host} answered, but not as the Hub does (a web page, perhaps a proxy's or a network's login page)"
    text = _names(exc)
    proxy = _proxy()
    for e in chain:
        if isinstance(e, httpx2.ProxyError) or ("proxy" in text and isinstance(e, httpx2.TransportError)):
            return f"the proxy failed: {e}"
    for e in chain:
        if isinstance(e, ssl.SSLError) or _TLS_TEXT.search(text):
            return f"the secure (TLS) connection to {host} failed: {_first_line(e)}"
    for e in chain:
        if isinstance(e, socket.gaierror) or any(
            s in text for s in ("name or service not known", "name resolution", "nodename nor servname", "getaddrinfo")
        ):
            if proxy is not None:  # the only name this machine looks up is the proxy's
                return f"the name of the proxy in {proxy[0]} ({proxy[1]}) could not be resolved (DNS failure)"
            return f"the name {host.rsplit(':', 1)[0]} could not be resolved (DNS failure: no network, or no DNS)"
    for e in chain:
        if isinstance(e, ConnectionRefusedError) or "connection refused" in text:
            if proxy is not None:  # the only machine this one connects to is the proxy
                return f"the proxy in {proxy[0]} ({proxy[1]}) refused the connection"
            return f"{host} refused the connection"
    for e in chain:
        if isinstance(e, httpx2.TimeoutException | TimeoutError | socket.timeout):
            return f"{host} did not answer in time (waited {_read_limit():.0f} s)"
    for e in chain:
        if isinstance(e, OfflineModeIsEnabled):
            return "the run is offline (--offline or HF_HUB_OFFLINE=1) and the model is not in the cache"
    for e in chain:
        if isinstance(e, httpx2.TransportError):
            return f"the connection to {host} failed: {_first_line(e)}"
    return _first_line(exc)


def _unwritable(chain: list[BaseException]) -> OSError | None:
    """The error that says a path in the cache cannot be written, if that is what went wrong."""
    for e in chain:
        if isinstance(e, OSError) and e.errno in _UNWRITABLE and e.filename:
            return e
    return None


# How TLS failures read when they come wrapped in another error; a bare "ssl" may be in a name.
_TLS_TEXT = re.compile(r"certificate|\[ssl|ssl:|sslerror|\btls\b|handshake")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _cache_dir() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def endpoint() -> str:
    """The Hub this process talks to: https://huggingface.co, or the mirror in HF_ENDPOINT."""
    from huggingface_hub import constants

    return str(constants.ENDPOINT)


def describe_model(spec: ModelSpec) -> str:
    """'the summary model sshleifer/distilbart-cnn-12-6', and the like."""
    if spec.role == "summary":
        return f"the summary model '{spec.model}'"
    if spec.role == "pivot":
        return f"the {spec.language}→en model '{spec.model}'"
    return f"the en→{spec.language} model '{spec.model}'"


def config_key(spec: ModelSpec) -> str:
    """Where ``spec`` is set in models.toml."""
    if spec.role == "summary":
        return "[summarizer]"
    return f"[translation.{'pivot' if spec.role == 'pivot' else 'models'}.{spec.language}]"


def _advice(spec: ModelSpec, chain: list[BaseException]) -> list[str]:
    local = (
        f'or download the model folder yourself and set model = "/path/to/it" under {config_key(spec)} in models.toml'
    )
    copy = (
        "or run `summarize-cli models pull` on a connected machine and copy its Hugging Face cache "
        f"({Path(_cache_dir()).parent}, set by HF_HOME) to this one"
    )
    statuses = [e.response.status_code for e in chain if isinstance(e, HfHubHTTPError)]
    gave_up = [e.failure for e in chain if isinstance(e, HubGaveUp)]
    status = statuses[0] if statuses else gave_up[0].status if gave_up else None
    if any(isinstance(e, OSError) and e.errno == errno.ENOSPC for e in chain):
        return [f"free some space there, or point HF_HOME at a larger disk (the cache is {_cache_dir()})"]
    blocked = _unwritable(chain)
    if blocked is not None:
        leftover = str(blocked.filename).endswith(".incomplete") and os.path.lexists(blocked.filename)
        return [
            ("remove it (an earlier download left it), or " if leftover else "")
            + f"let this user write there, or point HF_HOME at a folder this user can write (the cache is {_cache_dir()})"
        ]
    if any(isinstance(e, RepositoryNotFoundError | RevisionNotFoundError) for e in chain) or status in (
        401,
        403,
        404,
    ):
        return [
            f"check the model id (and revision) under {config_key(spec)} in models.toml; for a gated or private "
            "model, accept its conditions on its Hub page and log in (`hf auth login`, or set HF_TOKEN)",
            local,
        ]
    if status == 429:
        return ["wait a few minutes and try again; logged-in users (HF_TOKEN) may ask more often", copy]
    if any(isinstance(e, OfflineModeIsEnabled) and not isinstance(e, HubGaveUp) for e in chain):
        return ["fetch it first with `summarize-cli models pull` while online", local]
    if any(isinstance(e, ssl.SSLError) for e in chain) or "certificate" in _names(chain[0]):
        return [
            "a network that inspects HTTPS needs its certificate authority: set SSL_CERT_FILE to its bundle",
            copy,
        ]
    proxy = _proxy()
    network = (
        f"check the proxy in {proxy[0]} (or unset it)" if proxy else "behind a proxy, set HTTPS_PROXY=http://host:port"
    )
    return [f"{network}; to use a mirror of the Hub instead of {endpoint()}, set HF_ENDPOINT", copy, local]


def _proxy() -> tuple[str, str] | None:
    """The variable naming the proxy requests to the Hub go through, and its value; None without one."""
    import urllib.request

    url = httpx2.URL(endpoint())
    scheme = url.scheme
    if urllib.request.proxy_bypass(str(url.host)):  # NO_PROXY names the Hub or its mirror
        return None
    for name in (f"{scheme}_proxy".upper(), f"{scheme}_proxy", "ALL_PROXY", "all_proxy"):
        if os.environ.get(name):
            return name, os.environ[name]
    return None


def _proxy_note(cause: str) -> str:
    """Which proxy requests go through, when one is set and ``cause`` does not name it already."""
    proxy = _proxy()
    return f" (through the proxy {proxy[0]}={proxy[1]})" if proxy and proxy[1] not in cause else ""


def download_error(spec: ModelSpec, exc: BaseException) -> DownloadError:
    """The error to raise when fetching ``spec`` raised ``exc``: which model, why in words, what to do."""
    url = httpx2.URL(endpoint())
    host = f"{url.host}:{url.port}" if url.port else str(url.host)
    cause = describe_cause(exc, host)
    chain = list(_chain(exc))
    local = _unwritable(chain) is not None or any(isinstance(e, OSError) and e.errno == errno.ENOSPC for e in chain)
    if not local and (
        not any(isinstance(e, HfHubHTTPError | OfflineModeIsEnabled) for e in chain)
        or any(isinstance(e, HubGaveUp) for e in chain)
    ):
        cause += _proxy_note(cause)
    return DownloadError(spec, cause, _advice(spec, chain))


def is_network_error(exc: BaseException) -> bool:
    """Whether ``exc`` came from talking to the Hub, rather than from a model that is broken."""
    from huggingface_hub.errors import LocalEntryNotFoundError

    return any(
        isinstance(
            e,
            httpx2.HTTPError
            | HfHubHTTPError
            | OfflineModeIsEnabled
            | LocalEntryNotFoundError
            | ssl.SSLError
            | socket.gaierror,
        )
        or (isinstance(e, OSError) and e.errno == errno.ENOSPC)
        for e in _chain(exc)
    )


def partial_path(cache_dir: Path, repo: str, etag: str) -> Path:
    """Where the bytes of a download of ``etag`` that did not finish are kept, in the model's blob folder."""
    from huggingface_hub.file_download import repo_folder_name

    return cache_dir / repo_folder_name(repo_id=repo, repo_type="model") / "blobs" / f"{etag}.incomplete"


def fetch_file(
    repo: str, filename: str, revision: str | None, cache_dir: Path | None = None, endpoint: str | None = None
) -> Path:
    """Download one file of a Hub model into the cache, resuming where an earlier try stopped.

    huggingface_hub (2.x) downloads into a temporary file unique to the process and deletes it
    when interrupted, so after Ctrl-C a large weights file used to start again from its first
    byte. Here the bytes go to ``blobs/<etag>.incomplete``, which stays when the download is
    stopped; the next try asks for the rest with an HTTP Range request, as does this one when
    the connection drops. A file joined from pieces is checked against its hash (sha256 for
    weights, git's blob hash for small files) before it enters the cache, and started again
    from the beginning if it does not match. Downloads are
    plain HTTP, so every Hub file, Xet-stored or not, can be resumed. The user's token goes to
    the Hub's own hosts only, never to the CDN that weights are redirected to (as
    huggingface_hub does), and a CDN address whose signature expires during a long download is
    asked for again. huggingface_hub then
    links the finished blob into its snapshot folder and records the revision's commit, as it
    does for its own downloads. Returns the file's path in the snapshot.
    """
    from huggingface_hub import constants, get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.file_download import repo_folder_name

    cache = Path(cache_dir or constants.HF_HUB_CACHE)
    url = hf_hub_url(repo, filename, revision=revision, endpoint=endpoint)
    meta = get_hf_file_metadata(url)
    if meta.etag is None or meta.location is None:
        raise ValueError(f"the Hub sent no identity (ETag) for {filename}")

    def relocate() -> str:
        """Where the file is now: the CDN address the Hub gave is signed, and its signature expires."""
        fresh = get_hf_file_metadata(url)
        if fresh.etag != meta.etag or fresh.location is None:
            raise ValueError(f"{filename} changed on the Hub during the download; the next try fetches the new one")
        return fresh.location

    partial = partial_path(cache, repo, meta.etag)
    blob = partial.with_name(meta.etag)
    # The same lock huggingface_hub takes for this blob: one download of it at a time.
    lock = cache / ".locks" / repo_folder_name(repo_id=repo, repo_type="model") / f"{meta.etag}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    with _waiting_for(lock, f"{filename} of {repo}"):
        for attempt in range(2):
            if blob.exists():
                break
            have = partial.stat().st_size if partial.exists() else 0
            if meta.size is not None and have > meta.size:
                partial.unlink()
                have = 0
            _check_space(partial.parent, (meta.size or 0) - have)
            if have:
                log.info(
                    "resuming %s of %s: %s of %s already downloaded",
                    filename,
                    repo,
                    format_bytes(have),
                    format_bytes(meta.size) if meta.size is not None else "an unknown size",
                )
            with partial.open("ab") as out:
                joined = _receive(_Source(url, meta.location, relocate), out, have, meta.size, filename)
            # A file fetched again after a mismatch is checked too: the Hub may have changed it meanwhile.
            if not (joined or attempt) or _matches(partial, meta.etag):
                os.replace(partial, blob)
                break
            partial.unlink()  # the joined pieces are not the file: fetch it whole
            if attempt:
                raise ValueError(
                    f"{filename} did not match its hash after downloading it again; if it changed on the Hub "
                    "during the download, the next try fetches the new one"
                )
            log.info("the resumed download of %s did not match its hash; downloading it again", filename)
    return Path(hf_hub_download(repo, filename, revision=revision, cache_dir=cache_dir, endpoint=endpoint))


@contextmanager
def _waiting_for(lock: Path, what: str) -> Iterator[None]:
    """Hold ``lock``; when another process holds it, say so before waiting, rather than hang silently."""
    from filelock import FileLock, Timeout

    held = FileLock(str(lock))
    try:
        held.acquire(timeout=0)
    except Timeout:
        log.info("another process is downloading %s; waiting for it to finish", what)
        held.acquire()
    try:
        yield
    finally:
        held.release()


@dataclass(frozen=True)
class _Source:
    """Where a file's bytes come from: its Hub address, where that sent us, and how to ask again."""

    hub_url: str
    location: str
    relocate: Callable[[], str]


def _same_or_hub_origin(url: str, target: str) -> bool:
    """Whether ``target`` is on the host of ``url`` or on one of the Hub's own (scheme, host and port)."""

    def origin(address: str) -> tuple[str, str, int | None]:
        parsed = httpx2.URL(address)
        return parsed.scheme, parsed.host.lower(), parsed.port or {"http": 80, "https": 443}.get(parsed.scheme)

    return origin(target) in {origin(url), *(origin(hub) for hub in (*_HUB_ENDPOINTS, endpoint()))}


def _request_headers(source: _Source, location: str) -> dict[str, str]:
    """huggingface_hub's headers, less the user's token where the bytes come from another host."""
    from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]  # exported lazily

    headers = dict(build_hf_headers())
    if not _same_or_hub_origin(source.hub_url, location):
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    return headers


def _receive(source: _Source, out: BinaryIO, have: int, size: int | None, filename: str) -> bool:
    """Append the file at ``source`` to ``out``, which holds its first ``have`` bytes; whether pieces were joined.

    A connection that drops is asked for the rest at once while the tries bring new bytes
    beyond the furthest point reached, and up to STALLED_TRIES times in a row, a pause apart,
    while they do not (TRIES when they time out). A CDN that refuses an address it signed
    earlier has let the signature expire: the Hub is asked for a new one, once per stretch
    without progress. (huggingface_hub's ``http_get`` keeps 10 MB in hand, so a link that
    dropped more often never got further, and it retries by calling itself, so a link that
    dropped often ran out of stack.)
    """
    import time

    from huggingface_hub import constants, get_session, hf_raise_for_status
    from huggingface_hub.utils.tqdm import tqdm

    location = source.location
    stalled, furthest, relocated = 0, have, False
    # huggingface_hub's own bar, so that HF_HUB_DISABLE_PROGRESS_BARS and a pipe turn it off as before.
    bar = tqdm(  # type: ignore[no-untyped-call]
        total=size, initial=have, unit="B", unit_scale=True, desc=filename[-40:], disable=None
    )
    with bar:
        while True:
            joined = have > 0
            if have == size:  # every byte came before, and the try stopped before renaming the file
                return joined
            before = have
            headers = {**_request_headers(source, location), **({"Range": f"bytes={have}-"} if have else {})}
            try:
                with get_session().stream(
                    "GET", location, headers=headers, timeout=constants.HF_HUB_DOWNLOAD_TIMEOUT
                ) as response:
                    hf_raise_for_status(response)
                    if have and response.status_code != 206:  # the range was ignored: the whole file comes
                        out.seek(0)
                        out.truncate()
                        bar.update(-have)
                        joined, before, have = False, 0, 0
                    for chunk in response.iter_bytes(CHUNK_BYTES):
                        out.write(chunk)
                        have += len(chunk)
                        bar.update(len(chunk))
            except HfHubHTTPError as exc:
                expired = exc.response.status_code in _EXPIRED_STATUS
                if relocated or not expired or _same_or_hub_origin(source.hub_url, location):
                    raise
                log.debug(
                    "the address of %s was refused (HTTP %s); asking the Hub for a new one",
                    filename,
                    exc.response.status_code,
                )
                location, relocated = source.relocate(), True
                continue
            except _DROPPED as exc:
                # Progress is bytes beyond the furthest point reached: a server that ignores
                # ranges and drops before the end starts again each time, and gets no further.
                stalled = 0 if have > furthest else stalled + 1
                relocated = relocated and have <= furthest
                furthest = max(furthest, have)
                # A server that sends nothing for the whole wait gets TRIES, as a host does: the
                # command then gives up within the wait it promises, not six waits later.
                if stalled >= (TRIES if isinstance(exc, httpx2.TimeoutException) else STALLED_TRIES):
                    raise
                log.debug("the download of %s stopped at %s; asking for the rest", filename, format_bytes(have))
                if have == before:
                    time.sleep(STALLED_PAUSE_SECONDS)
                continue
            if size is not None and have != size:
                raise OSError(f"{filename} should be {size} bytes, but {have} came")
            return joined


def remove_stale_partials(repo: str, cache_dir: Path | None = None) -> list[Path]:
    """Remove what downloads of ``repo`` that nobody is running left in its blob folder; what was removed.

    Those are ``<etag>.incomplete`` files of files the model no longer has (or of another
    revision), and the temporary files of huggingface_hub's own downloads that were killed.
    A file whose download is under way is left alone: its lock is held.
    """
    from filelock import FileLock, Timeout
    from huggingface_hub import constants
    from huggingface_hub.file_download import repo_folder_name

    cache = Path(cache_dir or constants.HF_HUB_CACHE)
    folder = repo_folder_name(repo_id=repo, repo_type="model")
    removed = []
    for partial in sorted((cache / folder / "blobs").glob("*.incomplete")):
        etag = partial.name.split(".", 1)[0]
        lock = FileLock(str(cache / ".locks" / folder / f"{etag}.lock"), timeout=0)
        try:
            with lock:
                partial.unlink(missing_ok=True)
        except (Timeout, OSError):
            continue
        removed.append(partial)
    return removed


def _check_space(folder: Path, needed: int) -> None:
    import shutil

    if needed > 0 and shutil.disk_usage(folder).free < needed:
        raise OSError(errno.ENOSPC, "not enough free space for the download", str(folder))


def _matches(path: Path, etag: str) -> bool:
    """Whether the file's content is what ``etag`` names: a sha256 (LFS files) or a git blob hash.

    An ETag of another form cannot be checked; the size was, by the download itself.
    """
    import hashlib
    import re

    if re.fullmatch(r"[0-9a-f]{64}", etag):
        digest = hashlib.sha256()
    elif re.fullmatch(r"[0-9a-f]{40}", etag):
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(f"blob {path.stat().st_size}\0".encode())
    else:
        return True
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest() == etag
