"""Structured logs: JSON lines for machines, one readable line per record on a terminal.

Every record of the `agentflow` logger tree carries `run_id`, `node_id`, `trace_id` and
`span_id`, taken (first that has them) from the record's `extra=`, from `log_context(...)`
(a context variable the runtime can set around a run or node), then from the current
OpenTelemetry span (its ids, and its `agentflow.run.id` / `agentflow.node.id` attributes).

    {"ts": "2026-11-24T09:15:02.123456Z", "level": "info", "logger": "agentflow.run",
     "message": "node finished", "run_id": "run_...", "node_id": "draft",
     "trace_id": "4bf9...", "span_id": "00f0...", "status": "succeeded", ...}

Text (for a terminal; `auto` picks it when the stream is a TTY):

    09:15:02.123 INFO  node finished run_id=run_... node_id=draft trace_id=4bf9... status=succeeded

Secrets: `register_secret(value)` (the runtime calls it for every `env()` value) makes the
handler's `SecretFilter` mask that value as `[REDACTED:secret]` in the message, the extra
fields and exception text of every record, before it is formatted.

`configure_logging` installs one handler on the `agentflow` logger (never the root logger),
replacing the one a previous call installed; records do not propagate further up. The
OpenTelemetry SDK's own diagnostics (e.g. an exporter that cannot reach its collector) go
through the same handler at `error` and above (everything at `debug`). Library code only
ever logs; this module's `configure_logging` is for the command line (or an application).
Nothing here imports OpenTelemetry at import time.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any, Final, Literal, TextIO

ROOT_LOGGER: Final = "agentflow"
OTEL_LOGGER: Final = "opentelemetry"
LEVELS: Final = ("debug", "info", "warning", "error")
FORMATS: Final = ("auto", "json", "text")
IDS: Final = ("run_id", "node_id", "trace_id", "span_id")
SECRET_MASK: Final = "[REDACTED:secret]"
MIN_SECRET_LENGTH: Final = 4  # shorter values would mask ordinary text everywhere
SECRET_TAIL: Final = 6

LogFormat = Literal["auto", "json", "text"]

# The attributes every LogRecord has: anything else on a record came from `extra=`.
STANDARD_ATTRIBUTES: Final = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}

# Library convention: without configure_logging, records go nowhere (not to stderr via
# logging's last-resort handler).
logging.getLogger(ROOT_LOGGER).addHandler(logging.NullHandler())


def get_logger(name: str) -> logging.Logger:
    """A logger in the `agentflow` tree (`get_logger("runtime")` is `agentflow.runtime`)."""
    if name == ROOT_LOGGER or name.startswith(ROOT_LOGGER + "."):
        return logging.getLogger(name)
    return logging.getLogger(f"{ROOT_LOGGER}.{name}")


# ---------------------------------------------------------------- context

_NO_FIELDS: Final[Mapping[str, Any]] = MappingProxyType({})
_CONTEXT: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "agentflow_log_context", default=_NO_FIELDS
)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add fields (`run_id=`, `node_id=`, ...) to every record logged inside the block."""
    token = bind_log_context(**fields)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind_log_context(**fields: Any) -> contextvars.Token[Mapping[str, Any]]:
    """Add fields to the current context; undo with `reset_log_context(token)`."""
    merged = {**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}}
    return _CONTEXT.set(merged)


def reset_log_context(token: contextvars.Token[Mapping[str, Any]]) -> None:
    _CONTEXT.reset(token)


def current_log_context() -> Mapping[str, Any]:
    return _CONTEXT.get()


