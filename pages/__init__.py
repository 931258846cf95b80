"""The tabs: thin Gradio pages over ``showcase`` backends, one module per topic.

Imported before numpy (``app.py`` and ``python -m pages.<area>.<topic>`` both start here): a
server answers two requests at once on two vCPUs, and OpenBLAS's second thread then only waits
on the other request. Measured on the SVD tab with another process busy: 2 threads 284 ms,
1 thread 100 ms for the same rank-32 compression. The same holds for torch's OpenMP team: 120 steps
of the distillation student beside one busy process took 16.8 s on 2 threads and 7.3 s on 1 (5.3 and
6.9 s on a quiet machine), so a class's concurrent clicks each get one thread. A run of its own can
set ``OMP_NUM_THREADS`` first (the edge tab's benchmark sets its threads per call).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
