"""``imagepin comment``: post or update the pull-request comment, and optionally review suggestions.

The report comes from a run of the checks (PATHs, like ``check``) or from a
``check --format json`` file (``--from-json``), which lets CI resolve once and
reuse the result. The exit status says whether posting worked, not whether
images are pinned: ``check`` is the gate.
"""

from __future__ import annotations

import argparse
import os
import sys

from linter import redact
from linter.commands.common import (
    Subparsers,
    add_command,
    add_config,
    add_display,
    add_offline,
    add_paths,
    add_registry,
    add_selection,
    check_output,
    fail,
    settings,
    write_output,
)
from linter.config import ConfigError
from linter.report import Report
from linter.report.escape import printable


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "comment",
        "post or update the pull request's imagepin comment (and review suggestions) on GitHub",
        [
            "imagepin comment --from-json imagepin.json --suggestions",
            "imagepin comment deploy/",
        ],
        "Keeps one sticky comment listing the findings on the pull request of\n"
        "GITHUB_EVENT_PATH. Exits 0 when the comment was posted (or could not be, with\n"
        "a read-only token: the report is printed instead); `check` is the gate.",
    )
    add_paths(parser)
    add_config(parser)
    add_selection(parser)
    add_offline(parser)
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="when the comment cannot be posted, write its Markdown here instead of stdout",
    )
    add_display(parser, quiet=False, color=False)
    add_registry(parser)
    group = parser.add_argument_group("comment options")
    group.add_argument(
        "--from-json", metavar="FILE", help="post this `check --format json` report, not a new run"
    )
    group.add_argument(
        "--repo", metavar="OWNER/NAME", help="repository (default: GITHUB_REPOSITORY)"
    )
    group.add_argument(
        "--pr", type=int, metavar="NUMBER", help="pull request (default: from GITHUB_EVENT_PATH)"
    )
    group.add_argument("--api-url", metavar="URL", help="REST API root (default: GITHUB_API_URL)")
    group.add_argument(
        "--token-env",
        default="GITHUB_TOKEN",
        metavar="NAME",
        help="environment variable holding the token (default: GITHUB_TOKEN)",
    )
    group.add_argument(
        "--suggestions",
        action="store_true",
        help="also post a review with ```suggestion blocks on the changed lines",
    )
    group.add_argument(
        "--when-clean",
        choices=("update", "delete"),
        default="update",
        help="with no findings: mark the earlier comment resolved (update) or delete it",
    )
    parser.set_defaults(func=run)


def check_report(args: argparse.Namespace) -> Report:
    """Run the checks the way ``check`` does, without fixing anything."""
    from linter.commands.check import check_options
    from linter.engine import run_check

    options = check_options(args)
    return run_check(args.paths, options).report


def _fallback(args: argparse.Namespace, report: Report, reason: str) -> int:
    """Cannot write to the pull request: say why, print the report, and do not fail the job."""
    from linter.report import markdown

    sys.stderr.write(
        f"imagepin: not commenting: {printable(reason)}. The report follows; in CI the annotations "
        "and the job summary show it too.\n"
    )
    write_output(args, markdown.render(report))
    return 0


def run(args: argparse.Namespace) -> int:
    from linter.extract.options import FormatOptions
    from linter.github import context, report_file

    redact.remember(os.environ.get(args.token_env) or "")
    try:
        check_output(args.output)
        pull = context.from_environment(
            os.environ, repository=args.repo, number=args.pr, api_url=args.api_url
        )
        if args.from_json:
            formats = FormatOptions.from_config(settings(args))
            report = report_file.load(args.from_json, formats=formats)
        else:
            report = check_report(args)
    except (context.ContextError, report_file.ReportFileError, ConfigError) as exc:
        return fail(str(exc))
    if pull.read_only is not None:
        return _fallback(args, report, f"{pull.read_only}, so the token is read-only")
    token = os.environ.get(args.token_env)
    if not token:
        return fail(
            f"${args.token_env} is not set: give the step "
            f"`env: {args.token_env}: ${{{{ secrets.GITHUB_TOKEN }}}}`"
        )
    from linter.registry.auth.credentials import unusable

    problem = unusable(token, header=True)
    if problem is not None:
        # HTTP libraries quote a header value they refuse: it is never handed to one.
        return fail(f"${args.token_env} {problem}; not used")
    from linter.github.client import GitHubClient, GitHubError, ReadOnlyToken
    from linter.github.publish import Options, publish

    options = Options(suggestions=args.suggestions, delete_when_clean=args.when_clean == "delete")
    try:
        with GitHubClient(pull.api_url, token) as client:
            outcome = publish(client, pull, report, options)
    except ReadOnlyToken as exc:
        return _fallback(args, report, f"the token cannot write to {pull.repository} ({exc})")
    except GitHubError as exc:
        return fail(str(exc))
    for note in outcome.notes:
        sys.stderr.write(f"imagepin: warning: {printable(note)}\n")
    suggested = f"{outcome.suggested} suggestion{'s' * (outcome.suggested != 1)}"
    sys.stderr.write(
        f"imagepin: comment {outcome.comment.value} on {pull.repository}#{pull.number}"
        + (f"; {suggested} posted" if args.suggestions else "")
        + "\n"
    )
    return 0
