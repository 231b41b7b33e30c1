"""Checking `name = value` settings against a declaration's schema."""

from __future__ import annotations

from agentflow.compiler.context import Context, ref_names, similar
from agentflow.compiler.schema import REDACTION_CLASSES, SettingSpec
from agentflow.compiler.types import ERROR_KINDS
from agentflow.diagnostics import Label
from agentflow.grammar import ast

KIND_EXAMPLES = {
    "string": "a string",
    "template": "a string",
    "path": "a path string",
    "count": "a positive whole number such as `8` or `200k`",
    "float": "a number",
    "bool": "`true` or `false`",
    "money": "an amount such as `$0.50`",
    "duration": "a duration such as `30s` or `5min`",
    "rate": "a rate such as `30/min`",
    "percent": "a percentage such as `80%`",
    "secret": '`env("NAME")`',
    "paths": 'a list of paths such as `["./docs"]`',
    "hosts": 'a list of host names such as `["api.example.com"]`',
    "retry": "a count such as `3` or a record `{ attempts: 3, on: [timeout], backoff: 2s }`",
    "price": "a record `{ input: $0.15, output: $0.60 }` (per million tokens)",
    "bind": "a record of fixed arguments `{ arg: value }`",
    "redact": "a list of classes such as `[email, phone]`",
    "input_name": "the name of one of the agent's inputs",
}
RETRY_KEYS = {
    "attempts": "count0",
    "on": "kinds",
    "backoff": "duration",
    "max_delay": "duration",
    "jitter": "bool",
}


def describe_value(expr: ast.Expr) -> str:
    """How a value is named in messages: `a duration`, `a string`, `a list`."""
    names = {
        ast.StringLit: "a string",
        ast.NumberLit: "a number",
        ast.CountLit: "a count",
        ast.MoneyLit: "a money amount",
        ast.DurationLit: "a duration",
        ast.PercentLit: "a percentage",
        ast.RateLit: "a rate",
        ast.BoolLit: "a boolean",
        ast.ListLit: "a list",
        ast.RecordLit: "a record",
        ast.Name: "a name",
        ast.Call: "a call",
    }
    return names.get(type(expr), "an expression")


def is_env_call(expr: ast.Expr | None) -> bool:
    return isinstance(expr, ast.Call) and expr.callee.name == "env"


def check_settings(
    ctx: Context,
    settings: tuple[ast.Setting, ...],
    schema: dict[str, SettingSpec],
    owner: str,
    owner_span: ast.Span,
) -> dict[str, ast.Setting]:
    """Report unknown, duplicate, missing and mistyped settings; return the valid ones by name."""
    seen: dict[str, ast.Setting] = {}
    for setting in settings:
        if setting.name in seen:
            ctx.sink.report(
                "AF107",
                setting.name_span,
                f"setting `{setting.name}` is given twice in {owner}",
                labels=[Label(seen[setting.name].name_span, "first given here")],
            )
            continue
        spec = schema.get(setting.name)
        if spec is None:
            ctx.sink.report(
                "AF104",
                setting.name_span,
                f"{owner} has no setting `{setting.name}`",
                hint=similar(setting.name, schema) or _accepted(schema),
            )
            continue
        seen[setting.name] = setting
        check_value(ctx, setting.name, setting.value, spec.kind)
    for name, spec in schema.items():
        if spec.required and name not in seen:
            ctx.sink.report(
                "AF106",
                owner_span,
                f"{owner} is missing the required setting `{name}`",
                hint=f"add `{name} = ...`",
            )
    return seen


def _accepted(schema: dict[str, SettingSpec]) -> str:
    return (
        "accepted settings: " + ", ".join(f"`{n}`" for n in schema)
        if schema
        else "it takes no settings"
    )


