"""Durable state: runs, node results, spend and the audit log."""
