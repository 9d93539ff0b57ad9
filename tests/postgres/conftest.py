"""PostgreSQL-only tests use the `pg_url` fixture of tests/conftest.py: a fresh database per
test on the server named by NEGOTIATION_LOG_TEST_POSTGRES."""
