"""A loopback OGC SensorThings API v1.1 server for tests (stdlib http.server in a thread).

Serves Things, Datastreams and ``Datastreams(id)/Observations`` with the spec's JSON: ``value`` lists,
``@iot.nextLink`` paging by ``$skip``, ``$top``, ``$orderby=phenomenonTime asc|desc``,
``$filter=phenomenonTime gt <ISO>``, and error bodies ``{"code", "type": "error", "message"}``.
Modes: ``fail_next`` (that many 500s), ``malformed`` (a body that is not JSON), ``hang`` (never answers),
``ignore_filter`` (a server restored from an old backup that answers every observation it has, whatever the
``$filter`` asks).

Observations are a list of ``(time, result)`` per Datastream, or, for benchmarks, come from ``series``: a
function of the Datastream id that returns numpy arrays (epoch seconds ascending, results), so a year of
600 sensors is generated page by page instead of held as 31.5 million tuples.
"""

import datetime
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SensorThingsState:
    def __init__(self):
        self.datastreams: dict[int, dict] = {}
        self.things: dict[int, dict] = {}
        self.observations: dict[int, list[tuple[str, object]]] = {}
        self.fail_next = 0
        self.malformed = False
        self.hang = threading.Event()
        self.release = threading.Event()
        self.requests: list[str] = []
        self.max_top = 100
        self.ignore_filter = False
        self.series = None  # callable: datastream id -> (epochs, results) numpy arrays, ascending

    def add_datastream(self, ds_id: int, *, unit="µg/m³", thing="Monitor"):
        self.datastreams[ds_id] = {
            "@iot.id": ds_id,
            "name": f"PM2.5 {ds_id}",
            "unitOfMeasurement": {"name": "microgram per cubic meter", "symbol": unit, "definition": ""},
        }
        self.things[ds_id] = {"@iot.id": ds_id, "name": thing}
        self.observations.setdefault(ds_id, [])


def _parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class Handler(BaseHTTPRequestHandler):
    state: SensorThingsState

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str):
        self._send(status, json.dumps({"code": status, "type": "error", "message": message}).encode())

    def do_GET(self):  # noqa: N802 - http.server's name
        state = self.state
        state.requests.append(self.path)
        if state.hang.is_set():
            state.release.wait(10)
            return
        if state.fail_next:
            state.fail_next -= 1
            return self._error(500, "Internal server error")
        if state.malformed:
            return self._send(200, b"<html>Service temporarily unavailable</html>")
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query)
        top = min(int(query.get("$top", ["100"])[0]), state.max_top)
        skip = int(query.get("$skip", ["0"])[0])
        path = parts.path.removeprefix("/v1.1")
        if path == "/Datastreams":
            # Related entities inline only when expanded; otherwise a navigation link, as the spec has it.
            expand = "Thing" in query.get("$expand", [""])[0].split(",")
            items = [
                {**ds, "Thing": state.things[ds_id]}
                if expand
                else {**ds, "Thing@iot.navigationLink": f"Datastreams({ds_id})/Thing"}
                for ds_id, ds in state.datastreams.items()
            ]
        elif path == "/Things":
            items = list(state.things.values())
        elif match := re.fullmatch(r"/Datastreams\((\d+)\)/Observations", path):
            ds_id = int(match.group(1))
            if ds_id not in state.datastreams:
                return self._error(404, "Nothing found.")
            since = None
            flt = query.get("$filter", [""])[0]
            if flt:
                found = re.fullmatch(r"phenomenonTime gt (\S+)", flt)
                if not found:
                    return self._error(400, "Unsupported filter.")
                since = None if state.ignore_filter else _parse_time(found.group(1))
            order = query.get("$orderby", ["phenomenonTime asc"])[0]
            if state.series is not None:
                return self._send_series(state, ds_id, since, skip, top, query, parts.path)
            items = [{"phenomenonTime": t, "result": r} for t, r in state.observations[ds_id]]
            if since is not None:
                items = [i for i in items if _parse_time(i["phenomenonTime"]) > since]
            items.sort(key=lambda i: _parse_time(i["phenomenonTime"]), reverse=order.endswith("desc"))
        else:
            return self._error(404, "Nothing found.")
        self._send_page(items[skip : skip + top], skip + top < len(items), skip, top, query, parts.path)

    def _send_page(self, page: list, more: bool, skip: int, top: int, query: dict, path: str):
        body = {"value": page}
        if more:
            params = {k: v[0] for k, v in query.items()}
            params["$skip"] = str(skip + top)
            params["$top"] = str(top)
            body["@iot.nextLink"] = f"http://{self.headers['Host']}{path}?" + urllib.parse.urlencode(params)
        self._send(200, json.dumps(body).encode())

    def _send_series(self, state, ds_id: int, since, skip: int, top: int, query: dict, path: str):
        """One page of a generated series (ascending order only), filtered and cut with numpy."""
        import numpy as np

        epochs, results = state.series(ds_id)
        first = 0 if since is None else int(np.searchsorted(epochs, since.timestamp(), side="right"))
        chosen = slice(first + skip, min(first + skip + top, len(epochs)))
        page = [
            {
                "phenomenonTime": datetime.datetime.fromtimestamp(e, datetime.UTC).isoformat().replace("+00:00", "Z"),
                "result": r,
            }
            for e, r in zip(epochs[chosen].tolist(), results[chosen].tolist(), strict=True)
        ]
        self._send_page(page, first + skip + top < len(epochs), skip, top, query, path)


class SensorThingsServer:
    def __init__(self):
        self.state = SensorThingsState()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1.1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.state.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
