"""Where the source tree, the e2e harness and the binary are."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("COOPSYNC_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
E2E_DIR = os.path.join(SOURCE_DIR, "tests", "e2e")


def binary_path():
    path = os.environ.get("COOPSYNC_BINARY") or os.path.join(SOURCE_DIR, "build", "coopsync")
    return os.path.abspath(path)
