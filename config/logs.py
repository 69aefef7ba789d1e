"""How every process of the service logs: to stderr, times in the service's zone (the
machine's may be UTC), as text or as JSON lines."""

import logging
import sys
import time
from datetime import datetime


def configure(config) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if config.service.log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp=True,
                json_ensure_ascii=False,
            )
        )
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")

        def local(seconds: float | None) -> time.struct_time:
            return datetime.fromtimestamp(time.time() if seconds is None else seconds, config.tz).timetuple()

        formatter.converter = local
        handler.setFormatter(formatter)
    logging.basicConfig(level=config.service.log_level, handlers=[handler])
    # APScheduler logs every job run at INFO; ours say what the jobs did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic logs its set-up on every connect; the state module logs each migration it runs.
    logging.getLogger("alembic").setLevel(logging.WARNING)
