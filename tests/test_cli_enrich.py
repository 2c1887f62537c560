"""The `enrich` command-line contract that other tools rely on."""

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from pipeline.cli import main

DATA = Path(__file__).parent / "data"
SEED = DATA / "seed" / "000_17591c5e07849a73.txt"
CORPUS = sorted((DATA / "corpus").glob("*.txt"))


def run(*args, stdin=b""):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "enrich", *map(str, args)],
        input=stdin,
        capture_output=True,
        timeout=60,
    )


def test_one_json_line_per_input_in_order():
    files = [*CORPUS[:5], SEED]
    result = run(*files)
    assert result.returncode == 0, result.stderr
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [e["source"]["path"] for e in events] == [str(f) for f in files]
    assert all(e["schema"] == "wires.enriched/1" for e in events)


def test_stdin_with_dash_or_no_path():
    raw = SEED.read_bytes()
    for args in ((), ("-",)):
        result = run(*args, stdin=raw)
        assert result.returncode == 0
        (event,) = [orjson.loads(line) for line in result.stdout.splitlines()]
        assert event["headline"] == "Kazakhstan endorses Guterres for second term as UN chief"
        assert event["source"]["path"] is None


def test_bad_inputs_are_reported_and_the_rest_processed(tmp_path):
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.txt"
    result = run(SEED, binary, missing, empty, CORPUS[0])
    assert result.returncode == 1
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [e["source"]["path"] for e in events] == [str(SEED), str(CORPUS[0])]
    err = result.stderr.decode()
    assert f"{binary}: cannot decode: binary data" in err
    assert f"{missing}: cannot read: No such file or directory" in err
    assert f"{empty}: empty story" in err


def test_received_at_option():
    result = run("--received-at", "2021-06-05T08:00:00+02:00", SEED)
    event = orjson.loads(result.stdout)
    assert event["received_at"] == "2021-06-05T06:00:00.000Z"
    assert event["dateline"]["date"] == "2021-06-04"
    assert run("--received-at", "yesterday", SEED).returncode == 2


def test_enrich_does_not_import_faust_or_kafka():
    code = (
        "import sys; from pipeline.cli import main; rc = main(['enrich', sys.argv[1]]); "
        "heavy = [m for m in ('faust', 'kafka', 'aiokafka', 'mode', 'sklearn') "
        "if m in sys.modules]; print(heavy, file=sys.stderr); sys.exit(rc or bool(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(SEED)], capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()


def test_main_in_process(capsysbinary, monkeypatch):
    assert main(["enrich", str(SEED)]) == 0
    assert orjson.loads(capsysbinary.readouterr().out)["agency"] == "EFE"


def test_unknown_command_fails():
    with pytest.raises(SystemExit):
        main(["no-such-command"])
