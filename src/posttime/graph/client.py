"""One HTTP client for the Graph API: timeouts, retries, rate limits, pagination, errors.

The access token goes out as an ``Authorization: Bearer`` header, never in a URL; the
``paging.next`` links the API sends back carry the token as a query parameter, which is
taken out before the link is followed. No message this module raises holds the token.

Core code: nothing here prints.
"""

from __future__ import annotations

import functools
import json
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import httpx
import msgspec
import tenacity

from posttime.errors import PosttimeError

GRAPH_URL = "https://graph.facebook.com"
API_VERSION = "v26.0"
#: seconds to wait for a connection, and for each read of a response.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
#: default of ``--max-wait``: all the waiting after errors that one pull may do, in seconds.
MAX_WAIT = 15 * 60.0
#: the first wait after a passing error, in seconds; later waits double, up to BACKOFF_CAP.
BACKOFF_INITIAL = 2.0
BACKOFF_CAP = 120.0
#: never retry sooner than this after a rate-limit error, whatever the header says.
MIN_RATE_LIMIT_WAIT = 1.0
#: a usage figure above this share of the limit makes the client slow down.
SLOW_DOWN_AT = 75.0
#: the pause before the next request when a usage figure reaches 100%.
SLOW_DOWN_FULL = 60.0

#: Graph API error codes that mean "too many calls": wait and try again.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001})
#: error codes of a passing fault on Facebook's side: try again.
TRANSIENT_CODES = frozenset({1, 2})
TOKEN_CODE = 190
BAD_REQUEST_CODE = 100
#: the permissions a Page access token needs for a pull.
PERMISSIONS = ("pages_read_engagement", "read_insights")
TOKEN_HELP = (
    "get a new Page access token (Graph API Explorer or your app, with the permissions "
    f"{' and '.join(PERMISSIONS)}) and save it in the token file or POSTTIME_FB_TOKEN"
)


Item = TypeVar("Item")


class Paging(msgspec.Struct, gc=False):
    next: str | None = None


class Listing(msgspec.Struct, Generic[Item], gc=False):
    """One page of results of an edge: ``data``, the ``paging.next`` link, or an ``error``.

    Structs of decoded JSON never form reference cycles, so they are kept out of the
    garbage collector (``gc=False``): its passes over many thousands of decoded objects
    used to cost more than the decoding itself.
    """

    data: list[Item] | None = None
    paging: Paging | None = None
    error: dict | None = None


@functools.cache
def tls() -> ssl.SSLContext:
    """The TLS settings of every client (httpx's defaults: certifi's CA certificates, or
    those of ``SSL_CERT_FILE`` or ``SSL_CERT_DIR``), made once per process: loading the
    certificates takes longer than reading a page of posts."""
    return httpx.create_ssl_context()


@functools.cache
def decoder(kind: Any) -> msgspec.json.Decoder:
    """A JSON decoder to ``kind``; numbers written as strings are taken as numbers."""
    return msgspec.json.Decoder(kind, strict=False)


class GraphError(PosttimeError):
    """The Graph API answered with an error, or could not be reached."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


class TokenError(GraphError):
    """The access token is expired, revoked or not valid (error 190)."""


class PermissionMissing(GraphError):
    """The token lacks a permission (error 10 or 200-299)."""


class RateLimited(GraphError):
    """Too many calls (errors 4, 17, 32, 613, 80001); ``wait`` is the wait the API asks for,
    in seconds (None when it says nothing)."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None,
                 wait: float | None = None):
        super().__init__(message, code=code, status=status)
        self.wait = wait


class Transient(GraphError):
    """A fault worth retrying: HTTP 5xx, errors 1 and 2, a timeout or a dropped connection."""


