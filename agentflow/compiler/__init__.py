"""The compiler: passes from AST to diagnostics and an executable plan."""
