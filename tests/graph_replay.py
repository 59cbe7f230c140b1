"""A Graph API replay server on 127.0.0.1 for the pull tests.

It serves pages, their posts (``published_posts``, newest first, ``limit`` per page of
results, linked by ``paging.next`` links that carry the token like the real API's), Reels
(``video_reels``), inline insights and ``/me/accounts``, built from clean post tables. A
script of faults (HTTP 500, Graph API errors with headers, slow answers, truncated JSON)
is served before the normal answers of the requests it matches.
"""

from __future__ import annotations

import json
import math
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pandas as pd

TOKEN = "EAAtesttoken1234567890secretvalue"
VERSION = "v26.0"
INSIGHT_OF = {"reach": "post_total_media_view_unique", "views": "post_media_view",
              "clicks": "post_clicks"}
ATTACHMENT = {
    "photo": {"media_type": "photo", "type": "photo"},
    "video": {"media_type": "video", "type": "video_inline"},
    "link": {"media_type": "link", "type": "share"},
    "other": {"media_type": "event", "type": "event"},
}


def graph_posts(posts: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """A clean post table as Graph API post objects of ``published_posts`` and of
    ``video_reels`` (its Reels), newest first."""
    regular, reels = [], []
    for row in posts.sort_values("published", ascending=False).itertuples(index=False):
        kind = str(row.type)
        obj: dict = {
            "id": row.post_id,
            "created_time": row.published.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "reactions": {"data": [], "summary": {"total_count": int(row.reactions)}},
            "comments": {"data": [], "summary": {"total_count": int(row.comments)}},
            "_figures": {INSIGHT_OF[c]: getattr(row, c) for c in INSIGHT_OF
                         if not math.isnan(getattr(row, c))},
        }
        title = getattr(row, "title", None)
        permalink = getattr(row, "permalink", None)
        if isinstance(title, str):
            obj["message" if kind != "reel" else "description"] = title
        if kind == "reel":
            page, _, video = row.post_id.partition("_")
            obj.update(id=f"9{video}", post_id=video, permalink_url=permalink
                       if isinstance(permalink, str) else f"https://www.facebook.com/reel/{video}")
            reels.append(obj)
            continue
        obj["promotion_status"] = "finished" if row.paid else "ineligible"
        if row.shares:
            obj["shares"] = {"count": int(row.shares)}
        obj["permalink_url"] = (permalink if isinstance(permalink, str) else
                                f"https://www.facebook.com/{row.post_id.replace('_', '/posts/')}")
        if kind == "text":
            obj["status_type"] = "mobile_status_update"
        else:
            obj["attachments"] = {"data": [ATTACHMENT[kind]]}
        regular.append(obj)
    return regular, reels


@dataclass
class Fault:
    """One scripted answer for a request whose path contains ``path``, once ``after``
    such requests have had their normal answers."""

    path: str
    after: int = 0
    status: int = 200
    body: object = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None


@dataclass
class Page:
    page_id: str
    name: str
    posts: list[dict]
    reels: list[dict] = field(default_factory=list)


def graph_error(code: int, message: str = "", **extra) -> dict:
    return {"error": {"message": message or f"error {code}", "type": "OAuthException",
                      "code": code, "fbtrace_id": "Atrace", **extra}}


class GraphReplay:
    """The server; ``url`` is its address. Use as a context manager."""

    def __init__(self, pages: list[Page], *, invalid_metrics: tuple[str, ...] = (),
                 accounts: list[dict] | None = None, usage: dict | None = None,
                 cache: bool = False) -> None:
        self.pages = {p.page_id: p for p in pages}
        self.invalid_metrics = set(invalid_metrics)
        self.accounts = accounts if accounts is not None else [
            {"id": p.page_id, "name": p.name, "category": "Media"} for p in pages]
        self.usage = usage
        self.faults: list[Fault] = []
        #: with ``cache``, the answer to each URL is made once and later requests for it are
        #: answered at once (for benchmarks; the replayed posts must not change then)
        self.cache = cache
        self._answers: dict[str, tuple[int, bytes]] = {}
        self.requests: list[tuple[str, dict, dict]] = []
        self._lock = threading.Lock()
        # http.server calls do_GET for each GET, and log_message for each line it would log;
        # HTTP/1.1 keeps connections open between requests, as the Graph API does, and an
        # idle one is closed after ``timeout`` seconds. http.server writes an answer's
        # headers and its body apart: with Nagle's algorithm on, a small body then waited
        # for the client's delayed ACK of the headers (40 ms on Linux), which a real server
        # does not make its clients wait, so it is off (TCP_NODELAY)
        handler = type("Handler", (BaseHTTPRequestHandler,), {
            "do_GET": lambda request: self.handle(request), "log_message": lambda *args: None,
            "protocol_version": "HTTP/1.1", "timeout": 5, "disable_nagle_algorithm": True})
        # threads that are not daemons are joined by server_close()
        server = type("Server", (ThreadingHTTPServer,), {"daemon_threads": False})
        self._server = server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> GraphReplay:
        # a client that hangs up must be an exception in the server's thread, not a SIGPIPE
        # that ends the test process (the CLI sets SIGPIPE's default action for `| head`)
        self._sigpipe = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()  # waits for answers still being written
        self._thread.join()
        signal.signal(signal.SIGPIPE, self._sigpipe)

    def add_fault(self, path: str, **kwargs) -> None:
        self.faults.append(Fault(path, **kwargs))

    # -- answering -------------------------------------------------------------------

    def _fault_for(self, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self.faults):
                if fault.path in path:
                    if fault.after:
                        fault.after -= 1
                        return None
                    return self.faults.pop(i)
        return None

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append((parts.path, query, dict(request.headers)))
        fault = self._fault_for(parts.path)
        if fault is not None:
            time.sleep(fault.delay)
            raw = fault.raw if fault.raw is not None else json.dumps(fault.body).encode()
            self._send(request, fault.status, raw, fault.headers)
            return
        if request.headers.get("Authorization") != f"Bearer {TOKEN}" or "access_token" in query:
            self._send(request, 400, json.dumps(graph_error(
                190, "Error validating access token: Session has expired.",
                error_subcode=463)).encode())
            return
        headers = {"X-App-Usage": json.dumps(self.usage)} if self.usage else {}
        if self.cache and request.path in self._answers:
            status, raw = self._answers[request.path]
        else:
            status, body = self.answer(parts.path, query)
            raw = json.dumps(body).encode()
            if self.cache:
                self._answers[request.path] = status, raw
        self._send(request, status, raw, headers)

    @staticmethod
    def _send(request, status: int, raw: bytes, headers: dict | None = None) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def answer(self, path: str, query: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if parts[0] != VERSION:
            return 400, graph_error(2635, "unknown version")
        parts = parts[1:]
        if parts == ["me", "accounts"]:
            return self._listing(path, query, self.accounts)
        page = self.pages.get(parts[0])
        if page is None:
            return 400, graph_error(100, "Unsupported get request. Object does not exist")
        if len(parts) == 1:
            return 200, {"id": page.page_id, "name": page.name}
        items = {"published_posts": page.posts, "video_reels": page.reels}.get(parts[1])
        if items is None:
            return 400, graph_error(100, "Tried accessing nonexisting field")
        fields = query.get("fields", "")
        found = re.search(r"insights\.metric\(([^)]*)\)", fields)
        metrics = found.group(1).split(",") if found and found.group(1) else []
        bad = [m for m in metrics if m in self.invalid_metrics]
        if bad:
            return 400, graph_error(100, "(#100) The value must be a valid insights metric")
        if "since" in query:
            since = pd.Timestamp(int(query["since"]), unit="s", tz="UTC")
            items = [p for p in items if pd.Timestamp(p["created_time"]) >= since]

        def shown(post: dict) -> dict:
            out = {k: v for k, v in post.items() if not k.startswith("_")}
            if metrics:
                out["insights"] = {"data": [
                    {"name": m, "period": "lifetime", "values": [{"value": post["_figures"][m]}],
                     "id": f"{post['id']}/insights/{m}/lifetime"}
                    for m in metrics if m in post["_figures"]]}
            return out

        return self._listing(path, query, items, shown)

    def _listing(self, path: str, query: dict, items: list,
                 shown: Callable[[dict], dict] | None = None) -> tuple[int, dict]:
        """The page of ``items`` that ``query`` asks for, each ``shown``: only the items of
        that page are made, not all of them for every page."""
        limit = int(query.get("limit", 25))
        start = int(query.get("after", 0))
        data = items[start:start + limit]
        body: dict = {"data": data if shown is None else [shown(i) for i in data], "paging": {
            "cursors": {"before": str(start), "after": str(start + limit)}}}
        if start + limit < len(items):
            following = {**query, "after": start + limit, "access_token": TOKEN}
            body["paging"]["next"] = f"{self.url}{path}?{urlencode(following)}"
        return 200, body
