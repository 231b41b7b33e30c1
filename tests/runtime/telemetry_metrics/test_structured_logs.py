"""Structured logs: JSON lines with the run, node, trace and span ids; one text line per record
on a terminal; level filtering; secret masking; configuring again replaces, never adds."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.logs import (
    SECRET_MASK,
    bind_log_context,
    configure_logging,
    get_logger,
    log_context,
    mask_secrets,
    register_secret,
    reset_log_context,
    reset_logging,
)

log = get_logger("tests")


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def out() -> io.StringIO:
    stream = io.StringIO()
    configure_logging("debug", "json", stream)
    return stream


# ---------------------------------------------------------------- JSON lines


def test_a_json_line_has_the_documented_fields(out: io.StringIO) -> None:
    log.info("node %s finished", "draft", extra={"status": "succeeded", "cost_usd": 0.25})
    (line,) = json_lines(out)
    assert list(line)[:8] == [
        "ts",
        "level",
        "logger",
        "message",
        "run_id",
        "node_id",
        "trace_id",
        "span_id",
    ]
    assert line["level"] == "info"
    assert line["logger"] == "agentflow.tests"
    assert line["message"] == "node draft finished"
    assert (line["status"], line["cost_usd"]) == ("succeeded", 0.25)
    assert line["run_id"] is None and line["trace_id"] is None
    assert line["ts"].endswith("Z")
    stamp = dt.datetime.fromisoformat(line["ts"].replace("Z", "+00:00"))
    assert stamp.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()) < 3600


def test_ids_come_from_the_current_span() -> None:
    out = io.StringIO()
    configure_logging("info", "json", out)
    tracer = TracerProvider(shutdown_on_exit=False).get_tracer("tests")
    attributes = {attr.RUN_ID: "run_abc", attr.NODE_ID: "draft"}
    with tracer.start_as_current_span("node draft", attributes=attributes) as span:
        log.info("inside")
        context = span.get_span_context()
    log.info("outside")
    inside, outside = json_lines(out)
    assert inside["trace_id"] == format(context.trace_id, "032x")
    assert inside["span_id"] == format(context.span_id, "016x")
    assert (inside["run_id"], inside["node_id"]) == ("run_abc", "draft")
    assert outside["trace_id"] is None and outside["run_id"] is None


def test_ids_from_the_log_context_and_extra_in_that_order(out: io.StringIO) -> None:
    with log_context(run_id="run_ctx", node_id="a", workflow="w"):
        log.info("from the context")
        log.info("extra wins", extra={"node_id": "b"})
        token = bind_log_context(node_id="c")
        log.info("nested")
        reset_log_context(token)
        log.info("restored")
    log.info("after")
    records = json_lines(out)
    assert [(r["run_id"], r["node_id"]) for r in records] == [
        ("run_ctx", "a"),
        ("run_ctx", "b"),
        ("run_ctx", "c"),
        ("run_ctx", "a"),
        (None, None),
    ]
    assert records[0]["workflow"] == "w"
    assert "workflow" not in records[-1]


def test_the_context_beats_the_current_span() -> None:
    out = io.StringIO()
    configure_logging("info", "json", out)
    tracer = TracerProvider(shutdown_on_exit=False).get_tracer("tests")
    with (
        tracer.start_as_current_span("s", attributes={attr.RUN_ID: "from_span"}),
        log_context(run_id="from_context"),
    ):
        log.info("x")
    (line,) = json_lines(out)
    assert line["run_id"] == "from_context"
    assert line["trace_id"] is not None


def test_exceptions_and_unserializable_extras(out: io.StringIO) -> None:
    try:
        raise ValueError("bad value")
    except ValueError:
        log.exception("it broke", extra={"when": dt.date(2026, 1, 2)})
    (line,) = json_lines(out)
    assert line["level"] == "error"
    assert "ValueError: bad value" in line["exception"]
    assert "Traceback" in line["exception"]
    assert line["when"] == "2026-01-02"


# ---------------------------------------------------------------- text


TEXT_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} (\S+)\s+(.*)$")


def test_auto_is_text_on_a_terminal_with_the_ids_as_key_values() -> None:
    tty = FakeTTY()
    configure_logging("info", "auto", tty, color=False)
    with log_context(run_id="run_1", node_id="draft"):
        log.info("node finished", extra={"status": "succeeded", "note": "two words"})
    (line,) = tty.getvalue().splitlines()
    match = TEXT_LINE.match(line)
    assert match is not None, line
    assert match.group(1) == "INFO"
    assert match.group(2) == (
        'node finished run_id=run_1 node_id=draft status=succeeded note="two words"'
    )


def test_auto_is_json_when_not_a_terminal() -> None:
    stream = io.StringIO()
    configure_logging("info", "auto", stream)
    log.info("hello")
    assert json_lines(stream)[0]["message"] == "hello"


def test_text_is_coloured_on_a_terminal_unless_told_not_to() -> None:
    tty = FakeTTY()
    configure_logging("info", "text", tty)
    log.warning("careful")
    assert "\x1b[33mWARNING\x1b[0m" in tty.getvalue()
    plain = FakeTTY()
    configure_logging("info", "text", plain, color=False)
    log.warning("careful")
    assert "\x1b[" not in plain.getvalue()


def test_text_keeps_an_exception_on_one_line_except_at_debug() -> None:
    for level, lines in (("info", 1), ("debug", None)):
        stream = io.StringIO()
        configure_logging(level, "text", stream)
        try:
            raise KeyError("missing")
        except KeyError:
            log.error("lookup failed", exc_info=True)
        text = stream.getvalue().rstrip("\n")
        assert "error=\"KeyError: 'missing'\"" in text
        if lines is not None:
            assert len(text.splitlines()) == lines
        else:
            assert "Traceback" in text


# ---------------------------------------------------------------- levels and configuration


def test_levels_filter() -> None:
    stream = io.StringIO()
    configure_logging("warning", "json", stream)
    log.debug("d")
    log.info("i")
    log.warning("w")
    log.error("e")
    assert [r["message"] for r in json_lines(stream)] == ["w", "e"]
    configure_logging("ERROR", "json", stream)
    log.warning("w2")
    log.error("e2")
    assert [r["message"] for r in json_lines(stream)] == ["w", "e", "e2"]


@pytest.mark.parametrize(
    ("level", "fmt", "message"),
    [("verbose", "json", "unknown log level `verbose`"), ("info", "xml", "unknown log format")],
)
def test_bad_level_or_format(level: str, fmt: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        configure_logging(level, fmt, io.StringIO())


def test_configuring_again_replaces_the_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("info", "json", first)
    configure_logging("info", "json", second)
    configure_logging("info", "json", second)
    log.info("once")
    assert first.getvalue() == ""
    assert len(json_lines(second)) == 1
    assert len(logging.getLogger("agentflow").handlers) == 2  # the NullHandler and ours
    reset_logging()
    assert [type(h) for h in logging.getLogger("agentflow").handlers] == [logging.NullHandler]
    assert logging.getLogger("agentflow").propagate is True


def test_records_do_not_reach_the_root_logger() -> None:
    seen: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    catch = Catch()
    logging.getLogger().addHandler(catch)
    try:
        configure_logging("info", "json", io.StringIO())
        log.info("mine")
        assert seen == []
        reset_logging()
        log.warning("propagates again")
        assert [r.getMessage() for r in seen] == ["propagates again"]
    finally:
        logging.getLogger().removeHandler(catch)


def test_the_sdk_logs_errors_only_unless_debugging() -> None:
    sdk = logging.getLogger("opentelemetry.exporter.test")
    stream = io.StringIO()
    configure_logging("info", "json", stream)
    sdk.warning("transient, retrying")
    sdk.error("failed to export")
    configure_logging("debug", "json", stream)
    sdk.warning("shown at debug")
    assert [r["message"] for r in json_lines(stream)] == ["failed to export", "shown at debug"]


def test_no_stream_means_the_stderr_of_the_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    configure_logging("info", "json")
    later = io.StringIO()
    monkeypatch.setattr(sys, "stderr", later)
    log.info("redirected")
    assert json_lines(later)[0]["message"] == "redirected"


def test_unconfigured_logs_print_nothing() -> None:
    code = (
        "from agentflow.runtime.telemetry.logs import get_logger\n"
        "get_logger('runtime').warning('should not appear')\n"
        "get_logger('runtime').error('nor this')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (done.stdout, done.stderr) == ("", "")


def test_get_logger_names() -> None:
    assert get_logger("runtime").name == "agentflow.runtime"
    assert get_logger("agentflow.cli").name == "agentflow.cli"
    assert get_logger("agentflow").name == "agentflow"
    assert get_logger("agentflowx").name == "agentflow.agentflowx"


# ---------------------------------------------------------------- secrets

SECRET = "sk-live-0123456789abcdef"


def test_registered_secrets_are_masked_everywhere_in_a_record(out: io.StringIO) -> None:
    register_secret(SECRET)
    child = logging.getLogger("agentflow.runtime.deep.child")
    child.info("calling with key %s", SECRET, extra={"header": f"Bearer {SECRET}"})
    log.info("nested", extra={"config": {"keys": [SECRET, "public"], "n": 1}})
    try:
        raise RuntimeError(f"auth failed for {SECRET}")
    except RuntimeError:
        log.exception("boom")
    text = out.getvalue()
    assert SECRET not in text
    first, second, third = json_lines(out)
    assert first["message"] == f"calling with key {SECRET_MASK}"
    assert first["header"] == f"Bearer {SECRET_MASK}"
    assert second["config"] == {"keys": [SECRET_MASK, "public"], "n": 1}
    assert f"auth failed for {SECRET_MASK}" in third["exception"]


@pytest.mark.parametrize("level", ["info", "debug"])
def test_secrets_are_masked_in_text_too(level: str) -> None:
    tty = FakeTTY()
    configure_logging(level, "text", tty)
    register_secret(SECRET)
    with log_context(token=SECRET):
        log.warning(f"token {SECRET}")
    try:
        raise PermissionError(f"rejected {SECRET}")
    except PermissionError:
        log.warning("call failed", exc_info=True)
    text = tty.getvalue()
    assert SECRET not in text
    assert text.count(SECRET_MASK) >= 3


def test_a_text_record_stays_on_one_line() -> None:
    stream = io.StringIO()
    configure_logging("info", "text", stream)
    log.info("first\nsecond", extra={"detail": "a\nb"})
    (line,) = stream.getvalue().splitlines()
    assert "first\\nsecond" in line and 'detail="a\\nb"' in line


def test_secret_registry_details() -> None:
    register_secret("abc")  # too short to mask safely: ignored
    register_secret(None)
    register_secret("")
    assert mask_secrets("abc abc") == "abc abc"
    register_secret("tok-12345")
    register_secret("tok-12345-extended")
    # The longer secret is masked whole, not as the shorter one plus a visible tail.
    assert mask_secrets("a tok-12345-extended b tok-12345") == f"a {SECRET_MASK} b {SECRET_MASK}"
    # The end of a long key, as an API error message echoes it, is masked too.
    assert mask_secrets("invalid key ...tended") == f"invalid key ...{SECRET_MASK}"
    assert mask_secrets("tok-12") == "tok-12"
