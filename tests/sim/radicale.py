"""A real CalDAV server for Python end-to-end tests: Radicale on 127.0.0.1, free port,
temporary storage, htpasswd (plain) users. Recipe: ../shared/DEPS.md section 4.

    with Radicale({"alice": "secret"}) as rad:
        url = rad.base_url          # http://127.0.0.1:<port>
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time


def available():
    return subprocess.call(["/usr/bin/python3", "-c", "import radicale"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Radicale:
    def __init__(self, users, start_timeout=30.0):
        self.users = dict(users)
        self.start_timeout = start_timeout
        self.dir = None
        self.proc = None
        self.port = 0

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="coopsync-radicale-")
        with open(os.path.join(self.dir, "users"), "w") as f:
            for name, password in self.users.items():
                f.write("%s:%s\n" % (name, password))
        for _ in range(3):  # a port taken between picking and binding: try another
            if self._try(_free_port()):
                return self
        log = self._log_tail()
        self.stop()
        raise RuntimeError("radicale did not start: " + log)

    def _try(self, port):
        cfg = os.path.join(self.dir, "config")
        with open(cfg, "w") as f:
            f.write("[server]\nhosts = 127.0.0.1:%d\n[auth]\ntype = htpasswd\n"
                    "htpasswd_filename = %s\nhtpasswd_encryption = plain\n"
                    "[rights]\ntype = owner_only\n[storage]\nfilesystem_folder = %s\n"
                    "[web]\ntype = none\n[logging]\nlevel = warning\n"
                    % (port, os.path.join(self.dir, "users"),
                       os.path.join(self.dir, "collections")))
        log = open(os.path.join(self.dir, "log"), "ab")
        self.proc = subprocess.Popen(["/usr/bin/python3", "-m", "radicale", "--config", cfg],
                                     stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                return False
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    self.port = port
                    return True
            except OSError:
                time.sleep(0.05)
        self._kill()
        return False

    def _log_tail(self):
        try:
            with open(os.path.join(self.dir, "log"), errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def _kill(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def stop(self):
        self._kill()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
