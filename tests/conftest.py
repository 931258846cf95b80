"""Shared test set-up: offline, quiet, and the repository root on the path."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SHOWCASE_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("MPLBACKEND", "Agg")
# what the app writes at run time (listening-test ratings) goes to a fresh folder, not the checkout
os.environ.setdefault("SHOWCASE_DATA", tempfile.mkdtemp(prefix="showcase-data-"))