class GaveUp(GraphError):
    """Retries used up all of ``max_wait``; ``retry_after`` is how long to wait before the
    next try, in seconds."""

    def __init__(self, message: str, *, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


def usage(headers: httpx.Headers) -> tuple[float, float | None]:
    """The highest usage figure (percent) of ``X-App-Usage`` and ``X-Business-Use-Case-Usage``,
    and the longest ``estimated_time_to_regain_access`` (seconds; None when absent)."""
    highest, regain = 0.0, None
    for name in ("x-app-usage", "x-business-use-case-usage", "x-page-usage"):
        text = headers.get(name)
        if not text:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            continue
        entries = [data] if isinstance(data, dict) and name != "x-business-use-case-usage" else [
            e for v in (data.values() if isinstance(data, dict) else [])
            for e in (v if isinstance(v, list) else [v]) if isinstance(e, dict)
        ]
        for entry in entries:
            for key, value in entry.items():
                if not isinstance(value, (int, float)):
                    continue
                if key == "estimated_time_to_regain_access":
                    regain = max(regain or 0.0, 60.0 * value)
                elif key in ("call_count", "total_time", "total_cputime", "acc_id_util_pct"):
                    highest = max(highest, float(value))
    return highest, regain


def without_token(url: str) -> str:
    """``url`` without its ``access_token`` query parameters; the rest of the link stays as
    the API wrote it."""
    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&")
                     if unquote_plus(p.partition("=")[0]) != "access_token")
    return urlunsplit(parts._replace(query=query))


def _permission_named(message: str) -> str:
    for name in ("pages_read_engagement", "read_insights", "pages_show_list",
                 "pages_read_user_content", "pages_manage_metadata"):
        if name in message:
            return name
    return " and ".join(PERMISSIONS)


@dataclass
class Backoff:
    """Waits between retries: ``initial`` seconds doubling up to ``cap``, plus a random
    jitter of up to ``initial``; all the waiting of one request at most ``max_wait``
    seconds."""

    initial: float = field(default_factory=lambda: BACKOFF_INITIAL)
    cap: float = field(default_factory=lambda: BACKOFF_CAP)
    max_wait: float = MAX_WAIT
    min_rate_limit_wait: float = MIN_RATE_LIMIT_WAIT


