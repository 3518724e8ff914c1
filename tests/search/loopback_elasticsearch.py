"""A loopback HTTP stand-in that answers like Elasticsearch 8 for the few endpoints the platform uses.

It is not a cluster and does no searching: it records every request, keeps indexed documents in a dict, and
answers with bodies of the shape Elasticsearch 8 documents (bulk items, alias maps, counts, search hits with
highlights and aggregations). Its job is to let the real `elasticsearch` client talk over real HTTP, so tests
check what the client sends and how the platform reads what comes back.
"""

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PRODUCT_HEADERS = {"X-Elastic-Product": "Elasticsearch", "Content-Type": "application/json"}


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict
    body: bytes

    def json(self):
        return json.loads(self.body) if self.body else None

    def ndjson(self) -> list:
        return [json.loads(line) for line in self.body.decode().splitlines() if line.strip()]


@dataclass
class StandIn:
    """State shared with the handler: recorded requests, indices, aliases, documents and canned responses."""

    requests: list = field(default_factory=list)
    indices: dict = field(default_factory=dict)  # concrete index -> {"body": ..., "docs": {id: source}}
    aliases: dict = field(default_factory=dict)  # alias -> concrete index
    search_response: dict | None = None
    fail_status: int | None = None  # answer every request with this error status (e.g. 503)
    fail_only: str | None = None  # ... or only requests whose path matches this regular expression
    plugins: list = field(default_factory=list)  # plugin names GET _nodes/plugins lists for the one node
    lock: threading.Lock = field(default_factory=threading.Lock)

    def resolve(self, name: str) -> str | None:
        if name in self.aliases:
            return self.aliases[name]
        return name if name in self.indices else None

    def documents(self, name: str) -> dict:
        concrete = self.resolve(name)
        return self.indices[concrete]["docs"] if concrete else {}


