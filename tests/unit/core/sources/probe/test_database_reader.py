"""The probe's reading of the embedded PostgreSQL's log: each refusal counted once, as the log grows, and named
with the setting that makes it; a log it cannot read is its error, never an exception."""

from __future__ import annotations

from mediator_tui.core.sources.probe.database_reader import DatabaseReader

REFUSED = "2026-12-07 08:22:01.431 UTC [14346] FATAL:  sorry, too many clients already\n"
OTHER = "2026-12-07 08:22:01.432 UTC [14340] LOG:  database system is ready to accept connections\n"


def test_refusals_are_counted_once_as_the_log_grows(tmp_path):
    log = tmp_path / "postgres.log"
    log.write_text(OTHER)
    reader = DatabaseReader(log, max_connections=6)
    first = reader.read()
    assert (first.refused, first.error) == (0, None)

    with open(log, "a") as out:
        out.write(REFUSED + REFUSED[:30])  # the server is writing a line when the probe reads
    assert reader.read().refused == 1
    with open(log, "a") as out:
        out.write(REFUSED[30:] + OTHER)
    sample = reader.read()
    assert sample.refused == 2 and reader.read().refused == 2
    assert sample.error == (
        "the database refused 2 connections: too many clients (max_connections 6, MEDIATOR_POSTGRES_MAX_CONNECTIONS)"
    )


def test_a_log_that_cannot_be_read_is_the_readings_error(tmp_path):
    sample = DatabaseReader(tmp_path / "gone.log").read()
    assert sample.refused == 0 and "cannot read the PostgreSQL log" in sample.error
