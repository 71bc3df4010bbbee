"""Shared plumbing for coopsync's protocol simulators.

Every simulator (Odoo, Nextcloud, Matrix, Mobilizon) is a stateful stand-in for a real
server, bound to 127.0.0.1 only. They share:
  * start-up: `--port 0` picks a free port; the chosen port is printed as the first line
    of stdout (`LISTENING <port>`) and, with `--port-file F`, written to F, so tests and
    the demo can start them without racing for ports;
  * fault injection, configured at run time through `POST /_sim/faults` so a test can
    switch an outage on and off mid-run;
  * control endpoints under `/_sim/` (never faulted): state, seed, reset, stats, faults.

A simulator subclasses `SimApp` and implements `handle(req)`; it may override
`render_fault(req, fault)` to shape an injected error exactly like its real server does
(Matrix answers 429 with `retry_after_ms` in JSON, Odoo XML-RPC answers 200 + fault...).
"""
import argparse
import email.utils
import json
import random
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 64 * 1024 * 1024  # a simulator refuses absurd bodies rather than exhausting memory


class Request:
    """One parsed inbound request, handed to SimApp.handle."""

    def __init__(self, handler, method):
        self.handler = handler
        self.method = method
        parts = urlsplit(handler.path)
        self.path = parts.path
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.raw_query = parts.query
        self.headers = handler.headers
        length = int(handler.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        self.body = handler.rfile.read(length) if length > 0 else b""

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None


class Response:
    def __init__(self, status=200, body=b"", headers=None, content_type=None, close=False):
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.headers = list(headers or [])
        if content_type:
            self.headers.append(("Content-Type", content_type))
        self.close = close

    @staticmethod
    def json(obj, status=200, headers=None, content_type="application/json; charset=utf-8"):
        return Response(status, json.dumps(obj, ensure_ascii=False), headers, content_type)


class Faults:
    """Run-time fault plan. Configuration (all optional):
      rate: probability in [0,1] that a request is faulted
      every_nth: fault every Nth matching request (1-based count of matching requests)
      count: stop after injecting this many faults
      kinds: list of fault kinds to choose from at random, each one of
             "status:<code>"  answer with that status (the app shapes the body)
             "rate_limit"     the app's own rate-limit answer (429 + hint)
             "timeout"        hold the connection `hold_ms` then close it unanswered
             "drop"           close the connection without reading further or answering
             "drop_after"     carry the request out, then close without answering
                              (the client cannot know whether the write happened)
      latency_ms: added to every matching request (faulted or not)
      path_prefix: only requests whose path starts with this are considered
      methods: only these HTTP methods are considered
      hold_ms: for "timeout" (default 30000)
      retry_after_ms: hint the app puts in its rate-limit answer (default 1000)
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.cfg = {}
        self.seen = 0
        self.injected = 0
        self.rng = random.Random(1234)

    def configure(self, cfg):
        with self.lock:
            self.cfg = dict(cfg or {})
            self.seen = 0
            self.injected = 0
            if "seed" in self.cfg:
                self.rng = random.Random(self.cfg["seed"])

    def pick(self, req):
        """Returns (latency_seconds, fault_kind or None) for this request."""
        with self.lock:
            cfg = self.cfg
            if not cfg:
                return 0.0, None
            if cfg.get("path_prefix") and not req.path.startswith(cfg["path_prefix"]):
                return 0.0, None
            if cfg.get("methods") and req.method not in cfg["methods"]:
                return 0.0, None
            latency = float(cfg.get("latency_ms", 0)) / 1000.0
            self.seen += 1
            if "count" in cfg and self.injected >= int(cfg["count"]):
                return latency, None
            hit = False
            if cfg.get("every_nth") and self.seen % int(cfg["every_nth"]) == 0:
                hit = True
            if cfg.get("rate") and self.rng.random() < float(cfg["rate"]):
                hit = True
            if not hit:
                return latency, None
            kinds = cfg.get("kinds") or ["status:503"]
            self.injected += 1
            return latency, self.rng.choice(kinds)

    def snapshot(self):
        with self.lock:
            return {"config": self.cfg, "seen": self.seen, "injected": self.injected}


class SimApp:
    """Base class of a simulator. Subclasses implement handle/state/seed/reset."""

    name = "sim"
    protocol_version = "HTTP/1.1"   # Odoo's server closes after each answer: override per app
    server_header = "coopsync-sim"

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()   # one lock for the whole state: simple and race-free
        self.faults = Faults()
        self.stats = {}
        self.stats_lock = threading.Lock()

    # --- to implement -------------------------------------------------------------
    def handle(self, req):
        raise NotImplementedError

    def state(self):
        return {}

    def seed(self, data):
        raise NotImplementedError

    def reset(self):
        raise NotImplementedError

    def render_fault(self, req, status):
        """An injected HTTP error, shaped like the real server. Default: plain JSON."""
        return Response.json({"error": "injected fault", "status": status}, status=status)

    def render_rate_limit(self, req, retry_after_ms):
        return Response(429, b"rate limited", [("Retry-After", str(max(1, retry_after_ms // 1000)))],
                        "text/plain")

    def add_arguments(self, parser):
        """Extra command-line options of this simulator."""

    def clock(self):
        """The server's time (epoch seconds) for the Date header: a simulator with a clock
        of its own (Odoo's frozen or shifted clock) answers with that time, as the real
        server's Date and its stored timestamps come from one clock."""
        return time.time()

    # --- shared machinery ---------------------------------------------------------
    def count(self, key):
        with self.stats_lock:
            self.stats[key] = self.stats.get(key, 0) + 1

    def control(self, req):
        path = req.path[len("/_sim/"):]
        if path == "state" and req.method == "GET":
            with self.lock:
                return Response.json(self.state())
        if path == "seed" and req.method == "POST":
            with self.lock:
                result = self.seed(req.json() or {})
            return Response.json(result if result is not None else {"ok": True})
        if path == "reset" and req.method == "POST":
            with self.lock:
                self.reset()
            with self.stats_lock:
                self.stats = {}
            return Response.json({"ok": True})
        if path == "faults" and req.method == "POST":
            self.faults.configure(req.json() or {})
            return Response.json({"ok": True})
        if path == "faults" and req.method == "GET":
            return Response.json(self.faults.snapshot())
        if path == "stats" and req.method == "GET":
            with self.stats_lock:
                return Response.json(dict(self.stats))
        if path == "stats" and req.method == "DELETE":
            with self.stats_lock:
                self.stats = {}
            return Response.json({"ok": True})
        return Response.json({"error": "unknown control endpoint " + req.path}, status=404)


def _make_handler(app):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = app.protocol_version
        # Headers and body leave in two writes: without TCP_NODELAY, Nagle + delayed ACK
        # stall every keep-alive answer ~40 ms.
        disable_nagle_algorithm = True
        server_version = app.server_header
        sys_version = ""

        def date_time_string(self, timestamp=None):
            return email.utils.formatdate(app.clock() if timestamp is None else timestamp,
                                          usegmt=True)

        def log_message(self, fmt, *a):  # quiet unless asked
            if app.args.verbose:
                sys.stderr.write("%s %s\n" % (app.name, fmt % a))

        def _serve(self, method):
            try:
                req = Request(self, method)
            except ValueError:
                self._send(Response(413, b"request body too large", content_type="text/plain", close=True))
                return
            if req.path.startswith("/_sim/"):
                self._send(app.control(req))
                return
            app.count("requests")
            latency, fault = app.faults.pick(req)
            if latency:
                time.sleep(latency)
            if fault == "drop":
                self._drop()
                return
            if fault == "timeout":
                time.sleep(float(app.faults.cfg.get("hold_ms", 30000)) / 1000.0)
                self._drop()
                return
            if fault and fault.startswith("status:"):
                app.count("faults")
                self._send(app.render_fault(req, int(fault.split(":", 1)[1])))
                return
            if fault == "rate_limit":
                app.count("faults")
                self._send(app.render_rate_limit(req, int(app.faults.cfg.get("retry_after_ms", 1000))))
                return
            try:
                resp = app.handle(req)
            except Exception as exc:  # a simulator bug must be visible, not a hang
                import traceback
                traceback.print_exc()
                resp = Response(500, "simulator error: %r" % exc, content_type="text/plain")
            if fault == "drop_after":
                app.count("faults")
                self._drop()
                return
            self._send(resp)

        def _drop(self):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def _send(self, resp):
            self.send_response(resp.status, getattr(resp, "reason", None))  # optional exact phrase
            names = {k.lower() for k, _ in resp.headers}
            for k, v in resp.headers:
                self.send_header(k, v)
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(resp.body)))
            if resp.close or self.protocol_version == "HTTP/1.0":
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(resp.body)

        def do_GET(self): self._serve("GET")
        def do_POST(self): self._serve("POST")
        def do_PUT(self): self._serve("PUT")
        def do_DELETE(self): self._serve("DELETE")
        def do_PATCH(self): self._serve("PATCH")
        def do_HEAD(self): self._serve("HEAD")
        def do_OPTIONS(self): self._serve("OPTIONS")
        def do_PROPFIND(self): self._serve("PROPFIND")
        def do_PROPPATCH(self): self._serve("PROPPATCH")
        def do_MKCOL(self): self._serve("MKCOL")
        def do_MKCALENDAR(self): self._serve("MKCALENDAR")
        def do_REPORT(self): self._serve("REPORT")
        def do_MOVE(self): self._serve("MOVE")
        def do_COPY(self): self._serve("COPY")

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main(app_class, argv=None):
    parser = argparse.ArgumentParser(description=app_class.__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the chosen port to this file")
    parser.add_argument("--seed", help="JSON file loaded as the initial state")
    parser.add_argument("--verbose", action="store_true")
    probe = app_class.__new__(app_class)
    SimApp.add_arguments(probe, parser)
    app_class.add_arguments(probe, parser)
    args = parser.parse_args(argv)
    app = app_class(args)
    if args.seed:
        with open(args.seed, encoding="utf-8") as f:
            with app.lock:
                app.seed(json.load(f))
    # Loopback only, always: simulators hold test credentials and fake data.
    server = _Server(("127.0.0.1", args.port), _make_handler(app))
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    print("LISTENING %d" % port, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
