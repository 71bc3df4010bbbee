"""Where the source tree, the e2e harness and the binary are. The benchmark is made of the
e2e harness and seed (tests/e2e): importing this puts them on sys.path."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("COOPSYNC_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
E2E_DIR = os.path.join(SOURCE_DIR, "tests", "e2e")
if E2E_DIR not in sys.path:
    sys.path.insert(0, E2E_DIR)

from harness import binary_path  # noqa: E402,F401
