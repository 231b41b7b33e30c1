"""Compliance checks: a program and its history measured against governance controls.

`agentflow audit report FILE` runs every check in `checks.CHECKS` over the compiled plan
(`program.load`), the diagnostics the compiler raised, and what the state store recorded
over the last days (`history.load`); `checks.evaluate` gathers their results. Each check is
one module with an `ID`, a `TITLE` and a `check(review) -> CheckResult`; checks never print
(the CLI renders the report).
"""
