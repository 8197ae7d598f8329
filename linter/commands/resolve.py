"""``imagepin resolve REF...``: print each reference pinned to the digest its tag has now."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from linter import registry
from linter.commands.common import (
    Subparsers,
    add_command,
    add_lookup_options,
    check_output,
    fail,
    settings,
    tracer,
    write_output,
)
from linter.config import ConfigError
from linter.model import Resolution
from linter.reference import InvalidReference, Reference, parse
from linter.registry import RegistryOptions, RunStats
from linter.report.escape import printable


class UsageError(Exception):
    """Bad arguments or configuration: one line on stderr, exit 2."""


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "resolve",
        "print each reference pinned to the digest its tag has now",
        [
            "imagepin resolve nginx:1.27 ghcr.io/acme/api:2.3",
            "imagepin resolve --format json redis:7.4",
        ],
        "Resolves each reference's tag to its digest (the multi-platform index's, or\n"
        "one platform's with --platform) and prints it pinned, one per line. Exits 1\n"
        "when a reference cannot be resolved.",
    )
    parser.add_argument(
        "refs", nargs="+", metavar="REF", help="image reference, e.g. nginx:1.27 (repeatable)"
    )
    add_lookup_options(parser, ("text", "json"))
    parser.set_defaults(func=run)


def registry_options(args: argparse.Namespace) -> RegistryOptions:
    """The registry options of a command: the configuration with the command line's
    options applied (linter.commands.common.settings)."""
    try:
        check_output(getattr(args, "output", None))
        options = RegistryOptions.from_config(
            settings(args),
            no_cache=getattr(args, "no_cache", False),
            cache_dir=getattr(args, "cache_dir", None),
        )
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    return options._replace(tracer=tracer(args))


def parse_references(texts: Sequence[str]) -> list[Reference]:
    try:
        return [parse(text) for text in texts]
    except InvalidReference as exc:
        raise UsageError(str(exc)) from None


def pinned(resolution: Resolution) -> str | None:
    """``docker.io/library/nginx:1.27@sha256:…``; a digest-only reference, if it exists."""
    ref = resolution.reference
    if resolution.error is not None:
        return None
    if resolution.digest is not None:
        return str(Reference(ref.domain, ref.path, ref.effective_tag, resolution.digest))
    return str(ref) if resolution.pinned_exists else None


def problem(resolution: Resolution) -> str | None:
    """Why a reference could not be pinned, in one line; None when it was."""
    if resolution.error is not None:
        error = resolution.error
        return f"{error.kind.value}: {error.registry}: {error.message}"
    if pinned(resolution) is None:
        return f"not-found: {resolution.reference.digest} does not exist"
    return None


def _as_json(text: str, resolution: Resolution) -> dict[str, Any]:
    error = resolution.error
    return {
        "input": text,
        "reference": str(resolution.reference),
        "pinned": pinned(resolution),
        "digest": resolution.digest,
        "media_type": resolution.media_type,
        "pinned_exists": resolution.pinned_exists,
        "platforms": [
            {"os": p.os, "architecture": p.architecture, "variant": p.variant, "digest": p.digest}
            for p in resolution.platforms
        ],
        "error": None
        if error is None
        else {"kind": error.kind.value, "message": error.message, "registry": error.registry},
    }


def report_stats(args: argparse.Namespace, stats: RunStats) -> None:
    if getattr(args, "verbose", False):
        sys.stderr.write(
            f"imagepin: {stats.requests} requests, {stats.token_requests} token requests, "
            f"{stats.cache_hits} cache hits\n"
        )


def run(args: argparse.Namespace) -> int:
    try:
        refs = parse_references(args.refs)
        options = registry_options(args)
    except UsageError as exc:
        return fail(str(exc))
    # Looked up when called (not bound at import): a test that replaces it replaces it here.
    answers, stats = registry.resolve_with_stats(refs, options)
    failed = False
    lines, documents = [], []
    for text, ref in zip(args.refs, refs, strict=True):
        resolution = answers[ref]
        why = problem(resolution)
        if why is not None:
            failed = True
            sys.stderr.write(f"imagepin: {printable(text)}: {printable(why)}\n")
        documents.append(_as_json(text, resolution))
        lines.append(pinned(resolution))
    if args.format == "json":
        write_output(args, json.dumps(documents, indent=2) + "\n")
    else:
        write_output(args, "".join(f"{line}\n" for line in lines if line is not None))
    report_stats(args, stats)
    return 1 if failed else 0
