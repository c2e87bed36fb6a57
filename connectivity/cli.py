"""Command-line interface: ``connectivity <stage> --region NAME``.

Each pipeline stage is a subcommand; ``run`` chains them all. Logging goes
to stderr (``-v`` for more, ``-q`` for less); long steps show progress bars
unless ``-q`` is given.

Exit codes
----------
0
    Done; the outputs are published.
1
    An unexpected error: a bug in connectivity. The message says so; ``-v``
    shows the traceback.
2
    A problem with the config, an input or the outputs folder; the message
    names the file, key or value. Nothing was published.
130, 143
    Stopped by Ctrl-C (SIGINT) or SIGTERM. The outputs folders hold the last
    complete run (the previous one, unless the signal came while this run was
    already publishing).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from connectivity import __version__
from connectivity._logging import configure_logging
from connectivity._signals import Interrupted, stop_on_signals
from connectivity.errors import ConnectivityError
from connectivity.settings import settings

__all__ = ["EXIT_BUG", "EXIT_INTERRUPTED", "EXIT_USER_ERROR", "Interrupted", "build_parser", "main"]

log = logging.getLogger(__name__)

#: Exit code of an unexpected error (a bug; ``-v`` shows the traceback).
EXIT_BUG = 1
#: Exit code of a bad config, input or outputs folder.
EXIT_USER_ERROR = 2
#: Exit code of a run stopped by a signal is this plus the signal number (130 Ctrl-C, 143 SIGTERM).
EXIT_INTERRUPTED = 128


def _cmd_sample(args: argparse.Namespace) -> int:
    from connectivity.sample import generate_sample_region

    out_dir = Path(args.out) if args.out else settings.sample_dir
    files = generate_sample_region(out_dir, seed=args.seed, size=args.size, force=args.force)
    log.info("synthetic sample region written to %s", files.directory)
    return 0


def _cmd_stages(args: argparse.Namespace) -> int:
    from connectivity import pipeline

    pipeline.run_stages(
        args.region,
        until=args.until,
        lang=getattr(args, "lang", None),
        budget=getattr(args, "budget", None),
    )
    return 0


def _cmd_robustness(args: argparse.Namespace) -> int:
    from connectivity import pipeline
    from connectivity.pipeline.stages import RobustnessOptions

    pipeline.run_stages(
        args.region,
        until="deliverables",
        lang=args.lang,
        budget=args.budget,
        robustness=RobustnessOptions(
            scenarios=args.scenarios, scheduler=args.scheduler, workers=args.workers
        ),
    )
    return 0


def _count(text: str) -> int:
    """Parse a positive whole number (``--scenarios``, ``--workers``)."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def _cmd_open(args: argparse.Namespace) -> int:
    from connectivity.config import load_region_config

    # the maps folder is named after the region's name in its config, not the TOML path
    maps_dir = settings.maps_dir(load_region_config(args.region).region.name)
    pages = sorted(maps_dir.glob("*.html"))
    if not pages:
        log.error("no maps in %s: run `make maps REGION=%s` first", maps_dir, args.region)
        return 2
    opened = False
    for page in pages:
        opened = webbrowser.open(page.resolve().as_uri()) or opened
    if not opened:
        # No browser on this machine: the paths are the useful answer, on stdout.
        sys.stdout.write("\n".join(str(p.resolve()) for p in pages) + "\n")
    return 0


