"""Echo server for the HTTP client's own tests: answers every request with a JSON
description of what it received (method, path, query, headers, body), or with what the
query asks for: ?status=N, ?bytes=N (a body of N bytes), ?sleep_ms=N, ?header=Name:Value,
?gate=N (hold the answer until N requests have been in the server at once, at most 10 s;
the answer says "gate_met"). /_sim/state: {"peak": the most requests ever in it at once}."""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from simbase import Response, SimApp, main  # noqa: E402


class EchoApp(SimApp):
    name = "echo"

    def __init__(self, args):
        super().__init__(args)
        self.inside = threading.Condition()
        self.active = 0
        self.peak = 0

    def handle(self, req):
        with self.inside:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.inside.notify_all()
        try:
            return self.answer(req)
        finally:
            with self.inside:
                self.active -= 1

    def answer(self, req):
        q = {k: v[0] for k, v in req.query.items()}
        gate_met = None
        if "gate" in q:
            with self.inside:
                gate_met = self.inside.wait_for(lambda: self.peak >= int(q["gate"]), timeout=10)
        if "sleep_ms" in q:
            time.sleep(int(q["sleep_ms"]) / 1000.0)
        headers = []
        if "header" in q:
            k, v = q["header"].split(":", 1)
            headers.append((k, v))
        if "bytes" in q:
            return Response(int(q.get("status", 200)), b"x" * int(q["bytes"]), headers, "text/plain")
        body = {"method": req.method, "path": req.path, "query": q,
                "headers": {k: v for k, v in req.headers.items()},
                "body": req.body.decode("utf-8", "replace")}
        if gate_met is not None:
            body["gate_met"] = gate_met
        return Response.json(body, status=int(q.get("status", 200)), headers=headers)

    def state(self):
        with self.inside:
            return {"peak": self.peak}

    def seed(self, data):
        return None

    def reset(self):
        pass


if __name__ == "__main__":
    main(EchoApp)
