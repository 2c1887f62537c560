"""Command line: ``python -m pipeline COMMAND`` (also installed as ``wires``).

Each command imports what it needs when it runs, so ``enrich`` starts without
loading Faust or any Kafka client. Settings come from ``WIRES_*`` variables;
``--broker`` overrides ``WIRES_BROKER`` for one command; with neither, a running
``run`` on the data directory is found by its state file.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pipeline import __version__
from pipeline.config import ConfigError, Settings, from_env

if TYPE_CHECKING:  # the commands import what they need when they run
    from pipeline.feed import FeedReport
    from pipeline.outcomes import Outcomes

Command = Callable[[argparse.Namespace], int]


def settings_of(args: argparse.Namespace) -> Settings:
    """Settings from ``WIRES_*`` and ``--broker``; with neither naming a broker, the one
    of a ``run`` on the data directory, when one is running (its ``run.json``)."""
    broker = getattr(args, "broker", None)
    settings = from_env(broker=broker)
    if broker is None and "WIRES_BROKER" not in os.environ and args.func is not cmd_run:
        from pipeline import runstate

        state = runstate.read(settings.data_dir)
        if state is not None:
            settings = dataclasses.replace(settings, broker=state.broker)
    return settings


def cmd_config(args: argparse.Namespace) -> int:
    """Print the effective settings, secrets masked."""
    for name, value in settings_of(args).masked().items():
        print(f"{name} = {value}")
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    from pipeline import enrich_files

    return enrich_files.run(
        args.paths or ["-"],
        out=sys.stdout.buffer,
        err=sys.stderr,
        received_at=args.received_at,
        feed=args.feed,
        learn=not args.no_learn,
        output=args.format,
    )


def cmd_chrome(args: argparse.Namespace) -> int:
    from pipeline import enrich_files

    return enrich_files.chrome(
        args.paths or ["-"],
        feed=args.feed,
        out=sys.stdout,
        err=sys.stderr,
        received_at=args.received_at,
        as_json=args.json,
        minimum=args.min_confidence,
    )


# Gold sets reported apart: stories written for the project in its own styles, and
# stories written after real sites' layouts (docs/layouts.md).
EVAL_SETS = {
    "own corpora": ["tests/data/corpus", "tests/data/seed", "tests/data/extra"],
    "layouts of real sites": ["tests/data/layouts"],
}


def cmd_eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.evaluation import gold_pairs, score_reading, score_sections

    sets = {"given folders": args.gold} if args.gold else EVAL_SETS
    every: list = []
    for title, folders in sets.items():
        pairs = [pair for folder in folders for pair in gold_pairs(Path(folder))]
        if not pairs:
            print(f"eval: no *.gold.json files in {', '.join(folders)}", file=sys.stderr)
            return 2
        print(f"== {title} ({', '.join(folders)})")
        print(score_reading(pairs).render())
        print()
        every += pairs
    print(score_sections(every).render())
    heldout = Path(args.heldout)
    if any(heldout.glob("*.jsonl")):
        from pipeline.heldout import score_heldout

        print()
        print(score_heldout(heldout).render())
    if args.cross_validate:
        from pipeline import training

        print()
        print(training.cross_validate(training.load_examples()).render())
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline import training

    if args.from_stream:
        print(
            training.train_from_stream(
                settings_of(args), folder=Path(args.data), per_topic=args.per_topic
            )
        )
        return 0
    print(training.train(Path(args.data), Path(args.out), validate=not args.no_cv))
    return 0


def cmd_broker(args: argparse.Namespace) -> int:
    from pipeline import broker

    return broker.run_foreground(args.port, kind=args.kind, data_dir=args.data_dir)


def cmd_topics(args: argparse.Namespace) -> int:
    from pipeline import topics

    settings = settings_of(args)
    try:
        counts, created = topics.create_missing(settings, timeout=args.timeout)
    except topics.TopicError as error:
        print(f"topics: {error}", file=sys.stderr)
        return 1
    for name, n in counts.items():
        state = "created" if name in created else "exists"
        print(f"{name}\t{n} partitions\t{state}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from pipeline import worker

    return worker.run(settings_of(args))


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_feed(args: argparse.Namespace) -> int:
    import logging
    from pathlib import Path

    from pipeline import feed, topics
    from pipeline.events import normalise_time

    settings = settings_of(args)
    try:
        received_at = normalise_time(args.received_at) if args.received_at else None
    except ValueError:
        print(f"feed: --received-at {args.received_at!r} is not an ISO 8601 time", file=sys.stderr)
        return 2
    try:
        producer = feed.make_producer(settings)
    except topics.TopicError as error:  # no broker, or no wires.raw yet (no worker)
        print(f"feed: {error}", file=sys.stderr)
        return 1
    watcher = None
    if args.wait and not args.watch:
        from kafka.errors import KafkaError

        from pipeline.outcomes import Outcomes

        try:
            watcher = Outcomes(settings)  # the topics' ends before anything is sent
        except (TimeoutError, KafkaError) as error:
            print(f"feed: cannot --wait, sending anyway: {error}", file=sys.stderr)
    # SIGTERM (a service manager, kill) stops the feed as Ctrl-C does: what was sent is
    # still awaited and the summary says what was not sent.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if args.watch:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
            # kafka-python logs each (re)connect and failed retry, several a second
            # while the broker is away: the folder's own lines say what matters.
            logging.getLogger("kafka").setLevel(logging.ERROR)
            folder = feed.DropFolder(
                Path(args.watch), producer, feed_name=args.feed, settings=settings
            )
            try:
                report = folder.run()
            except KeyboardInterrupt:
                report = folder.report
        else:
            if not args.paths:
                print("feed: give PATH, DIR or - (stdin), or --watch DIR", file=sys.stderr)
                return 2
            report = feed.feed(args.paths, producer, feed_name=args.feed, received_at=received_at)
            if watcher is not None:
                _hear_outcomes(watcher, report, args.wait)
    finally:
        producer.close(timeout=10)
        if watcher is not None:
            watcher.close()
    print(report.summary(), file=sys.stderr)
    return 1 if report.failed or report.not_sent or report.rejected else 0


def _hear_outcomes(watcher: Outcomes, report: FeedReport, wait: float) -> None:
    """Fill ``report``'s published / rejected / unheard from the output topics."""
    from pipeline.outcomes import REJECTED

    names = [n for n in report.acknowledged if n != "<stdin>"]  # stdin has no path
    found = watcher.wait(names, wait)
    report.rejected = [(n, o.reason or "") for n, o in found.items() if o.kind == REJECTED]
    report.published = len(found) - len(report.rejected)
    report.unheard = len(names) - len(found)


