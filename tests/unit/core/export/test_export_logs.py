"""The export keeps the end of each log a run registered, from a whole line, saying what it left out, scrubbed."""

from mediator_tui.core.config.secrets import Redactor
from mediator_tui.core.export.logs import write_logs

SECRET = "issuer-api-key-0123abcd"


def test_each_log_is_kept_whole_when_short_and_its_end_when_long(tmp_path):
    runs = tmp_path / "run"
    runs.mkdir()
    (runs / "master.log").write_text("master started\nmaster stopped\n")
    lines = [f"line {i:05d} of the mediator\n" for i in range(1000)]
    (runs / "mediator.log").write_text("".join(lines))
    written = write_logs(
        tmp_path / "out", [("master", runs / "master.log"), ("mediator", runs / "mediator.log")], str, limit=1000
    )
    assert [p.relative_to(tmp_path / "out").as_posix() for p in written] == ["logs/master.log", "logs/mediator.log"]
    assert (tmp_path / "out/logs/master.log").read_text() == "master started\nmaster stopped\n"
    header, *kept = (tmp_path / "out/logs/mediator.log").read_text().splitlines(keepends=True)
    assert header.startswith("[mediator-tui: the first ") and "the last 1000 B of each log" in header
    assert kept == lines[-len(kept) :] and 0 < sum(map(len, kept)) <= 1000  # whole lines, the last ones


def test_secrets_are_scrubbed_and_a_log_that_is_gone_is_left_out(tmp_path):
    log = tmp_path / "worker-1.log"
    log.write_text(f'headers {{"x-api-key": "{SECRET}"}}\n')
    redact = Redactor({"ISSUER_HEADERS": f'{{"x-api-key": "{SECRET}"}}'})
    written = write_logs(tmp_path / "out", [("worker", log), ("proxy", tmp_path / "gone.log")], redact)
    assert len(written) == 1
    text = written[0].read_text()
    assert SECRET not in text and text == "headers ****\n"


def test_two_logs_of_one_name_stay_apart(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "mediator.log").write_text(f"{folder}\n")
    write_logs(
        tmp_path / "out", [("mediator", tmp_path / "a/mediator.log"), ("proxy", tmp_path / "b/mediator.log")], str
    )
    assert (tmp_path / "out/logs/mediator.log").read_text() == "a\n"
    assert (tmp_path / "out/logs/proxy-mediator.log").read_text() == "b\n"
