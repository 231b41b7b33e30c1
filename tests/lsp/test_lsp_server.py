"""The language server end to end over its real protocol (pytest-lsp drives `agentflow lsp`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[2]
URI = "file:///work/hello.agentflow"

PROGRAM = """\
agentflow 1

# AF304 warns about unused bindings
model local {
  provider = offline
}

agent greeter {
  model = local
  input { name: string }
  output { text: string, score: int }
  prompt = "Greet {{ name }}."
}

workflow hello(name: string) -> string {
  greeting = greeter(name: name)
  x = "café 🚀" + greeter2(name: name)
  return greeting.text
}
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "agentflow.cli.main", "lsp"], server_env=_env()
    )
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"))
    )
    yield
    await lsp_client.shutdown_session()


async def _open(client: LanguageClient, text: str = PROGRAM) -> tuple[types.Diagnostic, ...]:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=URI, language_id="agentflow", version=1, text=text
            )
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return tuple(client.diagnostics[URI])


def _pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def _doc() -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=URI)


def _hover_text(result: types.Hover | None) -> str:
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    return result.contents.value


async def test_diagnostics_use_utf16_columns(client: LanguageClient) -> None:
    diagnostics = await _open(client)
    by_code = {d.code: d for d in diagnostics}
    assert set(by_code) == {"AF101", "AF304"}
    unknown = by_code["AF101"]
    # `  x = "café 🚀" + ` is 17 code points but 18 UTF-16 units (🚀 is a surrogate pair)
    assert unknown.range == types.Range(start=_pos(16, 18), end=_pos(16, 26))
    assert unknown.severity == types.DiagnosticSeverity.Error
    assert unknown.source == "agentflow"
    assert "no function, agent, tool or workflow named `greeter2`" in unknown.message
    assert "a similar name exists: `greeter`" in unknown.message
    assert by_code["AF304"].severity == types.DiagnosticSeverity.Warning
    assert by_code["AF304"].range == types.Range(start=_pos(16, 2), end=_pos(16, 3))


async def test_diagnostics_follow_changes(client: LanguageClient) -> None:
    await _open(client)
    fixed = PROGRAM.replace("greeter2(name: name)", "name").replace("  x = ", "  _x = ")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert client.diagnostics[URI] == ()  # type: ignore[comparison-overlap]

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=3),
            content_changes=[
                types.TextDocumentContentChangeWholeDocument(text="agentflow 1\nmodel {\n")
            ],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    (syntax,) = client.diagnostics[URI]
    assert syntax.code == "AF001"
    assert syntax.range.start.line == 1


async def test_related_information_for_labels(client: LanguageClient) -> None:
    text = PROGRAM.replace("model local {", "model greeter {").replace(
        "model = local", "model = greeter"
    )
    diagnostics = await _open(client, text)
    duplicates = [d for d in diagnostics if d.related_information]
    assert duplicates, diagnostics
    related = duplicates[0].related_information
    assert related is not None
    assert related[0].location.uri == URI


async def test_definition_and_references(client: LanguageClient) -> None:
    await _open(client)
    # `greeter` in `greeting = greeter(name: name)` jumps to `agent greeter`
    location = await client.text_document_definition_async(
        types.DefinitionParams(text_document=_doc(), position=_pos(15, 14))
    )
    assert isinstance(location, types.Location)
    assert location.range == types.Range(start=_pos(7, 6), end=_pos(7, 13))

    # `greeting` in `return greeting.text` jumps to its binding
    location = await client.text_document_definition_async(
        types.DefinitionParams(text_document=_doc(), position=_pos(17, 10))
    )
    assert isinstance(location, types.Location)
    assert location.range.start == _pos(15, 2)

    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=_doc(),
            position=_pos(8, 11),  # `local` in `model = local`
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert refs is not None
    assert [r.range.start for r in refs] == [_pos(3, 6), _pos(8, 10)]

    # a parameter: its declaration and both uses in `name: name`
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=_doc(),
            position=_pos(14, 15),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    assert refs is not None
    assert [r.range.start for r in refs] == [_pos(15, 27), _pos(16, 33)]


async def test_document_symbols(client: LanguageClient) -> None:
    await _open(client)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=_doc())
    )
    assert symbols is not None
    outline = [(s.name, s.detail) for s in symbols if isinstance(s, types.DocumentSymbol)]
    assert outline == [("local", "model"), ("greeter", "agent"), ("hello", "workflow")]
    workflow = symbols[2]
    assert isinstance(workflow, types.DocumentSymbol)
    assert [(c.name, c.detail) for c in workflow.children or []] == [
        ("name", "param"),
        ("greeting", "binding"),
        ("x", "binding"),
    ]


async def test_hover(client: LanguageClient) -> None:
    await _open(client)
    agent = await client.text_document_hover_async(
        types.HoverParams(text_document=_doc(), position=_pos(15, 14))
    )
    assert "agent greeter(name: string) -> { text: string, score: int }" in _hover_text(agent)
    binding = await client.text_document_hover_async(
        types.HoverParams(text_document=_doc(), position=_pos(17, 11))
    )
    assert "(binding) greeting: { text: string, score: int }" in _hover_text(binding)
    model = await client.text_document_hover_async(
        types.HoverParams(text_document=_doc(), position=_pos(8, 12))
    )
    assert "model local { provider = offline }" in _hover_text(model)
    code = await client.text_document_hover_async(
        types.HoverParams(text_document=_doc(), position=_pos(2, 4))
    )
    assert "**AF304**" in _hover_text(code)
    nothing = await client.text_document_hover_async(
        types.HoverParams(text_document=_doc(), position=_pos(1, 0))
    )
    assert nothing is None


