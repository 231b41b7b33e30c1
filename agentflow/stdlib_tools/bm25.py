"""BM25 ranking over a directory of text documents, built once per corpus state and cached."""

from __future__ import annotations

import itertools
import math
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

K1 = 1.5
B = 0.75
SUFFIXES = (".md", ".txt", ".rst")
MAX_FILE_BYTES = 5_000_000
SNIPPET_CHARS = 200

_WORD = re.compile(r"[^\W_]+")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+<>:.])\1+\s*$")


def tokenize(text: str) -> list[str]:
    """The lowercase words of `text`."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class Document:
    """One indexed file: its path relative to the program's directory, title, text and terms."""

    path: str
    title: str
    text: str
    terms: Counter[str]
    length: int


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked document."""

    document: Document
    score: float


def title_of(text: str, path: Path) -> str:
    """The first markdown heading (or reStructuredText title), else the file name."""
    if heading := _MD_HEADING.search(text):
        return heading.group(1).strip()
    if path.suffix.lower() == ".rst":
        lines = text.splitlines()
        for above, line in itertools.pairwise(lines):
            if (
                above.strip()
                and _RST_UNDERLINE.match(line)
                and len(line.strip()) >= len(above.strip())
            ):
                return above.strip()
    return path.name


class Index:
    """An in-memory BM25 index (k1=1.5, b=0.75, Lucene's non-negative idf)."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents
        self.frequency: Counter[str] = Counter()
        for document in documents:
            self.frequency.update(document.terms.keys())
        total = sum(d.length for d in documents)
        self.average = total / len(documents) if documents else 0.0

    def idf(self, term: str) -> float:
        count, n = self.frequency.get(term, 0), len(self.documents)
        return math.log((n - count + 0.5) / (count + 0.5) + 1.0)

    def score(self, document: Document, terms: list[str]) -> float:
        norm = K1 * (1 - B + B * document.length / self.average) if self.average else K1
        total = 0.0
        for term in terms:
            tf = document.terms.get(term, 0)
            if tf:
                total += self.idf(term) * tf * (K1 + 1) / (tf + norm)
        return total

    def search(self, query: str, limit: int) -> list[Hit]:
        """The best `limit` documents with a positive score, best first (ties by path)."""
        terms = list(dict.fromkeys(tokenize(query)))
        hits = [Hit(d, s) for d in self.documents if (s := self.score(d, terms)) > 0]
        hits.sort(key=lambda h: (-h.score, h.document.path))
        return hits[:limit]

    def snippet(self, document: Document, query: str, width: int = SNIPPET_CHARS) -> str:
        """The ~`width`-character window of the text that covers the most query weight."""
        terms = set(tokenize(query))
        text = document.text
        matches = [(m.start(), m.group().lower()) for m in _WORD.finditer(text)]
        hits = [(pos, word) for pos, word in matches if word in terms]
        if not hits:
            return _clip(text, 0, width)
        best, best_weight = 0, -1.0
        for i, (start, _) in enumerate(hits):
            seen = {word for pos, word in hits[i:] if pos < start + width - width // 5}
            weight = sum(self.idf(word) for word in seen) + 0.01 * len(seen)
            if weight > best_weight:
                best, best_weight = start, weight
        return _clip(text, max(0, best - width // 5), width)


def _clip(text: str, start: int, width: int) -> str:
    """`width` characters from about `start`, cut at word boundaries, white space collapsed."""
    if start > 0:
        space = text.rfind(" ", max(0, start - 20), start)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start + width // 2, end)
        end = space if space > 0 else end
    body = " ".join(text[start:end].split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def _files(corpus: Path) -> list[Path]:
    """The corpus's text files; a symlink that resolves outside the corpus is left out, so the
    index can never serve a file the tool's confinement would refuse to read."""
    root = os.path.realpath(corpus)
    found: list[Path] = []
    for folder, dirs, names in os.walk(corpus):  # os.walk does not descend into linked dirs
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if not name.lower().endswith(SUFFIXES) or name.startswith("."):
                continue
            if os.path.commonpath([root, os.path.realpath(path)]) == root:
                found.append(path)
    return found


def _signature(files: list[Path]) -> tuple[int, int, int]:
    """(newest mtime, file count, total size): changes when a file is added, removed or edited."""
    newest, size = 0, 0
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue
        newest, size = max(newest, info.st_mtime_ns), size + info.st_size
    return newest, len(files), size


def _read(path: Path, base_dir: Path) -> Document | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return None
    terms = tokenize(text)
    rel = Path(os.path.relpath(path, base_dir)).as_posix()
    return Document(rel, title_of(text, path), text, Counter(terms), len(terms))


_CACHE: dict[tuple[str, str], tuple[tuple[int, int, int], Index]] = {}
_LOCK = threading.Lock()
BUILDS = Counter[str]()  # how many times each corpus was indexed (for tests and metrics)


def index_for(corpus: Path, base_dir: Path) -> Index:
    """The index of `corpus`, rebuilt only when its files changed since the last call."""
    key = (os.path.realpath(corpus), os.path.normpath(base_dir))
    files = _files(corpus)
    signature = _signature(files)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached and cached[0] == signature:
            return cached[1]
        documents = [d for path in files if (d := _read(path, base_dir)) is not None]
        index = Index(documents)
        _CACHE[key] = (signature, index)
        BUILDS[key[0]] += 1
        return index
