"""The probe's reading of the embedded PostgreSQL's log: each refusal counted once, as the log grows, and named
with the setting that makes it; a log it cannot read is its error, never an exception."""

from __future__ import annotations

from mediator_tui.core.mediator.postgres import PostgresCluster
from mediator_tui.core.sources.probe.database_reader import MAX_LINE_BYTES, DatabaseReader

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


def test_a_kept_clusters_earlier_runs_refusals_are_not_this_runs(tmp_path):
    log = tmp_path / "postgres.log"
    log.write_text(REFUSED * 3 + OTHER)  # a run before this one, in the log a kept cluster appends to
    reader = DatabaseReader(log, offset=log.stat().st_size)
    assert reader.read().refused == 0
    with open(log, "a") as out:
        out.write(REFUSED)
    assert reader.read().refused == 1


def test_a_log_made_anew_is_read_from_its_start(tmp_path):
    log = tmp_path / "postgres.log"
    log.write_text(OTHER * 10)
    reader = DatabaseReader(log)
    reader.read()
    log.write_text(REFUSED)  # shorter than what was read: a new file
    assert reader.read().refused == 1


def test_a_line_without_an_end_is_held_only_in_part(tmp_path):
    log = tmp_path / "postgres.log"
    log.write_bytes(b"x" * (3 * MAX_LINE_BYTES))
    reader = DatabaseReader(log)
    reader.read()
    assert len(reader._partial) == MAX_LINE_BYTES
    with open(log, "a") as out:
        out.write("\n" + REFUSED)
    assert reader.read().refused == 1


def test_the_note_of_a_failed_start_counts_this_starts_refusals_only(tmp_path):
    cluster = PostgresCluster(tmp_path)
    cluster.log_path.write_text(REFUSED * 2)
    cluster.log_offset = cluster.log_path.stat().st_size
    assert cluster.refusals_note() == ""
    with open(cluster.log_path, "a") as out:
        out.write(REFUSED)
    assert cluster.refusals_note().startswith("the database refused 1 connections")