async def test_formatting(client: LanguageClient) -> None:
    messy = "agentflow 1\nmodel local {\n      provider=offline\n}\n"
    await _open(client, messy)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=_doc(), options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert edits is not None
    (edit,) = edits
    assert edit.range == types.Range(start=_pos(0, 0), end=_pos(4, 0))
    assert edit.new_text == "agentflow 1\n\nmodel local { provider = offline }\n"


async def test_formatting_skips_syntax_errors(client: LanguageClient) -> None:
    await _open(client, "agentflow 1\nmodel {\n")
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=_doc(), options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert not edits


async def _complete(client: LanguageClient, text: str, line: int, character: int) -> list[str]:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(), position=_pos(line, character))
    )
    items = result.items if isinstance(result, types.CompletionList) else result or []
    return [item.label for item in items]


@pytest.mark.parametrize(
    ("edit", "line", "character", "expected", "absent"),
    [
        # a declaration word at the start of a line
        (("# AF304 warns about unused bindings", "wor"), 2, 3, {"workflow", "agent"}, {"local"}),
        # a model's name after `model = `
        (("  model = local", "  model = "), 8, 10, {"local"}, {"greeter"}),
        # callables and names in scope on the right of a binding
        (("  return greeting.text", "  y = "), 17, 6, {"greeter", "name", "greeting"}, {"local"}),
        # fields of a binding with a record type
        (("  return greeting.text", "  return greeting."), 17, 18, {"text", "score"}, set()),
        # an agent's inputs inside a template
        (('"Greet {{ name }}."', '"Greet {{ '), 11, 21, {"name"}, {"greeting"}),
        # a workflow's params and bindings inside a template
        (("  return greeting.text", '  return "{{ '), 17, 14, {"name", "greeting"}, {"greeter"}),
        # settings of the enclosing declaration
        (("  provider = offline", "  provider = offline\n  "), 5, 2, {"max_tokens"}, {"workflow"}),
    ],
)
async def test_completion(
    client: LanguageClient,
    edit: tuple[str, str],
    line: int,
    character: int,
    expected: set[str],
    absent: set[str],
) -> None:
    await _open(client)
    labels = set(await _complete(client, PROGRAM.replace(*edit), line, character))
    assert expected <= labels, labels
    assert not (absent & labels), labels


async def test_rename(client: LanguageClient) -> None:
    await _open(client)
    result = await client.text_document_rename_async(
        types.RenameParams(text_document=_doc(), position=_pos(7, 8), new_name="welcomer")
    )
    assert result is not None and result.changes is not None
    edits = result.changes[URI]
    assert [e.range.start for e in edits] == [_pos(7, 6), _pos(15, 13)]
    assert {e.new_text for e in edits} == {"welcomer"}
    bad = await client.text_document_rename_async(
        types.RenameParams(text_document=_doc(), position=_pos(7, 8), new_name="not a name")
    )
    assert bad is None


TEMPLATED = """\
model local {
  provider = offline
}

agent greeter {
  model = local
  input { name: string }
  output = string
  prompt = "Greet {{ name }}."
}

workflow hello(name: string, tone: string) -> string {
  text = greeter(name: name)
  note = "{{ name | upper }} in a {{ tone }} tone: {{ text }} ({{ 'name' }}, {{ text.name }})"
  return note
}
"""


async def test_references_include_template_uses(client: LanguageClient) -> None:
    await _open(client, TEMPLATED)
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=_doc(),
            position=_pos(11, 15),  # the parameter `name` of `hello`
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert refs is not None
    # the declaration, the value in `name: name` (not its label), `{{ name | upper }}`; not
    # the quoted 'name', not the attribute `.name`, not the agent's own `{{ name }}`
    assert [r.range.start for r in refs] == [_pos(11, 15), _pos(12, 23), _pos(13, 13)]
    assert refs[2].range.end == _pos(13, 17)


async def test_rename_a_parameter_and_a_binding(client: LanguageClient) -> None:
    await _open(client, TEMPLATED)
    result = await client.text_document_rename_async(
        types.RenameParams(text_document=_doc(), position=_pos(11, 16), new_name="who")
    )
    assert result is not None and result.changes is not None
    starts = [e.range.start for e in result.changes[URI]]
    assert starts == [_pos(11, 15), _pos(12, 23), _pos(13, 13)]

    result = await client.text_document_rename_async(
        types.RenameParams(text_document=_doc(), position=_pos(12, 3), new_name="reply")
    )
    assert result is not None and result.changes is not None
    starts = [e.range.start for e in result.changes[URI]]
    # `text = ...`, `{{ text }}` and `{{ text.name }}`
    assert starts == [_pos(12, 2), _pos(13, 54), _pos(13, 80)]


async def test_rename_refuses_a_name_already_in_scope(client: LanguageClient) -> None:
    await _open(client, TEMPLATED)
    clash = await client.text_document_rename_async(
        types.RenameParams(text_document=_doc(), position=_pos(11, 16), new_name="tone")
    )
    assert clash is None
    declared = await client.text_document_rename_async(
        types.RenameParams(text_document=_doc(), position=_pos(4, 8), new_name="local")
    )
    assert declared is None


async def test_quick_fix_for_similar_name(client: LanguageClient) -> None:
    diagnostics = await _open(client)
    unknown = next(d for d in diagnostics if d.code == "AF101")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=_doc(),
            range=unknown.range,
            context=types.CodeActionContext(diagnostics=[unknown]),
        )
    )
    assert actions is not None
    (action,) = [a for a in actions if isinstance(a, types.CodeAction)]
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.edit is not None and action.edit.changes is not None
    (edit,) = action.edit.changes[URI]
    assert edit.range == unknown.range
    assert edit.new_text == "greeter"
