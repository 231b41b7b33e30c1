"""Telemetry: traces, metrics and logs of runs, on OpenTelemetry (imported lazily)."""
