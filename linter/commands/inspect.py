"""``imagepin inspect REF``: JSON about a remote image, without pulling it."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from linter.commands.common import fail, write_output
from linter.commands.resolve import UsageError, parse_references, registry_options
from linter.registry import RegistryError, inspect_sync
from linter.signatures import SignatureKeyError, load_keys


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="show JSON about a remote image (digest, platforms, labels, size, signatures)",
        description="Print the image's digest, media type and platforms, for one platform "
        "(--platform, else this machine's) its creation time, labels, layer count and size, "
        "and the signatures of its digest (cosign and Notation; cosign ones verified with "
        "--key).",
        parents=parents,
    )
    parser.add_argument("ref", metavar="REF", help="image reference, e.g. nginx:1.27")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="FILE",
        help="PEM public key that verifies cosign signatures (repeatable)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if (getattr(args, "format", None) or "json") != "json":
        return fail("inspect prints JSON only")
    try:
        (ref,) = parse_references([args.ref])
        options = registry_options(args)
        keys = load_keys(args.key, Path.cwd())
    except (UsageError, SignatureKeyError) as exc:
        return fail(str(exc))
    options = replace(options, signature_keys=tuple(keys))
    try:
        details = inspect_sync(ref, options)
    except RegistryError as exc:
        sys.stderr.write(f"imagepin: {args.ref}: {exc.kind.value}: {exc.registry}: {exc.message}\n")
        return 1
    write_output(args, json.dumps(details.to_json(), indent=2) + "\n")
    return 0
