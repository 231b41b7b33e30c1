"""Read models over the state store: what `agentflow runs`, `show`, `trace` and `budget` show.

Each module is one view: pure functions from a `StateStore` to frozen dataclasses, with the
SQL kept here. `common.to_json` turns any of them into the `--json` output. Nothing here
imports the runtime engine, the compiler or a terminal library, so the commands start fast.
"""
