"""The benchmark: imagepin against skopeo and against the network floor, and offline speed.

    python -m benchmarks.run [--images 200] [--rtt-ms 20] [--out docs/performance-results.md]

Starts docker-registry with Bearer token auth behind the latency proxy, pushes
the images, writes a GitOps repository that references them, and measures
``imagepin fix`` (cold and warm cache), ``imagepin check --offline``, and
skopeo loops over the same references; one image, ``imagepin check`` against
one ``skopeo inspect --no-tags``, in pairs; then the offline scan of the shared
corpus and the start-up of a one-file check. Prints the Markdown report (with
the machine, the date and the versions of the dependencies that move the
figures) and saves it to ``--out``; with ``--check``, exits 1 when a target is
missed or could not be measured. Needs docker-registry and skopeo (Debian
packages); talks to loopback only.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import shlex
import sys
import tempfile
from pathlib import Path

from benchmarks import machine, offline, report, resolution
from benchmarks.rig import ROOT

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--images", type=int, default=200, help="images to resolve (200)")
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="round-trip time added (20)")
    parser.add_argument(
        "--concurrency", type=int, help="imagepin's --concurrency (default: its own)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each imagepin timing (3)")
    parser.add_argument(
        "--pairs", type=int, default=15, help="pairs of one-image runs, imagepin and skopeo (15)"
    )
    parser.add_argument("--no-skopeo", action="store_true", help="skip the skopeo runs")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a target is missed or not measured"
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="YAML tree for the offline scan (../shared/corpus)",
    )
    parser.add_argument("--no-network", action="store_true", help="offline measurements only")
    parser.add_argument("--work", type=Path, help="scratch directory (default: a temporary one)")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "docs" / "performance-results.md",
        help="where to save the report (docs/performance-results.md)",
    )
    args = parser.parse_args(argv)
    if args.images < 1 or args.repeat < 1 or args.pairs < 1 or args.rtt_ms < 0:
        parser.error("--images, --repeat and --pairs must be positive, --rtt-ms not negative")
    return args


def measure_all(args: argparse.Namespace, work: Path, command: str) -> tuple[str, list[str]]:
    """The report, and the targets it misses."""
    # The date and the load average of the start, before the run loads the machine.
    described = machine.describe()
    network = None
    if not args.no_network:
        settings = resolution.Settings(
            images=args.images,
            rtt=args.rtt_ms / 1000,
            concurrency=args.concurrency,
            repeat=args.repeat,
            skopeo=not args.no_skopeo,
            pairs=args.pairs,
        )
        network = resolution.run(work / "network", settings)
    corpus = args.corpus if args.corpus.is_dir() else None
    if corpus is None:
        sys.stderr.write(f"benchmarks: no corpus at {args.corpus}: offline scan skipped\n")
    local = offline.run(corpus, work / "offline", args.repeat)
    missed = [t.goal for t in report.targets(network, local) if not t.met]
    return report.render(described, command, network, local), missed


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    args = parse_args(arguments)
    if not args.no_network and importlib.util.find_spec("jwt") is None:
        sys.stderr.write(
            "benchmarks: the token server needs pyjwt: pip install '.[bench]' (or --no-network)\n"
        )
        return 2
    # An installed package is byte-compiled (pip does it); so is the working tree here, or
    # every run would compile the modules edited since the last one.
    compileall.compile_dir(ROOT / "linter", quiet=1)
    command = " ".join(["python -m benchmarks.run", *map(shlex.quote, arguments)])
    if args.work is not None:
        text, missed = measure_all(args, args.work, command)
    else:
        with tempfile.TemporaryDirectory(prefix="imagepin-bench-") as scratch:
            text, missed = measure_all(args, Path(scratch), command)
    sys.stdout.write(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    for goal in missed:
        sys.stderr.write(f"benchmarks: target missed: {goal}\n")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
