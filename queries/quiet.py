"""Outside a Streamlit server (CLI, benchmarks, tests) the cached query functions fall back to an
in-memory cache and Streamlit logs a warning on every call. Those notices are expected there."""

from __future__ import annotations


def quiet_streamlit() -> None:
    """Raise Streamlit's log level to errors, for every Streamlit logger, existing and future.

    Also sets the config option: Streamlit re-applies ``logger.level`` whenever it parses its
    config (first use of ``st.secrets``, for example), which would undo the call alone."""
    from streamlit import config, logger

    config.set_option("logger.level", "error")
    logger.set_log_level("error")