# ---------------------------------------------------------------- secrets

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Mask `value` in every log record from now on (values under 4 characters are ignored).

    APIs echo the end of a key (`...a1b2c3`), so for a value of 12 characters or more its
    last 6 characters are masked too, as the span content cleaner does.
    """
    global _pattern
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    masks = {value}
    if len(value) >= 2 * SECRET_TAIL:
        masks.add(value[-SECRET_TAIL:])
    with _secrets_lock:
        if not masks <= _secrets:
            _secrets.update(masks)
            _pattern = None


def clear_secrets() -> None:
    """Forget every registered secret (tests)."""
    global _pattern
    with _secrets_lock:
        _secrets.clear()
        _pattern = None


def mask_secrets(text: str) -> str:
    """`text` with every registered secret replaced by `[REDACTED:secret]`."""
    global _pattern
    pattern = _pattern
    if pattern is None:
        with _secrets_lock:
            if not _secrets:
                return text
            # Longest first, so a secret containing another is masked whole.
            ordered = sorted(_secrets, key=len, reverse=True)
            pattern = _pattern = re.compile("|".join(map(re.escape, ordered)))
    return pattern.sub(SECRET_MASK, text)


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, Mapping):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(item) for item in value]
    return value


class SecretFilter(logging.Filter):
    """Masks registered secrets in a record's message, extra fields and exception text.

    It rewrites the record (message formatted once, `args` cleared), so it belongs on a
    handler: a handler's filters see records from every logger below it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        record.msg = mask_secrets(record.getMessage())
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key not in STANDARD_ATTRIBUTES:
                record.__dict__[key] = _mask(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        return True


# ---------------------------------------------------------------- formatting


def record_ids(record: logging.LogRecord) -> dict[str, Any]:
    """run_id, node_id, trace_id and span_id of a record (None where unknown)."""
    fields = record.__dict__
    context = _CONTEXT.get()
    ids = {key: fields.get(key) or context.get(key) for key in IDS}
    if None in ids.values():
        for key, value in _span_ids().items():
            if ids[key] is None:
                ids[key] = value
    return ids


def _span_ids() -> dict[str, Any]:
    """Ids of the current OpenTelemetry span (imported only if OpenTelemetry already is)."""
    if "opentelemetry.trace" not in sys.modules:
        return {}
    from opentelemetry import trace

    span = trace.get_current_span()
    context = span.get_span_context()
    if not context.is_valid:
        return {}
    ids: dict[str, Any] = {
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
    }
    attributes = getattr(span, "attributes", None)
    if isinstance(attributes, Mapping):
        ids["run_id"] = attributes.get("agentflow.run.id")
        ids["node_id"] = attributes.get("agentflow.node.id")
    return ids


def record_extra(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a record got from `extra=` and from `log_context` (ids excluded; secrets in
    the context are masked here, those in `extra=` by the SecretFilter)."""
    extra = {k: _mask(v) for k, v in _CONTEXT.get().items() if k not in IDS}
    extra.update(
        (key, value)
        for key, value in record.__dict__.items()
        if key not in STANDARD_ATTRIBUTES and key not in IDS and not key.startswith("_")
    )
    return extra


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the four ids, then the extras."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created, dt.UTC)
        line: dict[str, Any] = {
            "ts": stamp.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **record_ids(record),
        }
        for key, value in record_extra(record).items():
            line.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


_COLORS: Final = {
    "DEBUG": "\x1b[2m",
    "INFO": "\x1b[36m",
    "WARNING": "\x1b[33m",
    "ERROR": "\x1b[31m",
    "CRITICAL": "\x1b[1;31m",
}
_PLAIN_VALUE: Final = re.compile(r"[^\s=\"']+")


class TextFormatter(logging.Formatter):
    """`HH:MM:SS.mmm LEVEL message key=value ...` on one line (the traceback too at debug)."""

    def __init__(self, *, color: bool = False, tracebacks: bool = False) -> None:
        super().__init__()
        self.color = color
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        level = f"{record.levelname:<5}"
        if self.color:
            level = f"{_COLORS.get(record.levelname, '')}{level}\x1b[0m"
        message = record.getMessage().replace("\n", "\\n")
        parts = [f"{stamp}.{int(record.msecs):03d}", level, message]
        fields = {k: v for k, v in record_ids(record).items() if v is not None}
        fields.update(record_extra(record))
        parts.extend(f"{key}={_value(value)}" for key, value in fields.items())
        text = " ".join(parts)
        if record.exc_info:
            kind, error = record.exc_info[0], record.exc_info[1]
            if kind is not None:
                text += f" error={_value(mask_secrets(f'{kind.__name__}: {error}'))}"
            if self.tracebacks:
                text += "\n" + (record.exc_text or self.formatException(record.exc_info))
        return text


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if _PLAIN_VALUE.fullmatch(text) else json.dumps(text, ensure_ascii=False)


# ---------------------------------------------------------------- configuration


class _StreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that, given no stream, writes to whatever `sys.stderr` is at the time
    (so a live display that redirects stderr keeps its log lines in place)."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__(stream or sys.stderr)
        self._fixed = stream

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return self._fixed or sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


_installed: logging.Handler | None = None


def configure_logging(
    level: str = "warning",
    fmt: LogFormat | str = "auto",
    stream: TextIO | None = None,
    *,
    color: bool | None = None,
) -> None:
    """Send `agentflow` log records at `level` and above to `stream` (stderr by default).

    `fmt`: json, text, or auto (text on a TTY, else json). `color` (text only) defaults to
    "the stream is a TTY". Calling again replaces the previous configuration. Raises
    ValueError for an unknown level or format.
    """
    global _installed
    name = level.lower()
    if name not in LEVELS:
        raise ValueError(f"unknown log level `{level}` (choose {', '.join(LEVELS)})")
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format `{fmt}` (choose {', '.join(FORMATS)})")
    target = stream or sys.stderr
    tty = _isatty(target)
    formatter: logging.Formatter
    if fmt == "json" or (fmt == "auto" and not tty):
        formatter = JsonFormatter()
    else:
        formatter = TextFormatter(color=tty if color is None else color, tracebacks=name == "debug")
    handler = _StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(SecretFilter())
    numeric = logging.getLevelNamesMapping()[name.upper()]
    reset_logging()
    _installed = handler
    agentflow = logging.getLogger(ROOT_LOGGER)
    agentflow.addHandler(handler)
    agentflow.setLevel(numeric)
    agentflow.propagate = False
    sdk = logging.getLogger(OTEL_LOGGER)
    sdk.addHandler(handler)
    sdk.setLevel(numeric if name == "debug" else logging.ERROR)
    sdk.propagate = False


def reset_logging() -> None:
    """Undo `configure_logging`: remove its handler and restore both loggers' defaults."""
    global _installed
    handler, _installed = _installed, None
    for name in (ROOT_LOGGER, OTEL_LOGGER):
        logger = logging.getLogger(name)
        if handler is not None:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
            logger.propagate = True
    if handler is not None:
        handler.close()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