def check_value(ctx: Context, name: str, value: ast.Expr, kind: str) -> None:
    """Check one setting value against its kind, reporting what is wrong."""
    head, _, arg = kind.partition(":")
    if head in ("ref", "refs"):
        _check_refs(ctx, name, value, arg.split(","), many=head == "refs")
    elif head == "choice":
        _check_choice(ctx, name, value, arg.split(","))
    elif head == "secret":
        _check_secret(ctx, name, value)
    elif head in ("string", "path", "template"):
        if is_env_call(value) and head != "template":
            return
        if not isinstance(value, ast.StringLit):
            _wrong(ctx, name, value, head)
        elif head != "template" and value.is_template:
            ctx.sink.report(
                "AF233",
                value.span,
                f"`{name}` is not a template",
                hint="templates are rendered only in prompts and workflow strings",
            )
    elif head in ("paths", "hosts"):
        items = value.items if isinstance(value, ast.ListLit) else None
        if items is None or not all(isinstance(i, ast.StringLit) for i in items):
            _wrong(ctx, name, value, head)
    elif head == "count":
        _check_count(ctx, name, value, minimum=1)
    elif head == "float":
        if not isinstance(value, ast.NumberLit):
            _wrong(ctx, name, value, head)
    elif head == "retry":
        check_retry(ctx, name, value)
    elif head == "price":
        _check_price(ctx, name, value)
    elif head == "bind":
        if not isinstance(value, ast.RecordLit):
            _wrong(ctx, name, value, head)
    elif head == "redact":
        _check_redact(ctx, name, value)
    elif head == "input_name":
        if not isinstance(value, ast.Name):
            _wrong(ctx, name, value, head)
    elif head in _LITERAL_KINDS:
        literal_type = _LITERAL_KINDS[head]
        if not isinstance(value, literal_type):
            _wrong(ctx, name, value, head)
        elif isinstance(value, ast.PercentLit) and value.value is not None and value.value > 100:
            ctx.sink.report("AF108", value.span, f"`{name}` cannot be above 100%")


_LITERAL_KINDS: dict[str, type] = {
    "bool": ast.BoolLit,
    "money": ast.MoneyLit,
    "duration": ast.DurationLit,
    "rate": ast.RateLit,
    "percent": ast.PercentLit,
}


def _wrong(ctx: Context, name: str, value: ast.Expr, kind: str) -> None:
    ctx.sink.report(
        "AF212",
        value.span,
        f"`{name}` expects {KIND_EXAMPLES.get(kind, kind)}, found {describe_value(value)}",
    )


def _check_count(ctx: Context, name: str, value: ast.Expr, minimum: int) -> None:
    number = value.value if isinstance(value, ast.NumberLit | ast.CountLit) else None
    if not isinstance(value, ast.NumberLit | ast.CountLit) or isinstance(number, float):
        _wrong(ctx, name, value, "count")
    elif number is not None and number < minimum:
        ctx.sink.report("AF108", value.span, f"`{name}` must be at least {minimum}, found {number}")


def _check_refs(ctx: Context, name: str, value: ast.Expr, kinds: list[str], many: bool) -> None:
    if (many and not isinstance(value, ast.ListLit)) or (
        not many and not isinstance(value, ast.Name)
    ):
        what = f"a list of {' or '.join(kinds)} names" if many else f"a {kinds[0]} name"
        ctx.sink.report(
            "AF212", value.span, f"`{name}` expects {what}, found {describe_value(value)}"
        )
        return
    if isinstance(value, ast.ListLit):
        for item in value.items:
            if not isinstance(item, ast.Name):
                ctx.sink.report(
                    "AF212", item.span, f"`{name}` lists names, found {describe_value(item)}"
                )
    for ref in ref_names(value):
        resolve_ref(ctx, ref, kinds)


def resolve_ref(ctx: Context, ref: ast.Name, kinds: list[str]) -> str | None:
    """Resolve a reference to a declaration of one of `kinds`, counting the use."""
    declaration = ctx.declarations.get(ref.name)
    wanted = " or ".join(kinds)
    if declaration is None:
        candidates = [d.name for d in ctx.declarations.values() if d.kind in kinds]
        ctx.sink.report(
            "AF101", ref.span, f"no {wanted} named `{ref.name}`", hint=similar(ref.name, candidates)
        )
        return None
    ctx.uses[ref.name] += 1
    if declaration.kind not in kinds:
        ctx.sink.report(
            "AF103",
            ref.span,
            f"`{ref.name}` is a {declaration.kind}, but a {wanted} is needed here",
            labels=[Label(declaration.name_span, f"`{ref.name}` is declared here")],
        )
        return None
    return declaration.kind


def _check_choice(ctx: Context, name: str, value: ast.Expr, options: list[str]) -> None:
    chosen = (
        value.name
        if isinstance(value, ast.Name)
        else (value.value if isinstance(value, ast.StringLit) else None)
    )
    if chosen is None:
        _wrong_choice(ctx, name, value, options, describe_value(value))
    elif chosen not in options:
        _wrong_choice(ctx, name, value, options, f"`{chosen}`")


