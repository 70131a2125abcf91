"""Outgoing mail: queued with what caused it, sent afterwards, never twice."""
