"""``imagepin inspect REF``: JSON about a remote image, without pulling it."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from linter.commands.common import Subparsers, add_command, add_lookup_options, fail, write_output
from linter.commands.resolve import UsageError, parse_references, registry_options
from linter.registry import RegistryError, inspect_sync
from linter.report.escape import printable
from linter.signatures import SignatureKeyError, load_keys


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "inspect",
        "show JSON about a remote image (digest, platforms, labels, size, signatures)",
        [
            "imagepin inspect nginx:1.27",
            "imagepin inspect --platform linux/arm64 ghcr.io/acme/api:2.3",
        ],
        "Prints the image's digest, media type and platforms; for one platform (--platform, "
        "else this machine's) its creation time, labels, layer count and size; and the "
        "signatures of its digest (cosign and Notation; cosign ones verified with --key). "
        "Never pulls the image.",
    )
    parser.add_argument("ref", metavar="REF", help="image reference, e.g. nginx:1.27")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="FILE",
        help="PEM public key that verifies cosign signatures (repeatable)",
    )
    add_lookup_options(parser, ("json",), concurrency=False)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        (ref,) = parse_references([args.ref])
        options = registry_options(args)
        keys = load_keys(args.key, Path.cwd())
    except (UsageError, SignatureKeyError) as exc:
        return fail(str(exc))
    options = replace(options, signature_keys=tuple(keys))
    try:
        details, _ = inspect_sync(ref, options)
    except RegistryError as exc:
        problem = f"{args.ref}: {exc.kind.value}: {exc.registry}: {exc.message}"
        sys.stderr.write(f"imagepin: {printable(problem)}\n")
        return 1
    write_output(args, json.dumps(details.to_json(), indent=2) + "\n")
    return 0
