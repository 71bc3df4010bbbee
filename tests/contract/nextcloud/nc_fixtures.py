"""Reader for ../shared/fixtures/nextcloud/*.http (format in that folder's INDEX.md)."""
import glob
import os


class Exchange:
    def __init__(self, name):
        self.name = name
        self.method = ""
        self.target = ""
        self.req_headers = []
        self.req_body = b""
        self.status = 0
        self.reason = ""
        self.resp_headers = []
        self.resp_body = b""

    def req_header(self, name, default=None):
        return _find(self.req_headers, name, default)

    def resp_header(self, name, default=None):
        return _find(self.resp_headers, name, default)


def _find(headers, name, default):
    for k, v in headers:
        if k.lower() == name.lower():
            return v
    return default


def _split(block):
    """Header lines and body of one section; the body is cut to Content-Length."""
    head, sep, body = block.partition(b"\n\n")
    lines = head.decode("utf-8").split("\n")
    headers = []
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers.append((k.strip(), v.strip()))
    length = _find(headers, "Content-Length", None)
    if length is not None:
        body = body[:int(length)]
    elif body.endswith(b"\n"):
        body = body[:-1]  # the file's own line end after a body without Content-Length
    return lines[0], headers, body


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    name = os.path.basename(path)[:-len(".http")]
    ex = Exchange(name)
    req = raw.split(b"### request\n", 1)[1]
    req, resp = req.split(b"### response\n", 1)
    first, ex.req_headers, ex.req_body = _split(req)
    ex.method, ex.target, _ = first.split(" ", 2)
    first, ex.resp_headers, ex.resp_body = _split(resp)
    parts = first.split(" ", 2)
    ex.status = int(parts[1])
    ex.reason = parts[2] if len(parts) > 2 else ""
    return ex


def fixtures_dir():
    return os.path.join(os.environ.get("COOPSYNC_FIXTURES_DIR",
                                       os.path.join(os.path.dirname(__file__), "..", "..",
                                                    "..", "..", "shared", "fixtures")),
                        "nextcloud")


def load_all():
    return [load(p) for p in sorted(glob.glob(os.path.join(fixtures_dir(), "*.http")))]
