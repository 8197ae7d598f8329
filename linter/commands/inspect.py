"""``imagepin inspect REF``: JSON about a remote image, without pulling it."""

from __future__ import annotations

import argparse
import json
import sys

from linter.commands.common import fail, write_output
from linter.commands.resolve import UsageError, parse_references, registry_options
from linter.registry import RegistryError, inspect_sync


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="show JSON about a remote image (digest, platforms, labels, size)",
        description="Print the image's digest, media type and platforms, and for one platform "
        "(--platform, else this machine's) its creation time, labels, layer count and size.",
        parents=parents,
    )
    parser.add_argument("ref", metavar="REF", help="image reference, e.g. nginx:1.27")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if (getattr(args, "format", None) or "json") != "json":
        return fail("inspect prints JSON only")
    try:
        (ref,) = parse_references([args.ref])
        options = registry_options(args)
    except UsageError as exc:
        return fail(str(exc))
    try:
        details = inspect_sync(ref, options)
    except RegistryError as exc:
        sys.stderr.write(f"imagepin: {args.ref}: {exc.kind.value}: {exc.registry}: {exc.message}\n")
        return 1
    write_output(args, json.dumps(details.to_json(), indent=2) + "\n")
    return 0
