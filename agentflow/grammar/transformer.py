"""Parse tree to AST, without recursion (so deeply nested input is safe)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lark import Token, v_args
from lark.tree import Meta
from lark.visitors import Transformer_NonRecursive

from agentflow.grammar import ast, literals
from agentflow.grammar.strings import decode_string
from agentflow.source import Span


@dataclass(frozen=True, slots=True)
class _Guard:
    expr: ast.Expr


@dataclass(frozen=True, slots=True)
class _Concurrency:
    expr: ast.Expr


def _span(meta: Meta) -> Span:
    return Span(meta.start_pos, meta.end_pos)


def _tspan(token: Token) -> Span:
    return Span(token.start_pos or 0, token.end_pos or 0)


def _name(token: Token) -> ast.Name:
    return ast.Name(str(token), _tspan(token))


def string_literal(token: Token) -> ast.StringLit:
    decoded = decode_string(str(token), token.start_pos or 0)
    return ast.StringLit(decoded.value, str(token), decoded.bad_escapes, _tspan(token))


@v_args(meta=True)
class AstBuilder(Transformer_NonRecursive):
    """One method per grammar rule or alias; each only builds its node."""

    # ---------------------------------------------------------------- file

    def start(self, meta: Meta, children: list[Any]) -> ast.Program:
        header = children[0] if children and isinstance(children[0], ast.Header) else None
        declarations = tuple(children[1:] if header else children)
        span = Span(0, 0) if meta.empty else _span(meta)  # a file of only comments has no tokens
        return ast.Program(header, declarations, (), span)

    def header(self, meta: Meta, children: list[Token]) -> ast.Header:
        return ast.Header(self.number(meta, children), _span(meta))

    # ---------------------------------------------------------------- declarations

    def model_decl(self, meta: Meta, c: list[Any]) -> ast.ModelDecl:
        return ast.ModelDecl(str(c[0]), _tspan(c[0]), c[1], _span(meta))

    def tool_decl(self, meta: Meta, c: list[Any]) -> ast.ToolDecl:
        body = c[2] if len(c) > 2 else None
        return ast.ToolDecl(str(c[0]), _tspan(c[0]), c[1], body, _span(meta))

    def type_decl(self, meta: Meta, c: list[Any]) -> ast.TypeDecl:
        return ast.TypeDecl(str(c[0]), _tspan(c[0]), c[1], _span(meta))

    def role_decl(self, meta: Meta, c: list[Any]) -> ast.RoleDecl:
        return ast.RoleDecl(str(c[0]), _tspan(c[0]), c[1], _span(meta))

    def principal_decl(self, meta: Meta, c: list[Any]) -> ast.PrincipalDecl:
        return ast.PrincipalDecl(str(c[0]), _tspan(c[0]), c[1], _span(meta))

    def budget_decl(self, meta: Meta, c: list[Any]) -> ast.BudgetDecl:
        return ast.BudgetDecl(str(c[1]), _tspan(c[1]), c[2], _span(meta))

    def policy_decl(self, meta: Meta, c: list[Any]) -> ast.PolicyDecl:
        return ast.PolicyDecl(c[0], _span(meta))

    def agent_decl(self, meta: Meta, c: list[Any]) -> ast.AgentDecl:
        return ast.AgentDecl(str(c[0]), _tspan(c[0]), c[1], _span(meta))

    def workflow_decl(self, meta: Meta, c: list[Any]) -> ast.WorkflowDecl:
        params: tuple[ast.Param, ...] = c[1] if len(c) == 4 else ()
        return ast.WorkflowDecl(str(c[0]), _tspan(c[0]), params, c[-2], c[-1], _span(meta))

    def stdlib_source(self, meta: Meta, c: list[Token]) -> ast.StdlibSource:
        return ast.StdlibSource(str(c[0]), str(c[1]), _tspan(c[1]), _span(meta))

    def python_source(self, meta: Meta, c: list[Token]) -> ast.PythonSource:
        return ast.PythonSource(str(c[0]), string_literal(c[1]), _span(meta))

    def body(self, meta: Meta, c: list[ast.BodyItem]) -> ast.Body:
        return ast.Body(tuple(c), _span(meta))

    def input_block(self, meta: Meta, c: list[Any]) -> ast.InputBlock:
        return ast.InputBlock(c[0], _span(meta))

    def output_block(self, meta: Meta, c: list[Any]) -> ast.OutputBlock:
        return ast.OutputBlock(c[0], _span(meta))

    def setting(self, meta: Meta, c: list[Any]) -> ast.Setting:
        return ast.Setting(str(c[0]), _tspan(c[0]), c[1], _span(meta))

    def params(self, meta: Meta, c: list[ast.Param]) -> tuple[ast.Param, ...]:
        return tuple(c)

    def param(self, meta: Meta, c: list[Any]) -> ast.Param:
        default = c[2] if len(c) > 2 else None
        return ast.Param(str(c[0]), _tspan(c[0]), c[1], default, _span(meta))

    # ---------------------------------------------------------------- types

    def type_name(self, meta: Meta, c: list[Token]) -> ast.TypeName:
        return ast.TypeName(str(c[0]), _span(meta))

    def type_app(self, meta: Meta, c: list[Any]) -> ast.TypeApp:
        return ast.TypeApp(str(c[0]), tuple(c[1:]), _span(meta))

    def record_type(self, meta: Meta, c: list[ast.RecordType]) -> ast.RecordType:
        return c[0]

    def record_fields(self, meta: Meta, c: list[ast.Field]) -> ast.RecordType:
        return ast.RecordType(tuple(c), _span(meta))

    def field(self, meta: Meta, c: list[Any]) -> ast.Field:
        default = c[2] if len(c) > 2 else None
        return ast.Field(str(c[0]), _tspan(c[0]), c[1], default, _span(meta))

    def optional_type(self, meta: Meta, c: list[Any]) -> ast.OptionalType:
        return ast.OptionalType(c[0], _span(meta))

    def enum_type(self, meta: Meta, c: list[Token]) -> ast.EnumType:
        return ast.EnumType(tuple(string_literal(t) for t in c), _span(meta))

    def optional_enum_type(self, meta: Meta, c: list[Token]) -> ast.OptionalType:
        members = tuple(string_literal(t) for t in c)
        inner = ast.EnumType(members, members[0].span.cover(members[-1].span))
        return ast.OptionalType(inner, _span(meta))

    # ---------------------------------------------------------------- workflow bodies

    def block(self, meta: Meta, c: list[ast.Statement]) -> ast.Block:
        return ast.Block(tuple(c), _span(meta))

    def workflow_setting(self, meta: Meta, c: list[Any]) -> ast.WorkflowSetting:
        return ast.WorkflowSetting(str(c[0]), _tspan(c[0]), c[1], _span(meta))

    def binding(self, meta: Meta, c: list[Any]) -> ast.Binding:
        settings = next((x for x in c[2:] if isinstance(x, ast.NodeSettings)), None)
        guard = next((x.expr for x in c[2:] if isinstance(x, _Guard)), None)
        return ast.Binding(str(c[0]), _tspan(c[0]), c[1], settings, guard, _span(meta))

    def try_call(self, meta: Meta, c: list[Any]) -> ast.TryCall:
        return ast.TryCall(c[0], _span(meta))

    def map_call(self, meta: Meta, c: list[Any]) -> ast.MapCall:
        concurrency = c[3].expr if isinstance(c[3], _Concurrency) else None
        return ast.MapCall(_name(c[1]), c[2], concurrency, c[-1], _span(meta))

    def iterate_call(self, meta: Meta, c: list[Any]) -> ast.IterateCall:
        return ast.IterateCall(_name(c[0]), c[1], c[2], c[3], c[4], _span(meta))

    def concurrency(self, meta: Meta, c: list[Any]) -> _Concurrency:
        return _Concurrency(c[0])

    def node_settings(self, meta: Meta, c: list[ast.Setting]) -> ast.NodeSettings:
        return ast.NodeSettings(tuple(c), _span(meta))

    def guard(self, meta: Meta, c: list[Any]) -> _Guard:
        return _Guard(c[0])

    def if_stmt(self, meta: Meta, c: list[Any]) -> ast.If:
        otherwise = c[2] if len(c) > 2 else None
        return ast.If(c[0], c[1], otherwise, _span(meta))

    def switch_stmt(self, meta: Meta, c: list[Any]) -> ast.Switch:
        cases = tuple(x for x in c[1:] if isinstance(x, ast.SwitchCase))
        default = next((x for x in c[1:] if isinstance(x, ast.Block)), None)
        return ast.Switch(c[0], cases, default, _span(meta))

    def switch_case(self, meta: Meta, c: list[Any]) -> ast.SwitchCase:
        return ast.SwitchCase(string_literal(c[0]), c[1], _span(meta))

    def default_case(self, meta: Meta, c: list[ast.Block]) -> ast.Block:
        return c[0]

    def return_stmt(self, meta: Meta, c: list[Any]) -> ast.Return:
        return ast.Return(c[0], _span(meta))

    def fail_stmt(self, meta: Meta, c: list[Any]) -> ast.Fail:
        guard = c[1].expr if len(c) > 1 else None
        return ast.Fail(c[0], guard, _span(meta))

    # ---------------------------------------------------------------- expressions

    def _binary(self, op: str, meta: Meta, c: list[Any]) -> ast.Binary:
        return ast.Binary(op, c[0], c[-1], _span(meta))

    def or_op(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return self._binary("or", meta, c)

    def and_op(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return self._binary("and", meta, c)

    def compare(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return self._binary(str(c[1]), meta, c)

    def in_op(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return self._binary("in", meta, c)

    def not_in_op(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return self._binary("not in", meta, c)

    def coalesce_op(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return self._binary("??", meta, c)

    def add(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return self._binary("+", meta, c)

    def sub(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return self._binary("-", meta, c)

    def mul(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return self._binary("*", meta, c)

    def div(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return self._binary("/", meta, c)

    def not_op(self, meta: Meta, c: list[Any]) -> ast.Unary:
        return ast.Unary("not", c[0], _span(meta))

    def neg(self, meta: Meta, c: list[Any]) -> ast.Unary:
        return ast.Unary("-", c[0], _span(meta))

    def attribute(self, meta: Meta, c: list[Any]) -> ast.Attribute:
        return ast.Attribute(c[0], str(c[1]), _tspan(c[1]), _span(meta))

    def index(self, meta: Meta, c: list[Any]) -> ast.Index:
        return ast.Index(c[0], c[1], _span(meta))

    def name(self, meta: Meta, c: list[Token]) -> ast.Name:
        return _name(c[0])

    def call(self, meta: Meta, c: list[Any]) -> ast.Call:
        arguments: tuple[ast.Argument, ...] = c[1] if len(c) > 1 else ()
        return ast.Call(_name(c[0]), arguments, _span(meta))

    def arguments(self, meta: Meta, c: list[ast.Argument]) -> tuple[ast.Argument, ...]:
        return tuple(c)

    def named_argument(self, meta: Meta, c: list[Any]) -> ast.Argument:
        return ast.Argument(str(c[0]), _tspan(c[0]), c[1], _span(meta))

    def positional_argument(self, meta: Meta, c: list[Any]) -> ast.Argument:
        return ast.Argument(None, None, c[0], _span(meta))

    def string(self, meta: Meta, c: list[Token]) -> ast.StringLit:
        return string_literal(c[0])

    def number(self, meta: Meta, c: list[Token]) -> ast.NumberLit:
        return ast.NumberLit(literals.number_of(str(c[0])), str(c[0]), _tspan(c[0]))

    def count(self, meta: Meta, c: list[Token]) -> ast.CountLit:
        return ast.CountLit(literals.count_of(str(c[0])), str(c[0]), _tspan(c[0]))

    def money(self, meta: Meta, c: list[Token]) -> ast.MoneyLit:
        return ast.MoneyLit(literals.money_of(str(c[0])), str(c[0]), _tspan(c[0]))

    def duration(self, meta: Meta, c: list[Token]) -> ast.DurationLit:
        return ast.DurationLit(literals.duration_of(str(c[0])), str(c[0]), _tspan(c[0]))

    def percent(self, meta: Meta, c: list[Token]) -> ast.PercentLit:
        return ast.PercentLit(literals.percent_of(str(c[0])), str(c[0]), _tspan(c[0]))

    def rate(self, meta: Meta, c: list[Token]) -> ast.RateLit:
        count, per = literals.rate_of(str(c[0]))
        return ast.RateLit(count, per, str(c[0]), _tspan(c[0]))

    def true(self, meta: Meta, c: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(True, _span(meta))

    def false(self, meta: Meta, c: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(False, _span(meta))

    def list_literal(self, meta: Meta, c: list[Any]) -> ast.ListLit:
        return ast.ListLit(tuple(c), _span(meta))

    def comprehension(self, meta: Meta, c: list[Any]) -> ast.Comprehension:
        targets = tuple(_name(t) for t in c[1:] if isinstance(t, Token))
        rest = [x for x in c[1:] if not isinstance(x, Token)]
        condition = rest[1] if len(rest) > 1 else None
        return ast.Comprehension(c[0], targets, rest[0], condition, _span(meta))

    def record(self, meta: Meta, c: list[ast.Entry]) -> ast.RecordLit:
        return ast.RecordLit(tuple(c), _span(meta))

    def entry(self, meta: Meta, c: list[Any]) -> ast.Entry:
        key_token: Token = c[0]
        key = string_literal(key_token).value if key_token.type == "STRING" else str(key_token)
        return ast.Entry(key, _tspan(key_token), c[1], _span(meta))
