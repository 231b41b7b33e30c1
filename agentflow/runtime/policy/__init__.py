"""Run-time policy: authentication, authorization, redaction, rate limits and budgets."""
