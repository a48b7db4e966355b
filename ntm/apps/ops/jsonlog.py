"""JSON-lines logging for the ``ntm`` loggers: one object per line, easy to ship and to grep.

Every line has ``ts`` (UTC, ISO 8601), ``level``, ``logger`` and ``msg``, plus the ``extra=`` fields
of the call (``event``, ``user``, ``unit``, ``path``, …). A message that is itself a JSON object (the
``ntm.audit`` lines written by :func:`ntm.apps.audit.services.log`) is merged into the line rather
than quoted inside it.

Loggers of the project:

- ``ntm.audit``    — every saved change, workflow step, log-in and refused access (the audit log);
- ``ntm.access``   — every write request (POST/PUT/PATCH/DELETE) and every denied request (401/403)
  with who, method, path, view, unit and status (:class:`ntm.apps.ops.middleware.AccessLogMiddleware`);
- ``ntm.security`` — throttled log-ins, refused oversized requests;
- ``ntm.ops``      — backup, restore, health failures.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

# attributes every LogRecord has: anything else came from ``extra=``
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def _jsonable(v):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return str(v)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        msg = record.getMessage()
        parsed = None
        if msg.startswith("{") and msg.endswith("}"):
            try:
                parsed = json.loads(msg)
            except ValueError:
                parsed = None
        if isinstance(parsed, dict):
            for k, v in parsed.items():
                line.setdefault(k, v)
        else:
            line["msg"] = msg
        for k, v in record.__dict__.items():
            if k not in _STANDARD and not k.startswith("_") and k not in line:
                line[k] = _jsonable(v)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)


def logging_config(level: str = "INFO", root_level: str = "WARNING", json_lines: bool = True) -> dict:
    """A ``LOGGING`` dict: the ``ntm`` loggers as JSON lines on stderr at ``level``, everything else at
    ``root_level`` (plain text unless ``json_lines``)."""
    fmt = "json" if json_lines else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "ntm.apps.ops.jsonlog.JsonFormatter"},
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": fmt},
        },
        # ``ntm`` records propagate to the root handler (so pytest's caplog sees them too); the root
        # level does not filter records coming from a child logger, only the child's own level does.
        "loggers": {
            "ntm": {"level": level},
        },
        "root": {"handlers": ["console"], "level": root_level},
    }
