"""The diagnostic catalogue: one rule module per code, each carrying its `explain` text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import agentflow.compiler.rules as rules_package
from agentflow.compiler.rules import codes, document, lookup
from agentflow.diagnostics import Severity

RULES_DIR = Path(rules_package.__file__).parent
# Broader than the registry's own pattern, so a misnamed module fails here instead of
# being skipped silently.
MODULE_FILE = re.compile(r"^af(\d{3})_(.+)\.py$")
SLUG = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")

GROUPS = {
    "0": "syntax and file",
    "1": "names and declarations",
    "2": "types and templates",
    "3": "graph",
    "4": "policy and security",
    "5": "cost and budgets",
    "9": "style",
}

# The published catalogue. Codes are stable: renaming one, changing its severity or
# dropping it is a breaking change and must show up here.
CATALOGUE = """
AF000 internal-error error
AF001 syntax-error error                AF002 missing-header error
AF003 unknown-version error             AF004 unterminated-string error
AF005 invalid-escape error              AF006 unreadable-file error
AF007 invalid-utf8 error                AF008 binary-file error
AF009 nesting-too-deep error            AF010 invalid-literal error
AF011 unexpected-character error
AF101 undefined-name error              AF102 duplicate-name error
AF103 wrong-kind error                  AF104 unknown-setting error
AF105 unknown-stdlib-tool error         AF106 missing-setting error
AF107 duplicate-entry error             AF108 invalid-setting-value error
AF109 invalid-python-target error       AF110 python-tool-unresolved error
AF111 python-signature-mismatch error   AF112 python-module-unavailable warning
AF113 unknown-type error                AF114 missing-directory warning
AF115 reserved-name error               AF116 ignored-setting warning
AF201 argument-type error               AF202 missing-argument error
AF203 unknown-argument error            AF204 unknown-field error
AF205 invalid-index error               AF206 condition-not-bool error
AF207 unwrapped-optional error          AF208 enum-mismatch error
AF209 not-a-list error                  AF210 return-type error
AF211 fallback-type error               AF212 setting-type error
AF213 positional-argument error         AF214 not-callable error
AF215 operator-type error               AF216 untyped-empty error
AF217 builtin-call error                AF218 invalid-history error
AF219 invalid-retry error               AF220 call-in-comprehension error
AF221 nested-call error                 AF222 non-exhaustive-switch error
AF223 invalid-switch-case error         AF224 iterate-type error
AF225 settings-on-non-call error        AF226 invalid-default error
AF227 invalid-output error              AF228 branch-type error
AF230 template-syntax error
AF231 template-undefined error          AF232 template-unknown-field error
AF233 template-not-allowed error
AF301 cycle error                       AF302 missing-return error
AF303 duplicate-return error            AF304 unused-binding warning
AF305 unused-declaration warning        AF306 recursive-call error
AF307 unused-parameter warning
AF401 role-denies-call error            AF402 role-denies-agent-tool error
AF403 credential-literal error          AF404 secret-not-from-env error
AF405 missing-run-as error              AF406 secret-in-prompt warning
AF407 unconfined-tool error             AF408 unknown-redaction error
AF409 role-without-principal warning
AF501 budget-may-be-exceeded warning    AF502 unknown-price warning
AF503 unbounded-cost info               AF504 inconsistent-budget warning
AF901 naming-style info                 AF902 needless-default warning
AF903 constant-condition warning
"""

EXPECTED = {
    code: (name, Severity(severity))
    for code, name, severity in re.findall(r"(AF\d{3}) (\S+) (\S+)", CATALOGUE)
}

SECTIONS = ("## What it does", "## Why", "## Example", "## Use instead")
# Problems in the file's bytes, not its text: no program can show them.
TEXT_ONLY = {"AF000", "AF006", "AF007", "AF008"}
# May show its example as generated text instead of a (very long) program.
TEXT_ALLOWED = TEXT_ONLY | {"AF009"}
# Whose wrong example cannot start with the usual header.
HEADER_EXAMPLES = {"AF002", "AF003"}
# Fixed in the environment, not the program: Use instead may show a shell command.
ENVIRONMENT_FIXES = {"AF112"}

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def rule_files() -> dict[str, str]:
    """Map each code to its module's slug, from the rule package's file names."""
    found: dict[str, str] = {}
    for path in sorted(RULES_DIR.glob("af*.py")):
        match = MODULE_FILE.match(path.name)
        if match:
            found[f"AF{match.group(1)}"] = match.group(2)
    return found


def section(explanation: str, title: str) -> str:
    """The text of one `## title` section, up to the next section."""
    start = explanation.index(title) + len(title)
    following = [explanation.find(s, start) for s in SECTIONS]
    ends = [position for position in following if position != -1]
    return explanation[start : min(ends, default=len(explanation))]


def fenced_blocks(text: str, language: str | None = None) -> list[str]:
    """The bodies of the fenced code blocks in `text`, optionally of one language only."""
    return [body for lang, body in FENCE.findall(text) if language in (None, lang)]


def examples(code: str) -> tuple[list[str], list[str]]:
    """The agentflow programs of a rule's Example and Use instead sections."""
    explanation = document(code).explanation
    return (
        fenced_blocks(section(explanation, "## Example"), "agentflow"),
        fenced_blocks(section(explanation, "## Use instead"), "agentflow"),
    )