def _amount(text: str) -> float:
    """Parse ``--budget``: a positive amount (``5000000``, ``5_000_000`` or ``5e6``)."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an amount of money: {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"the budget must be a positive amount, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``connectivity`` command.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="connectivity",
        description=(
            "Rural road investment planner: travel times from communities to markets, "
            "schools and health posts, and the road works that improve them most per sol."
        ),
    )
    parser.add_argument("--version", action="version", version=f"connectivity {__version__}")
    # -v/-q work before or after the subcommand (SUPPRESS keeps the subcommand's
    # parser from resetting the ones given before it to 0).
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument(
        "-q", "--quiet", action="count", default=0, help="less log output, no progress bars"
    )
    verbosity = argparse.ArgumentParser(add_help=False)
    verbosity.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="more log output"
    )
    verbosity.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=argparse.SUPPRESS,
        help="less log output, no progress bars",
    )
    region = argparse.ArgumentParser(add_help=False)
    region.add_argument(
        "--region",
        default="sample",
        help="region name in data/regions/ or path to a region TOML (default: sample)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "sample",
        parents=[verbosity],
        help="generate the synthetic sample region (invented data, offline)",
        description="Generate the seeded synthetic sample region (an invented Andean province).",
    )
    p.add_argument(
        "--seed", type=int, default=settings.sample_seed, help="random seed (default 42)"
    )
    p.add_argument("--size", type=float, default=1.0, help="scale; 1.0 is about one province")
    p.add_argument("--out", help="output folder (default data/sample)")
    p.add_argument("--force", action="store_true", help="regenerate even if files are up to date")
    p.set_defaults(func=_cmd_sample)

    # each subcommand runs the pipeline's stages up to one of them
    stages = [
        ("network", "network", "build the routable network and report its disconnected pieces"),
        ("access", "access", "travel times from communities to markets, schools, health posts"),
        ("rank", "ranking", "rank candidate road works by access gained per sol"),
        ("maps", "maps", "write interactive HTML maps under maps/<region>/"),
        (
            "run",
            "deliverables",
            "run the whole pipeline for a region: tables, maps, workbook and work sheets",
        ),
    ]
    for name, until, help_text in stages:
        p = sub.add_parser(name, parents=[verbosity, region], help=help_text, description=help_text)
        if until in ("ranking", "maps", "deliverables"):
            p.add_argument(
                "--lang",
                choices=["es", "en"],
                help="language of the maps, the explanation and the workbook (default: the "
                "region's [region] lang)",
            )
            p.add_argument(
                "--budget",
                type=_amount,
                metavar="AMOUNT",
                help="money for the programme in the region's currency, e.g. 5000000 "
                "(default: the region's [budget] amount)",
            )
        p.set_defaults(func=_cmd_stages, until=until)
    help_text = (
        "the whole run plus how sure each choice is: Monte Carlo over uncertain costs, "
        "speeds, days, trips and populations, budget curve and switching values, on Dask"
    )
    p = sub.add_parser(
        "robustness", parents=[verbosity, region], help=help_text, description=help_text
    )
    p.add_argument(
        "--scenarios",
        type=_count,
        metavar="N",
        help="scenarios to draw (default: the region's [robustness] scenarios, 200)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: an "
        "embedded LocalCluster on this machine, or [robustness] scheduler)",
    )
    p.add_argument(
        "--workers",
        type=_count,
        metavar="N",
        help="workers of the embedded LocalCluster (default: [robustness] workers, 2)",
    )
    p.add_argument("--lang", choices=["es", "en"], help="language of what people read")
    p.add_argument("--budget", type=_amount, metavar="AMOUNT", help="money for the programme")
    p.set_defaults(func=_cmd_robustness)
    p = sub.add_parser(
        "open",
        parents=[verbosity, region],
        help="open the generated maps in a browser",
        description="Open the generated maps in a browser.",
    )
    p.set_defaults(func=_cmd_open)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on a user error (bad config, input or outputs
        folder), 1 on a bug, 128 + the signal number when stopped by Ctrl-C
        or SIGTERM (see the module docstring).
    """
    args = build_parser().parse_args(argv)
    verbosity = args.verbose - args.quiet
    configure_logging(verbosity)
    try:
        with stop_on_signals():
            code: int = args.func(args)
    except ConnectivityError as exc:
        log.error("%s", exc)
        return EXIT_USER_ERROR
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        log.error(
            "stopped by %s: the outputs folders hold the last complete run, nothing mixed "
            "(its run.json says which)",
            signal.Signals(signum).name,
        )
        return EXIT_INTERRUPTED + int(signum)
    except Exception as exc:
        if verbosity > 0:
            raise
        log.error(
            "unexpected error, a bug in connectivity: %s: %s (nothing was published; run again "
            "with -v to see the traceback, and please report it)",
            type(exc).__name__,
            exc,
        )
        return EXIT_BUG
    return code
