"""Echo server for the HTTP client's own tests: answers every request with a JSON
description of what it received (method, path, query, headers, body), or with what the
query asks for: ?status=N, ?bytes=N (a body of N bytes), ?sleep_ms=N, ?header=Name:Value."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from simbase import Response, SimApp, main  # noqa: E402


class EchoApp(SimApp):
    name = "echo"

    def handle(self, req):
        q = {k: v[0] for k, v in req.query.items()}
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
        return Response.json(body, status=int(q.get("status", 200)), headers=headers)

    def state(self):
        return {}

    def seed(self, data):
        return None

    def reset(self):
        pass


if __name__ == "__main__":
    main(EchoApp)