# ---------------------------------------------------------------- registry and names


def test_every_rule_file_is_registered() -> None:
    assert sorted(rule_files()) == codes()


def test_catalogue_is_complete() -> None:
    assert codes() == sorted(EXPECTED)


@pytest.mark.parametrize("code", sorted(rule_files()))
def test_rule_matches_its_file_name(code: str) -> None:
    slug = rule_files()[code]
    assert SLUG.match(slug), f"`{slug}` is not a snake_case slug"
    rule = lookup(code)
    assert rule.code == code
    assert rule.name == slug.replace("_", "-")


@pytest.mark.parametrize("code", codes())
def test_rule_matches_catalogue(code: str) -> None:
    rule = lookup(code)
    assert (rule.name, rule.severity) == EXPECTED[code]


@pytest.mark.parametrize("code", codes())
def test_codes_are_grouped_by_hundreds(code: str) -> None:
    assert re.fullmatch(r"AF\d{3}", code)
    assert code[2] in GROUPS, f"{code} is outside the groups {sorted(GROUPS)}"
    assert isinstance(lookup(code).severity, Severity)


def test_lookup_ignores_case_and_rejects_unknown_codes() -> None:
    assert lookup("af201") is lookup("AF201")
    with pytest.raises(KeyError):
        lookup("AF899")


# ---------------------------------------------------------------- explanations


@pytest.mark.parametrize("code", codes())
def test_summary_is_one_rustc_style_line(code: str) -> None:
    rule = lookup(code)
    explanation = document(code).explanation
    assert explanation.splitlines()[0] == rule.summary
    assert rule.summary and "\n" not in rule.summary
    assert not rule.summary[0].isupper(), "summaries start lowercase"
    assert not rule.summary.endswith("."), "summaries have no trailing period"


@pytest.mark.parametrize("code", codes())
def test_explanation_has_the_four_sections_in_order(code: str) -> None:
    explanation = document(code).explanation
    positions = [explanation.find(title) for title in SECTIONS]
    missing = [title for title in SECTIONS if title not in explanation]
    assert not missing, f"missing sections: {missing}"
    assert positions == sorted(positions)
    for title in SECTIONS:
        assert explanation.count(title) == 1
        assert section(explanation, title).strip(), f"empty section {title}"


@pytest.mark.parametrize("code", codes())
def test_explanation_shows_code(code: str) -> None:
    explanation = document(code).explanation
    programs = fenced_blocks(explanation, "agentflow")
    if code in TEXT_ONLY:
        assert fenced_blocks(explanation, "text"), "expected a ```text example"
    elif code in TEXT_ALLOWED:
        assert programs or fenced_blocks(explanation, "text")
    else:
        assert programs, "expected at least one ```agentflow block"
    for title in ("## Example", "## Use instead"):
        assert fenced_blocks(section(explanation, title)), f"{title} has no code block"


@pytest.mark.parametrize("code", sorted(set(codes()) - TEXT_ALLOWED))
def test_examples_are_whole_programs(code: str) -> None:
    wrong, right = examples(code)
    assert wrong, "Example needs an agentflow program"
    assert right or code in ENVIRONMENT_FIXES, "Use instead needs an agentflow program"
    for program in right + ([] if code in HEADER_EXAMPLES else wrong):
        assert program.startswith("agentflow 1\n"), "a program starts with `agentflow 1`"
    assert wrong != right