def error_body(status: int, kind: str, reason: str) -> dict:
    return {
        "error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason},
        "status": status,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; without this, Nagle plus delayed ACKs add 40 ms a request.
    disable_nagle_algorithm = True
    state: StandIn

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr log
        pass

    def _reply(self, status: int, body: dict | None):
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for key, value in PRODUCT_HEADERS.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(url.query).items()}
        state = self.state
        with state.lock:
            state.requests.append(RecordedRequest(self.command, url.path, params, body))
            if state.fail_status and (state.fail_only is None or re.fullmatch(state.fail_only, url.path)):
                return self._reply(state.fail_status, error_body(state.fail_status, "unavailable", "stand-in failure"))
            status, answer = self.route(self.command, url.path, params, body)
        return self._reply(status, answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    def route(self, method, path, params, body):  # noqa: C901 - one branch per endpoint
        state = self.state
        parts = [part for part in path.split("/") if part]
        if method == "GET" and not parts:
            return 200, {
                "name": "stand-in",
                "cluster_name": "loopback",
                "version": {"number": "8.19.0", "build_flavor": "default"},
                "tagline": "You Know, for Search",
            }
        if method in ("POST", "PUT") and parts == ["_bulk"]:
            return 200, self.bulk(body, params)
        if method == "GET" and parts == ["_nodes", "plugins"]:
            node = {"name": "stand-in", "plugins": [{"name": name, "version": "8.19.0"} for name in state.plugins]}
            return 200, {"_nodes": {"total": 1, "successful": 1, "failed": 0}, "nodes": {"node-1": node}}
        if method in ("POST", "PUT") and parts == ["_aliases"]:
            return self.update_aliases(json.loads(body)["actions"])
        if method == "GET" and len(parts) == 2 and parts[0] == "_alias":
            alias = parts[1]
            if alias not in state.aliases:
                return 404, {"error": f"alias [{alias}] missing", "status": 404}
            return 200, {state.aliases[alias]: {"aliases": {alias: {}}}}
        if len(parts) == 1 and method == "HEAD":
            return (200 if state.resolve(parts[0]) else 404), None
        if len(parts) == 1 and method == "PUT":
            state.indices[parts[0]] = {"body": json.loads(body or b"{}"), "docs": {}}
            return 200, {"acknowledged": True, "shards_acknowledged": True, "index": parts[0]}
        if len(parts) == 1 and method == "DELETE":
            if state.indices.pop(parts[0], None) is None:
                return 404, error_body(404, "index_not_found_exception", f"no such index [{parts[0]}]")
            return 200, {"acknowledged": True}
        if len(parts) == 2 and parts[1] == "_refresh":
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if len(parts) == 2 and parts[1] == "_count":
            if state.resolve(parts[0]) is None:
                return 404, error_body(404, "index_not_found_exception", f"no such index [{parts[0]}]")
            return 200, {"count": len(state.documents(parts[0])), "_shards": {"total": 1, "successful": 1}}
        if len(parts) == 2 and parts[1] == "_search":
            return 200, state.search_response or empty_search_response()
        if len(parts) == 3 and parts[1] == "_doc":
            index, doc_id = parts[0], parts[2]
            concrete = state.resolve(index)
            if method == "PUT":
                if concrete is None or (params.get("require_alias") == "true" and index not in state.aliases):
                    return 404, require_alias_error(index)
                created = doc_id not in state.indices[concrete]["docs"]
                state.indices[concrete]["docs"][doc_id] = json.loads(body)
                return (201 if created else 200), write_result(concrete, doc_id, "created" if created else "updated")
            if method == "DELETE":
                if concrete is None or state.indices[concrete]["docs"].pop(doc_id, None) is None:
                    return 404, write_result(concrete or index, doc_id, "not_found")
                return 200, write_result(concrete, doc_id, "deleted")
        return 400, error_body(400, "stand_in_unsupported", f"the stand-in does not answer {method} {path}")

    def update_aliases(self, actions: list) -> tuple[int, dict]:
        """All or nothing, like Elasticsearch: an alias may not take the name of a concrete index that stays."""
        state = self.state
        removed = {spec["index"] for action in actions for kind, spec in action.items() if kind == "remove_index"}
        for action in actions:
            ((kind, spec),) = action.items()
            if kind == "add" and spec["alias"] in state.indices and spec["alias"] not in removed:
                reason = f"Invalid alias name [{spec['alias']}]: an index or data stream exists with the same name"
                return 400, error_body(400, "invalid_alias_name_exception", reason)
        for action in actions:
            ((kind, spec),) = action.items()
            if kind == "add":
                state.aliases[spec["alias"]] = spec["index"]
            elif kind == "remove" and state.aliases.get(spec["alias"]) == spec["index"]:
                del state.aliases[spec["alias"]]
            elif kind == "remove_index":
                state.indices.pop(spec["index"], None)
        return 200, {"acknowledged": True}

    def bulk(self, body: bytes, params: dict) -> dict:
        state = self.state
        lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        items = []
        position = 0
        while position < len(lines):
            ((operation, meta),) = lines[position].items()
            position += 1
            source = None
            if operation in ("index", "create", "update"):
                source = lines[position]
                position += 1
            index, doc_id = meta["_index"], str(meta["_id"])
            concrete = state.resolve(index)
            if concrete is None or (params.get("require_alias") == "true" and index not in state.aliases):
                items.append(
                    {
                        operation: {
                            "_index": index,
                            "_id": doc_id,
                            "status": 404,
                            "error": require_alias_error(index)["error"],
                        }
                    }
                )
                continue
            docs = state.indices[concrete]["docs"]
            if operation == "delete":
                found = docs.pop(doc_id, None) is not None
                items.append(
                    {
                        operation: write_result(concrete, doc_id, "deleted" if found else "not_found")
                        | {"status": 200 if found else 404}
                    }
                )
            else:
                created = doc_id not in docs
                docs[doc_id] = source
                items.append(
                    {
                        operation: write_result(concrete, doc_id, "created" if created else "updated")
                        | {"status": 201 if created else 200}
                    }
                )
        errors = any("error" in next(iter(item.values())) for item in items)
        return {"took": 3, "errors": errors, "items": items}


def write_result(index: str, doc_id: str, result: str) -> dict:
    return {
        "_index": index,
        "_id": doc_id,
        "_version": 1,
        "result": result,
        "_shards": {"total": 1, "successful": 1, "failed": 0},
        "_seq_no": 0,
        "_primary_term": 1,
    }


def require_alias_error(index: str) -> dict:
    reason = f"no such index [{index}] and [require_alias] request flag is [true] and [{index}] is not an alias"
    return error_body(404, "index_not_found_exception", reason)


def empty_search_response() -> dict:
    return {
        "took": 1,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []},
    }


class LoopbackElasticsearch:
    """Runs the stand-in on 127.0.0.1 on a free port in a daemon thread."""

    def __init__(self):
        self.state = StandIn()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def requests_to(self, pattern: str) -> list[RecordedRequest]:
        return [request for request in self.state.requests if re.fullmatch(pattern, request.path)]


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused at once, like a cluster that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class HangingServer:
    """A socket that completes TCP handshakes (the kernel's backlog accepts them) and never answers."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *exc):
        self.sock.close()


def connections_waiting(server: HangingServer) -> int:
    """How many connections the hanging server's kernel accepted that nobody picked up (0 = never contacted)."""
    server.sock.setblocking(False)
    count = 0
    while True:
        try:
            connection, _address = server.sock.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def enqueued(backend, task) -> list[tuple]:
    """The arguments of every run of ``task`` a dummy task backend holds, in order."""
    return [tuple(result.args) for result in backend.results if result.task.func is task.func]
