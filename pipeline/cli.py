"""Command line: ``python -m pipeline COMMAND`` (also installed as ``wires``).

Each command imports what it needs when it runs, so ``enrich`` starts without
loading Faust or any Kafka client.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from pipeline import __version__

Command = Callable[[argparse.Namespace], int]


def cmd_enrich(args: argparse.Namespace) -> int:
    from pipeline import enrich_files

    return enrich_files.run(
        args.paths or ["-"],
        out=sys.stdout.buffer,
        err=sys.stderr,
        received_at=args.received_at,
        feed=args.feed,
    )


def cmd_eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.evaluation import gold_pairs, score_reading, score_sections

    pairs = [pair for folder in args.gold for pair in gold_pairs(Path(folder))]
    if not pairs:
        print(f"eval: no *.gold.json files in {', '.join(args.gold)}", file=sys.stderr)
        return 2
    print(score_reading(pairs).render())
    print()
    print(score_sections(pairs).render())
    if args.cross_validate:
        from pipeline import training

        print()
        print(training.cross_validate(training.load_examples()).render())
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline import training

    print(training.train(Path(args.data), Path(args.out), validate=not args.no_cv))
    return 0


def _default_model_path() -> str:
    from pathlib import Path

    return str(Path(__file__).parent / "text" / "data" / "sections-model.npz")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wires", description="Live news-wire pipeline: clean, classify and stream agency copy."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    enrich = commands.add_parser(
        "enrich",
        help="read raw stories from files or stdin, print one enriched event (JSON) per line",
        description="Read each PATH as one raw story ('-' or none: stdin) and print one "
        "wires.enriched/1 event per input as a JSON line, in input order. Unreadable "
        "inputs are reported on stderr and make the exit status 1.",
    )
    enrich.add_argument("paths", nargs="*", metavar="PATH")
    enrich.add_argument(
        "--received-at",
        metavar="ISO",
        help="received time for every story (resolves dateline years)",
    )
    enrich.add_argument("--feed", metavar="NAME", help="feed name to record in source.feed")
    enrich.set_defaults(func=cmd_enrich)

    evaluate = commands.add_parser(
        "eval", help="score the text engine against gold readings (NAME.txt + NAME.gold.json)"
    )
    evaluate.add_argument(
        "gold",
        nargs="*",
        metavar="DIR",
        default=["tests/data/corpus", "tests/data/seed", "tests/data/extra"],
    )
    evaluate.add_argument(
        "--cross-validate",
        action="store_true",
        help="also cross-validate the section classifier on its training data",
    )
    evaluate.set_defaults(func=cmd_eval)

    train = commands.add_parser(
        "train", help="rebuild the section classifier from labelled stories (needs scikit-learn)"
    )
    train.add_argument(
        "--data",
        default="data/sections/train",
        metavar="DIR",
        help="labelled stories, *.jsonl (data/sections/train)",
    )
    train.add_argument(
        "--out",
        default=_default_model_path(),
        metavar="FILE",
        help="where to write the model (the one shipped in the package)",
    )
    train.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    train.set_defaults(func=cmd_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
