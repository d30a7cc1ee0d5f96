"""Outside a Streamlit server (CLI, benchmarks, tests) the cached query functions fall back to an
in-memory cache and Streamlit logs a warning on every call. Those notices are expected there."""

from __future__ import annotations


def quiet_streamlit() -> None:
    """Raise Streamlit's log level to errors, for every Streamlit logger, existing and future."""
    from streamlit import logger

    logger.set_log_level("error")
