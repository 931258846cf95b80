"""Thread settings for small torch models on a small CPU."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def one_thread():
    """Run torch on one thread inside the block, then restore the setting. For small models on
    the 2-core machines this project targets, two OpenMP threads wait on each other and made a
    call 3–10× slower than one (benchmarks/vision/*.py measure it)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
