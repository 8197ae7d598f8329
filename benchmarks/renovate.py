"""Every image reference Renovate extracts, looked up among imagepin's occurrences.

    python -m benchmarks.renovate --renovate PATH/TO/node_modules/.bin/renovate CORPUS...

Renovate is not a dependency: install it outside the repository (docs/formats.md,
"Compared with Renovate"). Each corpus is copied into a scratch git repository,
Renovate runs on it with ``--platform=local --dry-run=extract`` (the kubernetes
manager given every YAML file), and each of its container-image dependencies is
looked for among the occurrences imagepin extracts from the same file: the same
reference (name, tag and digest, normalized) or the same text. Prints, per
Renovate manager, how many it found and how many imagepin found too, and every
reference only one of them found.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from linter import discovery, source
from linter.extract import extract
from linter.model import Occurrence
from linter.reference import InvalidReference, parse

CONFIG = """module.exports = {
  platform: 'local',
  dryRun: 'extract',
  onboarding: false,
  requireConfig: 'ignored',
  kubernetes: { managerFilePatterns: ['/\\\\.ya?ml$/'] },
};
"""
#: Renovate's datasource for container images (its Helm values and Kustomize managers too).
DOCKER = "docker"
_CIRCLECI_PARAMETER = re.compile(r"<< *pipeline\.parameters\.([\w-]+) *>>")


@dataclass(frozen=True)
class Dependency:
    manager: str
    path: str
    #: Renovate's ``depName``: the repository.
    name: str
    #: As written in the file (Renovate's ``replaceString``), else name:tag@digest.
    text: str
    reference: str
    skipped: str | None


def renovate_dependencies(renovate: Path, tree: Path) -> list[Dependency]:
    """The container images Renovate extracts from the git repository ``tree``."""
    config = tree.parent / "renovate-config.js"
    config.write_text(CONFIG)
    env = {
        **os.environ,
        # Its node (Renovate 44 needs Node >= 24.11) is in the same node_modules/.bin.
        "PATH": f"{renovate.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "LOG_LEVEL": "debug",
        "LOG_FORMAT": "json",
        "RENOVATE_CONFIG_FILE": str(config),
    }
    result = subprocess.run(
        [str(renovate)], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    extracted = [
        entry["packageFiles"]
        for line in result.stdout.splitlines()
        if line.startswith("{")
        and (entry := json.loads(line)).get("msg") == "Extracted dependencies"
    ]
    if not extracted:
        sys.exit(f"renovate extracted nothing ({result.returncode}):\n{result.stdout[-2000:]}")
    return [
        read_dependency(manager, file["packageFile"], dep)
        for manager, files in extracted[0].items()
        for file in files
        for dep in file.get("deps", [])
        if dep.get("datasource") == DOCKER
    ]


def read_dependency(manager: str, path: str, dep: dict[str, str]) -> Dependency:
    reference = dep.get("depName") or ""
    reference += f":{dep['currentValue']}" if dep.get("currentValue") else ""
    reference += f"@{dep['currentDigest']}" if dep.get("currentDigest") else ""
    text = (dep.get("replaceString") or reference).strip("'\"")
    # A reference with a variable has no depName: its repository is what comes before it.
    name = dep.get("depName") or text.partition("$")[0].rstrip(":")
    return Dependency(manager, path, name, text, reference, dep.get("skipReason"))


def imagepin_occurrences(tree: Path) -> dict[str, list[Occurrence]]:
    """What imagepin extracts from each file of ``tree``, by path (as Renovate names it)."""
    files, _ = discovery.discover(["."], cwd=tree)
    here = Path.cwd()
    os.chdir(tree)  # formats read files beside a file (a chart's Chart.yaml, a .env)
    try:
        return {
            file.display: list(extract(file.display, source.read(file.path).text).occurrences)
            for file in files
        }
    finally:
        os.chdir(here)


def _normalized(text: str) -> tuple[str, str | None, str | None] | None:
    try:
        ref = parse(text)
    except InvalidReference:
        return None
    return ref.name, ref.tag, ref.digest


def matches(dependency: Dependency, occurrence: Occurrence) -> bool:
    """The same reference, or the same text; or, where Renovate leaves a part unread, the
    same repository (a tag from a variable it does not substitute, a Helm tag it leaves
    to the chart), or the CircleCI pipeline parameter whose default imagepin reads."""
    wanted = _normalized(dependency.reference)
    found = _normalized(occurrence.image)
    if wanted is not None and wanted == found:
        return True
    if dependency.text and dependency.text in (occurrence.image, occurrence.raw):
        return True
    parameter = _CIRCLECI_PARAMETER.fullmatch(dependency.text)
    if parameter is not None:
        return occurrence.yaml_path == f"parameters.{parameter.group(1)}.default"
    partial = dependency.skipped == "contains-variable" or (wanted is not None and not wanted[1])
    name = _normalized(dependency.name) if partial else None
    return name is not None and found is not None and name[0] == found[0]


def compare(
    dependencies: list[Dependency], occurrences: dict[str, list[Occurrence]]
) -> tuple[Counter[str], list[Dependency], list[Occurrence]]:
    """Per manager, Renovate's count and the count imagepin found too; what only Renovate
    found; what only imagepin found. One occurrence answers one dependency first; a
    reference Renovate lists twice (an anchor's aliases) may then share it."""
    counts: Counter[str] = Counter()
    missed: list[Dependency] = []
    used: set[int] = set()
    for dependency in dependencies:
        counts[f"{dependency.manager} renovate"] += 1
        candidates = [o for o in occurrences.get(dependency.path, []) if matches(dependency, o)]
        hit = next((o for o in candidates if id(o) not in used), None) or next(
            iter(candidates), None
        )
        if hit is None:
            missed.append(dependency)
            continue
        used.add(id(hit))
        counts[f"{dependency.manager} both"] += 1
    extra = [o for found in occurrences.values() for o in found if id(o) not in used]
    return counts, missed, extra


def scratch_copy(corpus: Path, work: Path) -> Path:
    tree = work / corpus.name
    shutil.copytree(corpus, tree, ignore=shutil.ignore_patterns("licenses", ".git"))
    git = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "corpus"]):
        subprocess.run([*git, *args], cwd=tree, check=True)
    return tree


