"""`coopsync daemon` run on a Cooperative's config, for the daemon's e2e tests."""
import contextlib
import os
import subprocess
import urllib.request

from harness import WAIT, binary_path


class RunningDaemon:
    def __init__(self, proc, port_file):
        self.proc, self.port_file = proc, port_file

    def call(self, path, data=None, headers=None):
        """(status, body) of a request to the daemon's listener; fails if it exited."""
        if self.proc.poll() is not None:
            raise AssertionError("daemon exited %d" % self.proc.returncode)
        with open(self.port_file) as f:
            port = int(f.read().strip())
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data,
                                     headers=headers or {})
        with urllib.request.urlopen(req, timeout=WAIT) as r:
            return r.status, r.read().decode()


@contextlib.contextmanager
def running_daemon(coop, env=None):
    """The daemon on coop.config_path, its output in daemon.log; stopped with SIGTERM on the
    way out, which must exit 0."""
    port_file = os.path.join(coop.dir, "daemon.port")
    log = open(os.path.join(coop.dir, "daemon.log"), "wb")
    proc = subprocess.Popen([binary_path(), "daemon", "--config", coop.config_path,
                             "--port-file", port_file], env=env or coop.env, cwd=coop.dir,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        yield RunningDaemon(proc, port_file)
    finally:
        proc.terminate()
        try:
            code = proc.wait(timeout=WAIT)
            if code != 0:
                raise AssertionError("SIGTERM exits 0, not %d" % code)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
