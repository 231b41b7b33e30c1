"""Reading program files: bytes to a `Source`, with AF0xx diagnostics for what cannot be read."""

from __future__ import annotations

import codecs
import os

from agentflow.diagnostics import Diagnostic, DiagnosticSink
from agentflow.source import Source, Span

EXTENSION = ".agentflow"


def read_source(path: str) -> tuple[Source | None, list[Diagnostic]]:
    """Read a program file: its Source, or None and the diagnostic saying why not (AF006/7/8)."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        source = Source("", path)
        sink = DiagnosticSink(source)
        sink.report("AF006", Span(0, 0), _os_message(path, error))
        return None, sink.diagnostics
    return decode_source(data, path)


def decode_source(data: bytes, path: str) -> tuple[Source | None, list[Diagnostic]]:
    """Decode a program's bytes as UTF-8 (a BOM is dropped); binary or bad bytes → AF008/AF007."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        source = Source(data.decode("utf-16", errors="replace"), path)
        sink = DiagnosticSink(source)
        sink.report(
            "AF007",
            Span(0, 0),
            "file is encoded as UTF-16, not UTF-8",
            hint="save the file as UTF-8",
        )
        return None, sink.diagnostics
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    nul = data.find(b"\0")
    if nul != -1:
        source = Source(data.decode("utf-8", errors="replace"), path)
        offset = len(data[:nul].decode("utf-8", errors="replace"))
        sink = DiagnosticSink(source)
        sink.report(
            "AF008",
            Span(offset, offset + 1),
            "file looks binary: it contains a NUL byte",
            hint="agentflow programs are UTF-8 text files",
        )
        return None, sink.diagnostics
    try:
        return Source(data.decode("utf-8"), path), []
    except UnicodeDecodeError as error:
        # The valid prefix decodes the same either way, so its length is the offset of the
        # replacement character that stands for the first bad byte.
        offset = len(data[: error.start].decode("utf-8"))
        source = Source(data.decode("utf-8", errors="replace"), path)
        sink = DiagnosticSink(source)
        bad = data[error.start : error.end].hex(" ")
        sink.report(
            "AF007",
            Span(offset, offset + 1),
            f"file is not valid UTF-8: unexpected byte `0x{bad}`"
            if error.end - error.start == 1
            else f"file is not valid UTF-8: unexpected bytes `{bad}`",
            hint="save the file as UTF-8",
        )
        return None, sink.diagnostics


def _os_message(path: str, error: OSError) -> str:
    if isinstance(error, IsADirectoryError) or os.path.isdir(path):
        return f"cannot read `{path}`: it is a directory"
    reason = (error.strerror or type(error).__name__).lower()
    return f"cannot read `{path}`: {reason}"


def collect_paths(paths: list[str]) -> tuple[list[str], list[str]]:
    """Expand folders recursively to their `*.agentflow` files: (files, missing paths).

    Files named directly are kept whatever their extension; hidden folders met while walking
    are skipped. Each folder's files come sorted, and no file is listed twice.
    """
    files: list[str] = []
    missing: list[str] = []
    seen: set[str] = set()

    def add(file: str) -> None:
        key = os.path.normcase(os.path.abspath(file))
        if key not in seen:
            seen.add(key)
            files.append(file)

    for path in paths:
        if os.path.isdir(path):
            found: list[str] = []
            for root, dirs, names in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found.extend(os.path.join(root, n) for n in names if n.endswith(EXTENSION))
            for file in sorted(found):
                add(file)
        elif os.path.exists(path):
            add(path)
        else:
            missing.append(path)
    return files, missing