class GraphClient:
    """Reads the Graph API with one reused ``httpx.Client``. Use it as a context manager.

    Parameters
    ----------
    token : str
        A Page access token.
    base_url : str
        The Graph API host (``GRAPH_URL``); tests and proxies point it elsewhere.
    api_version : str
        Path prefix of every call, e.g. ``v26.0``.
    backoff : Backoff, optional
        Retry waits and their limit.
    timeout : httpx.Timeout, optional
        Connect and read timeouts.
    sleep : callable, optional
        ``time.sleep`` unless a test gives another.
    """

    def __init__(self, token: str, *, base_url: str = GRAPH_URL, api_version: str = API_VERSION,
                 backoff: Backoff | None = None, timeout: httpx.Timeout | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version.strip("/")
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self.requests = 0
        #: seconds waited on errors so far (the slow-down pauses near a limit not counted)
        self.waited = 0.0
        self._token = token
        self._http = httpx.Client(
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout or httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
            follow_redirects=False, verify=tls(),
        )
        self._pause = 0.0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- one call -----------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.base_url}/{self.api_version}/{path.lstrip('/')}"

    def get(self, path: str, params: dict | None = None) -> dict:
        """GET ``path`` (below the API version), retrying as the API's errors say."""
        return self._retrying(self.url(path), params or {}, path, decoder(dict))

    def pages(self, path: str, params: dict | None = None, item: Any = dict) -> Iterator[list]:
        """The ``data`` of ``path`` and of every ``paging.next`` link after it, one list per
        page of results, each result decoded to ``item`` (a ``msgspec.Struct`` type reads
        only the fields it names); a short page is not taken as the last."""
        listing = decoder(Listing[item])
        body = self._retrying(self.url(path), params or {}, path, listing)
        seen: set[str] = set()
        while True:
            if body.data is None:
                raise GraphError(f"the Graph API's answer to {self._shown(path)} has no list "
                                 "of results ('data')")
            yield body.data
            following = body.paging and body.paging.next
            if not following:
                return
            following = without_token(following)
            if following in seen:
                raise GraphError(f"the Graph API's answers to {self._shown(path)} link back to "
                                 "a page of results already read")
            seen.add(following)
            body = self._retrying(following, {}, path, listing)

    # -- internals ----------------------------------------------------------------------

    def _shown(self, path: str) -> str:
        return f"GET /{self.api_version}/{path.lstrip('/')}".replace(self._token, "***")

    def _retrying(self, url: str, params: dict, path: str, decode: msgspec.json.Decoder) -> Any:
        backoff = self.backoff
        exponential = (tenacity.wait_exponential(multiplier=backoff.initial, max=backoff.cap)
                       + tenacity.wait_random(0, backoff.initial))

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome is not None else None
            if isinstance(exc, RateLimited):
                asked = exc.wait if exc.wait is not None else exponential(state)
                return max(asked, backoff.min_rate_limit_wait)
            return exponential(state)

        def stop(state: tenacity.RetryCallState) -> bool:
            # max_wait bounds the waiting of all the client's calls together
            return self.waited + state.upcoming_sleep > backoff.max_wait

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type((RateLimited, Transient)),
            wait=wait, stop=stop, sleep=self._sleep, reraise=True,
        )
        try:
            return retrying(self._call, url, params, path, decode)
        except (RateLimited, Transient) as exc:
            state = retrying.statistics
            after = exc.wait if isinstance(exc, RateLimited) and exc.wait else backoff.initial
            raise GaveUp(
                f"{exc} (still failing after {state.get('attempt_number', 1)} tries; "
                f"{self.waited:.0f} s of waiting in all reached the --max-wait limit)",
                retry_after=max(after, backoff.min_rate_limit_wait),
            ) from None

    def _sleep(self, seconds: float) -> None:
        self.waited += seconds
        self.sleep(seconds)

    def _call(self, url: str, params: dict, path: str, decode: msgspec.json.Decoder) -> Any:
        if self._pause > 0:
            self.sleep(self._pause)
        shown = self._shown(path)
        self.requests += 1
        try:
            # no params for a next link: httpx would replace the query it carries
            response = self._http.get(url, params=params or None)
        except httpx.TimeoutException:
            raise Transient(f"{shown} timed out") from None
        except httpx.ConnectError:
            raise GraphError(f"cannot connect to {self.base_url} for {shown}; check "
                             "--graph-url and the network") from None
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
            raise Transient(f"{shown}: the connection broke off") from None
        except httpx.HTTPError as exc:
            raise GraphError(f"{shown} failed ({type(exc).__name__})") from None
        highest, regain = usage(response.headers)
        # slow down while near a limit; after an error the retry's wait does that instead
        self._pause = (SLOW_DOWN_FULL * min(1.0, (highest - SLOW_DOWN_AT) / (100 - SLOW_DOWN_AT))
                       if highest > SLOW_DOWN_AT and response.is_success else 0.0)
        try:
            body = decode.decode(response.content)
        except msgspec.DecodeError as exc:
            if response.status_code >= 500:
                raise Transient(f"{shown}: the Graph API answered HTTP "
                                f"{response.status_code}") from None
            if isinstance(exc, msgspec.ValidationError):
                # says where, never what: no value of the answer is in the message
                raise GraphError(f"{shown}: the Graph API's answer is not in the shape "
                                 f"posttime reads ({exc})", status=response.status_code) from None
            raise GraphError(
                f"{shown}: the Graph API's answer (HTTP {response.status_code}, "
                f"{len(response.content)} bytes) is not complete JSON; try again later",
                status=response.status_code,
            ) from None
        error = body.get("error") if isinstance(body, dict) else body.error
        if error is None and response.status_code >= 500:
            raise Transient(f"{shown}: the Graph API answered HTTP {response.status_code}")
        if error is not None:
            raise self._error(error, response.status_code, shown, regain)
        return body

    def _error(self, error: object, status: int, shown: str, regain: float | None) -> GraphError:
        if not isinstance(error, dict):
            error = {"message": error}
        code = error.get("code")
        code = int(code) if isinstance(code, (int, float)) else None
        message = " ".join(str(error.get("message", "")).replace(self._token, "***").split())
        said = f"{shown}: Graph API error{'' if code is None else f' {code}'}: {message}"
        if code == TOKEN_CODE:
            return TokenError(f"the access token is expired or no longer valid (Graph API error "
                              f"190: {message}); {TOKEN_HELP}", code=code, status=status)
        if code == 10 or (code is not None and 200 <= code <= 299):
            permission = _permission_named(message)
            return PermissionMissing(
                f"the access token lacks the permission {permission} ({said}); give the app "
                "that permission and get a new Page access token", code=code, status=status)
        if code in RATE_LIMIT_CODES:
            return RateLimited(f"rate limit reached ({said})", code=code, status=status,
                               wait=regain)
        if code in TRANSIENT_CODES or (error.get("is_transient") and code != BAD_REQUEST_CODE):
            return Transient(said, code=code, status=status)
        if status >= 500:
            return Transient(f"{said} (HTTP {status})", code=code, status=status)
        return GraphError(said, code=code, status=status)