def report(corpus: Path, renovate: Path, work: Path) -> Iterator[str]:
    tree = scratch_copy(corpus, work)
    dependencies = renovate_dependencies(renovate, tree)
    occurrences = imagepin_occurrences(tree)
    counts, missed, extra = compare(dependencies, occurrences)
    total = sum(len(found) for found in occurrences.values())
    yield f"## {corpus.name}\n\n"
    yield f"Renovate: {len(dependencies)} references; imagepin: {total} occurrences; "
    yield f"found by both: {len(dependencies) - len(missed)}\n\n"
    yield "| Renovate manager | Renovate | imagepin too |\n|---|---:|---:|\n"
    for manager in sorted({d.manager for d in dependencies}):
        yield f"| {manager} | {counts[manager + ' renovate']} | {counts[manager + ' both']} |\n"
    yield "\nOnly Renovate:\n\n"
    for dependency in missed:
        skipped = f" [{dependency.skipped}]" if dependency.skipped else ""
        yield f"- `{dependency.path}` ({dependency.manager}) `{dependency.text}`{skipped}\n"
    yield f"\nOnly imagepin ({len(extra)}):\n\n"
    for occurrence in extra:
        yield f"- `{occurrence.path}:{occurrence.line}` `{occurrence.image}`\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.renovate", description=__doc__)
    parser.add_argument("--renovate", required=True, type=Path, help="the renovate executable")
    parser.add_argument("corpora", nargs="+", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="imagepin-renovate-") as work:
        for corpus in args.corpora:
            sys.stdout.write("".join(report(corpus.resolve(), args.renovate, Path(work))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
