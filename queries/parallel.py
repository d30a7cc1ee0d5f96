"""Independent reads side by side.

A page's reads are mostly independent metric queries; on a cold cache it should wait for the
slowest few, not for the sum of all. :func:`fetch` runs them on a few threads, each holding one
pooled connection while its query runs (the engine's pool is 5 + 5 overflow per process).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

#: Threads per call. Four leave room in the pool for other sessions of the same process.
READ_WORKERS = 4


def fetch(reads: dict[Hashable, Callable[[], object]], workers: int = READ_WORKERS) -> dict[Hashable, object]:
    """Run independent reads on ``workers`` threads; results by key, in the order given. The
    threads share the session's script context, so the st.cache_data caches behave as in the
    page itself. An error in any read is raised here."""
    if workers <= 1 or len(reads) <= 1:
        return {key: read() for key, read in reads.items()}
    ctx = get_script_run_ctx(suppress_warning=True)

    def run(read):
        if ctx is not None:
            add_script_run_ctx(threading.current_thread(), ctx)
        return read()

    with ThreadPoolExecutor(max_workers=min(workers, len(reads)), thread_name_prefix="alignboard-read") as pool:
        futures = {key: pool.submit(run, read) for key, read in reads.items()}
        return {key: future.result() for key, future in futures.items()}
