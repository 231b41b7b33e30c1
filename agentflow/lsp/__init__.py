"""The agentflow language server (pygls): `agentflow lsp` runs it over stdio."""
