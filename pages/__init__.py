"""The tabs: thin Gradio pages over ``showcase`` backends, one module per topic.

Imported before numpy (``app.py`` and ``python -m pages.<area>.<topic>`` both start here): a
server answers two requests at once on two vCPUs, and OpenBLAS's second thread then only waits
on the other request. Measured on the SVD tab with another process busy: 2 threads 284 ms,
1 thread 100 ms for the same rank-32 compression.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