def cmd_poll(args: argparse.Namespace) -> int:
    import logging
    from pathlib import Path

    from pipeline import feed, poll, topics
    from pipeline.config import TOPIC_RAW

    settings = settings_of(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("kafka").setLevel(logging.ERROR)
    try:
        producer = feed.make_producer(settings, client_id="wires-poll")
    except topics.TopicError as error:
        print(f"poll: {error}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _raise_interrupt)
    state = Path(args.state) if args.state else Path(settings.data_dir) / "poll-state.json"

    def send(value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]) -> None:
        producer.send(TOPIC_RAW, key=key, value=value, headers=headers)

    poller = poll.Poller(
        args.urls,
        send,
        flush=lambda: producer.flush(timeout=60),
        state_path=state,
        feed=args.feed,
        interval=args.interval,
    )
    try:
        if args.once:
            poller.poll_once()
        else:
            poller.run()
    except KeyboardInterrupt:
        pass
    finally:
        producer.close(timeout=10)
    print(f"poll: sent {poller.sent}", file=sys.stderr)
    return 0


def cmd_tail(args: argparse.Namespace) -> int:
    from pipeline import tail

    if args.deadletter:
        from pipeline import deadletters

        return deadletters.tail_deadletters(
            settings_of(args),
            out=sys.stdout,
            from_beginning=args.from_beginning,
            count=args.count,
            as_json=args.json or args.format == "json",
            idle_timeout=args.idle_timeout,
        )
    return tail.tail(
        settings_of(args),
        out=sys.stdout,
        from_beginning=args.from_beginning,
        count=args.count,
        filters=tail.Filters(section=args.section, agency=args.agency, language=args.language),
        output="json" if args.json else args.format,
        idle_timeout=args.idle_timeout,
    )


def cmd_dashboard(args: argparse.Namespace) -> int:
    from pipeline.web import server

    return server.run(settings_of(args))


def cmd_ingest(args: argparse.Namespace) -> int:
    from pipeline import ingest

    return ingest.run(settings_of(args))


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline import launcher

    return launcher.run(
        settings_of(args), feed_samples=not args.no_samples, broker=args.broker_kind
    )


def _default_model_path() -> str:
    from pathlib import Path

    return str(Path(__file__).parent / "text" / "data" / "sections-model.npz")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wires", description="Live news-wire pipeline: clean, classify and stream agency copy."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str, func: Command, help_: str, description: str | None = None, *, kafka: bool = False
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_, description=description or help_)
        if kafka:
            sub.add_argument(
                "--broker",
                metavar="HOST:PORT[,...]",
                help="bootstrap servers (default: $WIRES_BROKER)",
            )
        sub.set_defaults(func=func)
        return sub

    enrich = add(
        "enrich",
        cmd_enrich,
        "read raw stories from files or stdin, print one enriched event (JSON) per line",
        "Read each PATH as one raw story ('-' or none: stdin) and print one "
        "wires.enriched/1 event per input as a JSON line, in input order. A file in an "
        "agency format (NewsML-G2, NITF, ninjs, RSS/Atom...) gives one event per item. "
        "Unreadable inputs and items are reported on stderr and make the exit status 1.",
    )
    enrich.add_argument("paths", nargs="*", metavar="PATH")
    enrich.add_argument(
        "--received-at",
        metavar="ISO",
        help="received time for every story (resolves dateline years)",
    )
    enrich.add_argument(
        "--feed",
        metavar="NAME",
        help="feed name to record in source.feed; the run learns the feed's chrome "
        "as it goes, in input order, as the stream does",
    )
    enrich.add_argument(
        "--no-learn", action="store_true", help="with --feed: record the name, learn nothing"
    )
    enrich.add_argument(
        "--format",
        choices=("json", "ninjs"),
        default="json",
        help="json: wires.enriched/1 events (default); ninjs: IPTC ninjs 2.2 objects",
    )

    chrome = add(
        "chrome",
        cmd_chrome,
        "learn a feed's chrome over story files (offline) and list what it taught",
        "Read each PATH as one raw story of feed NAME, in order, learning as "
        "'enrich --feed NAME' does, then list the lines the feed taught as chrome: "
        "confidence, number of distinct stories, text.",
    )
    chrome.add_argument("paths", nargs="*", metavar="PATH")
    chrome.add_argument("--feed", required=True, metavar="NAME", help="the feed's name")
    chrome.add_argument("--received-at", metavar="ISO", help="received time for every story")
    chrome.add_argument("--json", action="store_true", help="one JSON object per line")
    chrome.add_argument(
        "--min-confidence",
        type=float,
        default=0.5,
        metavar="P",
        help="list lines at least this sure (0.5, the engine's threshold; 0 lists all)",
    )

    evaluate = add(
        "eval", cmd_eval, "score the text engine against gold readings (NAME.txt + NAME.gold.json)"
    )
    evaluate.add_argument(
        "gold",
        nargs="*",
        metavar="DIR",
        help="gold folders to score as one set (default: each of EVAL_SETS apart)",
    )
    evaluate.add_argument(
        "--cross-validate",
        action="store_true",
        help="also cross-validate the section classifier on its training data",
    )
    evaluate.add_argument(
        "--heldout",
        default="data/sections/heldout",
        metavar="DIR",
        help="labelled stories the model was not trained on, *.jsonl (data/sections/heldout)",
    )

    train = add(
        "train",
        cmd_train,
        "rebuild the section classifier from labelled stories (needs scikit-learn)",
        "Rebuild the section classifier from the labelled stories in --data. With "
        "--from-stream, also from the stories on wires.enriched whose printed kicker "
        "named their section (real labels, the newest --per-topic of each topic): the "
        "model is written to WIRES_DATA_DIR/models/ and workers load it on their next "
        "start.",
        kafka=True,
    )
    train.add_argument(
        "--data",
        default="data/sections/train",
        metavar="DIR",
        help="labelled stories, *.jsonl (data/sections/train)",
    )
    train.add_argument(
        "--out",
        default=str(_default_model_path()),
        metavar="FILE",
        help="where to write the model (the one shipped in the package)",
    )
    train.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    train.add_argument(
        "--from-stream",
        action="store_true",
        help="add the kicker-labelled stories of wires.enriched; model to WIRES_DATA_DIR/models/",
    )
    train.add_argument(
        "--per-topic",
        type=int,
        default=300,
        metavar="N",
        help="stream stories kept per topic, the newest (300)",
    )

    add("config", cmd_config, "print the effective settings (secrets masked)", kafka=True)

    broker = add(
        "broker",
        cmd_broker,
        "run the embedded broker in the foreground: Apache Kafka (one KRaft node), or Tansu",
    )
    broker.add_argument("--port", type=int, default=9092, help="port on 127.0.0.1 (9092)")
    broker.add_argument(
        "--kind",
        choices=("kafka", "tansu"),
        default="kafka",
        help="kafka (default; durable on --data-dir) or tansu (memory only: NOT durable)",
    )
    broker.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="Kafka's data directory (default: a temporary one, removed at stop)",
    )

    topics_ = add(
        "topics",
        cmd_topics,
        "create the pipeline's topics (the topic job): WIRES_PARTITIONS, WIRES_REPLICATION",
        "Create every topic the pipeline uses that is missing, with WIRES_PARTITIONS "
        "partitions, WIRES_REPLICATION replicas and the topic settings the workers need; "
        "existing topics are kept as they are. Workers do this at start; feeds and "
        "ingest only wait for the topics.",
        kafka=True,
    )
    topics_.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS", help="wait for the broker (30)"
    )

    add("worker", cmd_worker, "run a stream worker (several share the partitions)", kafka=True)

    feed = add(
        "feed",
        cmd_feed,
        "send raw stories to wires.raw: files, folders, stdin, a drop folder",
        "Send each PATH (a file; a folder: its files; '-': stdin) as one raw story and "
        "print a summary of sent/failed. With --watch DIR, send every file dropped into "
        "DIR and move it to DIR/done/ once the broker acknowledged it (DIR/failed/ with a "
        ".error note if refused, or rejected by the worker later).",
        kafka=True,
    )
    feed.add_argument("paths", nargs="*", metavar="PATH|DIR|-")
    feed.add_argument("--watch", metavar="DIR", help="watch DIR as a drop folder")
    feed.add_argument("--feed", metavar="NAME", help="feed name recorded with each story")
    feed.add_argument(
        "--received-at",
        metavar="ISO",
        help="received time to record instead of now (archive replays)",
    )
    feed.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="then wait up to SECONDS for the pipeline's word on each file: how many "
        "were published, and which were rejected (dead letters) and why",
    )

    poll_ = add(
        "poll",
        cmd_poll,
        "poll RSS/Atom feeds and HTTP folders of items; send what is new to wires.raw",
        "Poll each URL every --interval seconds with conditional requests (ETag, "
        "If-Modified-Since): a feed gives one raw message per new entry, a folder listing "
        "each new file it links, another document itself when it changed. What was sent "
        "is remembered in --state across restarts; a failing URL backs off.",
        kafka=True,
    )
    poll_.add_argument("urls", nargs="+", metavar="URL")
    poll_.add_argument("--feed", metavar="NAME", help="feed name recorded with each item")
    poll_.add_argument(
        "--interval", type=float, default=60.0, metavar="SECONDS", help="between polls (60)"
    )
    poll_.add_argument(
        "--state", metavar="FILE", help="what was sent (default: $WIRES_DATA_DIR/poll-state.json)"
    )
    poll_.add_argument("--once", action="store_true", help="poll each URL once and stop")

    tail = add("tail", cmd_tail, "print stories from wires.enriched as they arrive", kafka=True)
    tail.add_argument("--from-beginning", action="store_true", help="start at the oldest story")
    tail.add_argument("--count", type=int, metavar="N", help="stop after N stories")
    tail.add_argument("--section", help="only this section (IPTC label, or part of it, or code)")
    tail.add_argument("--agency", help="only this agency")
    tail.add_argument("--language", help="only this language (ISO 639-1)")
    tail.add_argument("--json", action="store_true", help="print whole events as JSON lines")
    tail.add_argument(
        "--format",
        choices=("line", "json", "ninjs"),
        default="line",
        help="line: one readable line a story (default); json: whole events; "
        "ninjs: IPTC ninjs 2.2 objects, one a line",
    )
    tail.add_argument(
        "--deadletter",
        action="store_true",
        help="print rejected stories from wires.deadletter instead: reason, time, feed, "
        "name, error and a safe preview (--json or --format json: the same as JSON lines)",
    )
    tail.add_argument(
        "--idle-timeout",
        type=float,
        metavar="SECONDS",
        help="stop after SECONDS without a new story",
    )

    add(
        "dashboard",
        cmd_dashboard,
        "serve the live web dashboard of wires.enriched (WIRES_DASHBOARD_PORT, WIRES_BIND)",
        kafka=True,
    )

    add(
        "ingest",
        cmd_ingest,
        "HTTP ingest: POST /v1/wires (text, JSON envelope or NDJSON) with bearer tokens "
        "(WIRES_INGEST_PORT, WIRES_INGEST_TOKENS)",
        kafka=True,
    )

    run = add(
        "run",
        cmd_run,
        "the whole pipeline on this machine: embedded broker, worker, "
        "sample wires, a drop folder and a live tail",
    )
    run.add_argument("--no-samples", action="store_true", help="do not feed the sample wires")
    run.add_argument(
        "--broker",
        dest="broker_kind",
        choices=("kafka", "tansu"),
        default="kafka",
        help="kafka (default: Apache Kafka, data kept in WIRES_DATA_DIR/kafka) or tansu "
        "(no Java needed, memory only: NOT durable, a restart loses every story)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