def _wrong_choice(ctx: Context, name: str, value: ast.Expr, options: list[str], found: str) -> None:
    listed = " | ".join(options)
    hint = similar(found.strip("`"), options) if found.startswith("`") else None
    ctx.sink.report(
        "AF108", value.span, f"`{name}` must be one of {listed}, found {found}", hint=hint
    )


def _check_secret(ctx: Context, name: str, value: ast.Expr) -> None:
    if is_env_call(value):
        return
    if isinstance(value, ast.StringLit):
        ctx.sink.report(
            "AF404",
            value.span,
            f"secret `{name}` is written in the file",
            hint=f'read it from the environment: `{name} = env("NAME")`',
        )
    else:
        _wrong(ctx, name, value, "secret")


def check_retry(ctx: Context, name: str, value: ast.Expr) -> None:
    """`retry = 3` or `retry = { attempts: 3, on: [timeout], backoff: 2s, max_delay: 30s }`."""
    if isinstance(value, ast.NumberLit | ast.CountLit):
        if not isinstance(value.value, int) or value.value < 0:
            ctx.sink.report("AF212", value.span, f"`{name}` must be a whole number of retries")
        return
    if not isinstance(value, ast.RecordLit):
        _wrong(ctx, name, value, "retry")
        return
    for entry in value.entries:
        key_kind = RETRY_KEYS.get(entry.key)
        if key_kind is None:
            ctx.sink.report(
                "AF219",
                entry.key_span,
                f"a retry record has no key `{entry.key}`",
                hint=similar(entry.key, RETRY_KEYS)
                or "keys: attempts, on, backoff, max_delay, jitter",
            )
        elif key_kind == "kinds":
            _check_error_kinds(ctx, entry.value)
        elif key_kind == "count0":
            if (
                not isinstance(entry.value, ast.NumberLit)
                or not isinstance(entry.value.value, int)
                or entry.value.value < 1
            ):
                ctx.sink.report("AF219", entry.value.span, "`attempts` must be a whole number ≥ 1")
        else:
            check_value(ctx, entry.key, entry.value, key_kind)


def _check_error_kinds(ctx: Context, value: ast.Expr) -> None:
    if not isinstance(value, ast.ListLit):
        ctx.sink.report(
            "AF219", value.span, "`on` lists error kinds, such as `[timeout, rate_limited]`"
        )
        return
    for item in value.items:
        kind = (
            item.name
            if isinstance(item, ast.Name)
            else (item.value if isinstance(item, ast.StringLit) else None)
        )
        if kind not in ERROR_KINDS:
            ctx.sink.report(
                "AF219",
                item.span,
                f"`{kind or describe_value(item)}` is not an error kind",
                hint=similar(kind or "", ERROR_KINDS) or "kinds: " + ", ".join(ERROR_KINDS),
            )


def _check_price(ctx: Context, name: str, value: ast.Expr) -> None:
    if not isinstance(value, ast.RecordLit):
        _wrong(ctx, name, value, "price")
        return
    keys = {e.key for e in value.entries}
    for entry in value.entries:
        if entry.key not in ("input", "output", "cached_input"):
            ctx.sink.report(
                "AF104",
                entry.key_span,
                f"a price has no key `{entry.key}`",
                hint=similar(entry.key, ("input", "output")) or "keys: input, output",
            )
        elif not isinstance(entry.value, ast.MoneyLit):
            _wrong(ctx, entry.key, entry.value, "money")
    for required in ("input", "output"):
        if required not in keys:
            ctx.sink.report(
                "AF106",
                value.span,
                f"a price needs `{required}`",
                hint="prices are per million tokens: `{ input: $3, output: $15 }`",
            )


def _check_redact(ctx: Context, name: str, value: ast.Expr) -> None:
    if not isinstance(value, ast.ListLit):
        _wrong(ctx, name, value, "redact")
        return
    for item in value.items:
        label = (
            item.name
            if isinstance(item, ast.Name)
            else (item.value if isinstance(item, ast.StringLit) else None)
        )
        if label not in REDACTION_CLASSES:
            ctx.sink.report(
                "AF408",
                item.span,
                f"`{label or describe_value(item)}` is not a redaction class",
                hint=similar(label or "", REDACTION_CLASSES)
                or "classes: " + ", ".join(REDACTION_CLASSES),
            )
