"""The TextMate grammar: annotated samples pass vscode-tmgrammar-test, keywords stay in sync."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"
GRAMMAR = EXTENSION / "syntaxes" / "agentflow.tmLanguage.json"
LARK = ROOT / "agentflow" / "grammar" / "agentflow.lark"

# Named string terminals of the Lark grammar that are keywords (the rest are literals in rules).
NAMED_KEYWORD_TERMINALS = ("MAP", "BUDGET", "RUN_AS", "TIMEOUT", "MAX_NODES")
# Scopes that mark a word as a keyword in the TextMate grammar.
KEYWORD_SCOPES = ("keyword.", "constant.language.")


def lark_keywords(text: str) -> set[str]:
    """Word-like quoted literals of the Lark grammar, plus its named keyword terminals."""
    text = "\n".join(line.split("//", 1)[0] for line in text.splitlines())
    keywords = set(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"', text))
    for terminal in NAMED_KEYWORD_TERMINALS:
        match = re.search(rf'^{terminal}(?:\.\d+)?\s*:\s*"([^"]+)"', text, re.MULTILINE)
        assert match, f"terminal {terminal} not found in the Lark grammar"
        keywords.add(match.group(1))
    return keywords


def _patterns(node: object):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def textmate_keywords(grammar: dict) -> set[str]:
    """Words matched by the grammar's keyword patterns (`\\b(?:a|b|c)\\b` alternations)."""
    found: set[str] = set()
    for pattern in _patterns(grammar):
        name, match = pattern.get("name", ""), pattern.get("match")
        if not isinstance(match, str) or not name.startswith(KEYWORD_SCOPES):
            continue
        if not name.endswith(".agentflow"):  # Jinja's own keywords do not count
            continue
        for group in re.findall(r"\(\?:([A-Za-z0-9_|]+)\)", match):
            found.update(group.split("|"))
        found.update(re.findall(r"\\b([A-Za-z_][A-Za-z0-9_]*)(?=\(\?=|\\b|$)", match))
    return found


def test_lark_keywords_are_found() -> None:
    keywords = lark_keywords(LARK.read_text(encoding="utf-8"))
    assert {"model", "workflow", "iterate", "or", "true", "map", "run_as", "max_nodes"} <= keywords
    assert "NAME" not in keywords


def test_every_lark_keyword_is_highlighted() -> None:
    keywords = lark_keywords(LARK.read_text(encoding="utf-8"))
    highlighted = textmate_keywords(json.loads(GRAMMAR.read_text(encoding="utf-8")))
    missing = sorted(keywords - highlighted)
    assert missing == [], f"keywords missing from the TextMate grammar: {missing}"


def test_sync_check_detects_a_missing_keyword() -> None:
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    control = grammar["repository"]["keywords"]["patterns"][1]
    assert "iterate" in control["match"]
    control["match"] = control["match"].replace("|iterate", "")
    assert "iterate" not in textmate_keywords(grammar)


def test_grammar_metadata() -> None:
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    assert grammar["scopeName"] == "source.agentflow"
    package = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    (contributed,) = package["contributes"]["grammars"]
    assert contributed["scopeName"] == "source.agentflow"
    assert (EXTENSION / contributed["path"]).resolve() == GRAMMAR.resolve()


def _npm() -> str:
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip("node and npm are required to run vscode-tmgrammar-test / vsce")
    return npm


def _install(npm: str) -> None:
    """Install the pinned tools from package-lock.json (CI reaches the npm registry)."""
    if (EXTENSION / "node_modules" / ".package-lock.json").exists():
        return
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _bin(name: str) -> str:
    return str(EXTENSION / "node_modules" / ".bin" / name)


def test_samples_cover_every_token_class() -> None:
    samples = "\n".join(
        path.read_text(encoding="utf-8") for path in (EXTENSION / "tests").glob("*.test.agentflow")
    )
    for scope in (
        "comment.line.number-sign",
        "keyword.declaration",
        "keyword.control",
        "keyword.operator.word",
        "keyword.other",
        "entity.name.type",
        "entity.name.function",
        "support.type.builtin",
        "support.type.agentflow",
        "string.quoted.double",
        "string.quoted.triple",
        "constant.character.escape",
        "meta.embedded.jinja",
        "punctuation.section.embedded",
        "constant.numeric.money",
        "constant.numeric.duration",
        "constant.numeric.rate",
        "constant.numeric.percent",
        "constant.numeric.count",
        "constant.numeric.decimal",
        "constant.language.boolean",
        "keyword.operator.arrow",
        "keyword.operator.coalesce",
        "keyword.operator.comparison",
        "keyword.operator.arithmetic",
        "keyword.operator.assignment",
        "keyword.operator.union",
        "support.function.builtin",
    ):
        assert re.search(rf"^#\s*(\^+|<-+)\s.*{re.escape(scope)}", samples, re.MULTILINE), scope


def test_textmate_grammar_samples() -> None:
    npm = _npm()
    _install(npm)
    result = subprocess.run(
        [
            _bin("vscode-tmgrammar-test"),
            "-g",
            "syntaxes/agentflow.tmLanguage.json",
            "tests/*.test.agentflow",
        ],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed" not in result.stdout


def test_extension_packages_into_a_vsix(tmp_path: Path) -> None:
    npm = _npm()
    _install(npm)
    vsix = tmp_path / "agentflow.vsix"
    result = subprocess.run(
        # `vscode:prepublish` bundles extension.js and vscode-languageclient into
        # dist/extension.js with esbuild; node_modules stays out of the package.
        [_bin("vsce"), "package", "-o", str(vsix)],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert zipfile.is_zipfile(vsix)
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("extension/package.json"))
    assert "extension/package.json" in names
    assert "extension/syntaxes/agentflow.tmLanguage.json" in names
    assert "extension/language-configuration.json" in names
    assert manifest["main"] == "./dist/extension.js"
    assert "extension/dist/extension.js" in names
    assert not any(name.startswith("extension/node_modules/") for name in names), names
    assert "bundle your extension" not in result.stdout + result.stderr
    assert manifest["name"] == "agentflow"
    assert manifest["contributes"]["languages"][0]["id"] == "agentflow"
    _assert_bundle_loads(tmp_path, archive_path=vsix)


def _assert_bundle_loads(tmp_path: Path, archive_path: Path) -> None:
    """The bundle needs nothing but the `vscode` module the editor provides: load it with a
    stub in its place and find the extension's entry points."""
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(unpacked)
    stub = tmp_path / "stub" / "vscode"
    stub.mkdir(parents=True)
    (stub / "index.js").write_text(
        "module.exports = new Proxy({}, {get: () => new Proxy(function () {}, {get: () => ({})})});"
    )
    bundle = unpacked / "extension" / "dist" / "extension.js"
    result = subprocess.run(
        [
            shutil.which("node") or "node",
            "-e",
            f"const e = require({json.dumps(str(bundle))});"
            "console.log(typeof e.activate, typeof e.deactivate)",
        ],
        env={**os.environ, "NODE_PATH": str(stub.parent)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["function", "function"], result.stderr
