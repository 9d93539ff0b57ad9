"""Tests against an independent verifier (Go's sumdb/note and sumdb/tlog)."""

from tests.independent.go_verifier import go_verifier  # noqa: F401  (a fixture)
