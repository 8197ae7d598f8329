"""``imagepin inspect REF``: what a remote image is, without pulling it; skopeo's answers too.

The JSON (imagepin's, or skopeo's keys with ``--format skopeo``), one value of it as
plain text (``--field``), the manifest's or the config's exact bytes (``--raw``,
``--config-blob``). Only what the output needs is read from the registry.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from linter import redact
from linter.commands.common import (
    Subparsers,
    add_command,
    add_lookup_options,
    fail,
    write_bytes,
    write_output,
)
from linter.commands.field import FieldError, find, needs, text
from linter.commands.resolve import UsageError, parse_references, registry_options, report_stats
from linter.registry import RegistryError, inspect_sync
from linter.registry.api.manifests import digest_of
from linter.registry.details import ImageDetails, Wanted
from linter.report.escape import printable
from linter.signatures import SignatureKeyError, load_keys

#: Enough for nearly every repository; a bound on the requests of one that has more.
DEFAULT_MAX_TAGS = 10_000


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "inspect",
        "show what a remote image is, as JSON or skopeo's JSON, one field, or its exact bytes",
        [
            "imagepin inspect nginx:1.27",
            "imagepin inspect --platform linux/arm64 --field image.created ghcr.io/acme/api:2.3",
            "imagepin inspect --format skopeo --tags nginx:1.27 | jq -r '.RepoTags[]'",
            "imagepin inspect --raw nginx:1.27 | sha256sum",
        ],
        "Prints the image's digest, media type and platforms; for one platform\n"
        "(--platform, else this machine's) its layers, creation time, labels,\n"
        "environment, entrypoint, command, user, working directory and exposed ports;\n"
        "and the signatures of its digest (cosign and Notation; cosign ones verified\n"
        "with --key). Every manifest and blob is checked against its digest before\n"
        "anything from it is printed. Never pulls the image; a second inspect of the\n"
        "same digest is answered from the cache.",
    )
    parser.add_argument("ref", metavar="REF", help="image reference, e.g. nginx:1.27")
    shown = parser.add_argument_group("what to show")
    only = shown.add_mutually_exclusive_group()
    only.add_argument(
        "--raw",
        action="store_true",
        help="print the manifest exactly as the registry serves it, byte for byte (refused "
        "when its hash is not the digest)",
    )
    only.add_argument(
        "--config-blob",
        action="store_true",
        help="print the chosen platform's config blob byte for byte, checked against its "
        "digest (skopeo's --config)",
    )
    only.add_argument(
        "--field",
        metavar="PATH",
        help="print one value as plain text: digest, image.created, image.labels.KEY, "
        "image.layers.0.digest (with --format skopeo: Digest, Labels.KEY, ...)",
    )
    shown.add_argument(
        "--tags",
        action="store_true",
        help="list the repository's tags (RepoTags with --format skopeo); a request per "
        "page of tags",
    )
    shown.add_argument(
        "--max-tags",
        type=_positive,
        default=DEFAULT_MAX_TAGS,
        metavar="N",
        help=f"list at most N tags (default: {DEFAULT_MAX_TAGS})",
    )
    shown.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="FILE",
        help="PEM public key that verifies cosign signatures (repeatable)",
    )
    add_lookup_options(
        parser,
        ("json", "skopeo"),
        concurrency=False,
        what="json is imagepin's document, skopeo has skopeo inspect's keys and shapes",
        platform="the platform whose image is shown (default: this machine's); the "
        "digest and --raw stay the multi-platform index's",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    skopeo = args.format == "skopeo"
    try:
        _check_combinations(args)
        wanted = _wanted(args, skopeo)
        # skopeo's transport prefix, so that scripts' references work as they are.
        (ref,) = parse_references([args.ref.removeprefix("docker://")])
        options = registry_options(args)
        keys = load_keys(args.key, os.getcwd())
    except (UsageError, SignatureKeyError, FieldError) as exc:
        return fail(str(exc))
    options = options._replace(signature_keys=tuple(keys))
    try:
        details, stats = inspect_sync(ref, options, wanted)
    except RegistryError as exc:
        problem = f"{args.ref}: {exc.kind.value}: {exc.registry}: {exc.message}"
        sys.stderr.write(f"imagepin: {printable(problem)}\n")
        return 1
    report_stats(args, stats)
    if args.raw or args.config_blob:
        return _write_bytes(args, details)
    if details.tags is not None and not details.tags.complete:
        listed = len(details.tags.tags)
        sys.stderr.write(
            f"imagepin: {printable(args.ref)}: only the first {listed} tags are listed "
            "(--max-tags)\n"
        )
    document = details.to_skopeo() if skopeo else details.to_json()
    if args.field is None:
        write_output(args, json.dumps(document, indent=4 if skopeo else 2) + "\n")
        return 0
    try:
        value = find(document, args.field)
    except FieldError as exc:
        return fail(str(exc))
    write_output(args, text(value))
    return 0


def _check_combinations(args: argparse.Namespace) -> None:
    raw = "--raw" if args.raw else "--config-blob" if args.config_blob else None
    if raw is not None and (args.format or args.tags):
        other = "--format" if args.format else "--tags"
        raise UsageError(f"{raw} prints bytes as the registry serves them: {other} does not apply")


def _wanted(args: argparse.Namespace, skopeo: bool) -> Wanted:
    """Only what the output shows is read: ``--raw`` is one request."""
    if args.raw:
        return Wanted(image=False, signatures=False)
    if args.config_blob:
        return Wanted(signatures=False)
    parts = needs(args.field, skopeo)
    tags = args.tags or "tags" in parts
    return Wanted(
        image="image" in parts,
        signatures="signatures" in parts,
        tags=args.max_tags if tags else None,
    )


def _write_bytes(args: argparse.Namespace, details: ImageDetails) -> int:
    """The manifest or config blob, byte for byte: the product's byte-exact contract.

    Never altered, so refused rather than scrubbed or escaped: when its hash is not the
    digest it is known by (checked once more here, whatever path it came by), when it
    holds a secret imagepin read (a registry that was sent a password could put it in
    a body, for a CI log to show), and, to a terminal, when it holds control
    characters a terminal would obey (pipe it, or use --output).
    """
    if args.raw:
        body, digest, what = details.manifest, details.digest, "manifest"
    else:
        assert details.image is not None
        body, digest, what = details.image.config_blob, details.image.config_digest, "config blob"
    algorithm = digest.partition(":")[0]
    text = body.decode("utf-8", "surrogateescape")
    refusal = None
    if (actual := digest_of(body, algorithm)) != digest:
        refusal = f"its {algorithm} is {actual}, not {digest}"
    elif redact.scrub(text) != text:
        refusal = "it holds a credential or token imagepin read"
    elif not args.output and sys.stdout.isatty() and not _safe_for_a_terminal(text):
        refusal = "it holds control characters, for a terminal (pipe it, or use --output FILE)"
    if refusal is not None:
        sys.stderr.write(f"imagepin: {printable(args.ref)}: the {what} is refused: {refusal}\n")
        return 1
    write_bytes(args.output, body)
    return 0


def _safe_for_a_terminal(text: str) -> bool:
    """UTF-8 (no surrogate escapes) with no control or format characters but line ends
    and tabs."""
    return all(ch.isprintable() or ch in "\n\r\t" for ch in text)
