"""Discovery: command-line paths -> the files to lint, and what format each one's name says.

Directories are listed with ``git ls-files`` inside a work tree (tracked files
and untracked ones git does not ignore), and walked otherwise (skipping
``.git``); either way the same names are taken (FORMATS) and the same
``exclude`` globs apply, by default DEFAULT_EXCLUDE. Files named on the command
line are taken whatever their name, as pre-commit passes them, unless excluded
(docs/formats.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence

from linter.paths import is_within, joined, parent
from linter.records import Record

YAML = "yaml"
DOCKERFILE = "dockerfile"
DEVCONTAINER = "devcontainer"
QUADLET = "quadlet"
#: Podman Quadlet units that can name an image (``*.build`` units name what they build).
QUADLET_SUFFIXES = (".container", ".image", ".volume", ".build")
DEVCONTAINER_FILE = "devcontainer.json"
YAML_SUFFIXES = (".yaml", ".yml")
#: Dockerfile names, alone or as a dotted part (``Dockerfile.dev``, ``app.Containerfile``).
DOCKERFILE_NAMES = frozenset({"Dockerfile", "Containerfile"})
#: Compose files by name (``compose.yaml``, ``docker-compose.override.yml``, …).
COMPOSE_FILE_NAME = re.compile(r"(?:docker-)?compose(?:[.-].*)?\.ya?ml", re.IGNORECASE)
#: What Compose interpolates its files with: read beside them, never linted alone.
ENV_FILE = ".env"
#: Never content: not even listed.
SKIPPED_DIRECTORIES = frozenset({".git"})
#: Other people's code, vendored: excluded unless ``exclude`` says otherwise (it replaces
#: these; ``extend-exclude`` adds to them), in walks, git listings and named files alike.
DEFAULT_EXCLUDE = ("node_modules", "vendor", "third_party")
#: git reads the scanned repository's own config, which can name a command to run
#: (``core.fsmonitor``, even for ``ls-files``), and a checkout can hold a bare repository
#: with such a config: neither may run anything (docs/security.md).
_GIT = ("git", "-c", "core.fsmonitor=false", "-c", "safe.bareRepository=explicit")


class SourceFile(Record):
    #: What to open.
    path: str
    #: Relative to the working directory when under it (as given otherwise), '/'-separated.
    display: str
    #: Named on the command line.
    explicit: bool
    #: The real directory ``fix`` may write this file in (or below): the directory argument
    #: it was found in, or the directory of the file argument (linter.atomic.Targets).
    root: str


def discover(
    paths: Sequence[str],
    *,
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
    cwd: str | os.PathLike[str] | None = None,
    extra: Sequence[str] = (),
) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """The files to lint, sorted by display path, and problems as (display path, reason).

    A directory gives the files whose name says a format, and those the globs ``extra``
    name (``marker-files``, ``regex-extractors``: matched like ``exclude``).

    A file reached twice (a symbolic link to it, a relative and an absolute path
    through a linked working directory) is listed once: by the argument that names
    it, else by the first display path.
    """
    base = os.getcwd() if cwd is None else os.fspath(cwd)
    excluded = Excluder(exclude)
    wanted = Excluder(extra)
    found: list[SourceFile] = []
    problems: list[tuple[str, str]] = []
    for argument in paths or ["."]:
        path = joined(base, argument)
        display = display_path(argument, base)
        if os.path.isdir(path):
            walked, walk_problems = _directory_files(path, display, excluded, wanted)
            problems += walk_problems
            found += walked
        elif not os.path.lexists(path):
            problems.append((display, "no such file or directory"))
        elif os.path.exists(path) and not os.path.isfile(path):
            # Opening a FIFO would wait for a writer forever.
            problems.append((display, "not a regular file"))
        elif os.path.basename(path) == ENV_FILE:
            # A changed .env changes the images of the Compose files that read it.
            for file in _compose_files_beside(path, display):
                if not excluded(file.display):
                    found.append(file)
        elif not excluded(display):
            root = os.path.realpath(parent(path))
            found.append(SourceFile(path, display, explicit=True, root=root))
    return _once_each(found), problems


def _once_each(files: list[SourceFile]) -> list[SourceFile]:
    """One entry per file on disk (its device and inode), sorted by display path.

    The entry kept may be written where any of the paths that reached the file may
    (``deploy/sub/up.yaml -> ../a.yaml`` named, and ``deploy`` given): a file given
    twice is fixed once, never not at all."""
    kept: dict[object, SourceFile] = {}
    for file in sorted(files, key=lambda file: (not file.explicit, file.display)):
        try:
            status = os.stat(file.path)
            key: object = (status.st_dev, status.st_ino)
        except OSError:
            key = os.path.normpath(file.path)  # read later, and reported then
        first = kept.setdefault(key, file)
        if first is not file and not _writable(first) and _writable(file):
            kept[key] = first._replace(root=file.root)
    return sorted(kept.values(), key=lambda file: file.display)


def _writable(file: SourceFile) -> bool:
    """Whether the real file lies inside the tree ``file`` was given as (atomic.Targets)."""
    return is_within(os.path.realpath(file.path), file.root)


def _compose_files_beside(env: str, display: str) -> list[SourceFile]:
    """The Compose files of the project whose ``.env`` is ``env`` (shown as ``display``)."""
    directory = parent(env)
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if entry.is_file())
    except OSError:
        return []
    prefix = display.rpartition("/")[0]
    root = os.path.realpath(directory)
    return [
        SourceFile(
            os.path.join(directory, name),
            f"{prefix}/{name}" if prefix else name,
            explicit=True,
            root=root,
        )
        for name in names
        if COMPOSE_FILE_NAME.fullmatch(name)
    ]


def file_format(path: str) -> str | None:
    """The format the name of the file at ``path`` says; None when it says none.

    As pre-commit's ``identify`` tags names (tests/test_discovery.py checks it
    against identify): ``*.yaml``/``*.yml`` in any case are YAML; a name that is,
    or has as a dotted part, ``Dockerfile`` or ``Containerfile`` is a Dockerfile
    (``Dockerfile.dev``, ``app.Dockerfile``, also ``Dockerfile.dockerignore``,
    which identify tags ``dockerfile``: read so, it names no image) unless it is YAML.
    Dev Container files (``.devcontainer.json``, ``.devcontainer/**/devcontainer.json``)
    and Podman Quadlet units (``*.container``, ``*.image``, ``*.volume``, ``*.build``),
    which identify tags ``json`` or not at all, are known by their names only.
    """
    directory, _, name = path.rpartition("/")
    if name.lower().endswith(YAML_SUFFIXES):
        return YAML
    if name in DOCKERFILE_NAMES or not DOCKERFILE_NAMES.isdisjoint(name.split(".")):
        return DOCKERFILE
    if name == "." + DEVCONTAINER_FILE or (
        name == DEVCONTAINER_FILE and ".devcontainer" in directory.split("/")
    ):
        return DEVCONTAINER
    if name.endswith(QUADLET_SUFFIXES) and not name.startswith(QUADLET_SUFFIXES):
        return QUADLET
    return None


def is_dockerfile(path: str) -> bool:
    """A Dockerfile or Containerfile name, as pre-commit's identify tags them ``dockerfile``."""
    return file_format(path) == DOCKERFILE


def is_lintable(path: str) -> bool:
    """What a directory walk takes: the files whose name says a format."""
    return file_format(path) is not None


def display_path(argument: str, cwd: str) -> str:
    """``argument`` relative to ``cwd`` when it lies under it, as given otherwise; '/'-separated."""
    absolute = os.path.normpath(os.path.join(cwd, argument))
    relative = os.path.relpath(absolute, cwd)
    shown = (
        relative
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep)
        else argument
    )
    shown = shown.replace(os.sep, "/")
    return shown[2:] if shown.startswith("./") else shown


class Excluder:
    """Gitignore-like globs on display paths.

    ``*`` and ``?`` stay within one path segment, ``**`` spans segments; a glob
    without a ``/`` matches a name at any depth; a glob that matches a
    directory excludes everything under it.
    """

    def __init__(self, globs: Sequence[str]) -> None:
        alternatives = [_glob_regex(glob) for glob in globs if glob.strip("/")]
        self._regex = re.compile("|".join(alternatives)) if alternatives else None

    def __call__(self, display: str) -> bool:
        return self._regex is not None and self._regex.fullmatch(display) is not None


def _glob_regex(glob: str) -> str:
    anchored = "/" in glob.rstrip("/")
    glob = glob.strip("/")
    pieces = re.split(r"(\*\*/|/\*\*$|\*\*|\*|\?|\[[^\]]*\])", glob)
    regex = "".join(_GLOB_PIECES.get(piece) or _character_class(piece) for piece in pieces)
    prefix = "" if anchored else "(?:.*/)?"
    return f"(?:{prefix}{regex}(?:/.*)?)"


_GLOB_PIECES = {"**/": "(?:.*/)?", "/**": "/.*", "**": ".*", "*": "[^/]*", "?": "[^/]"}


def _character_class(piece: str) -> str:
    if len(piece) > 2 and piece[0] == "[" and piece[-1] == "]":
        body = piece[1:-1]
        negated = body[0] in "!^"
        body = re.sub(r"([\\\]^])", r"\\\1", body[1:] if negated else body)
        return f"[{'^' if negated else ''}{body}]"
    return re.escape(piece)


def _directory_files(
    root: str, display: str, excluded: Excluder, wanted: Excluder
) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    prefix = "" if display == "." else display.rstrip("/") + "/"
    listed = _git_files(root)
    problems: list[tuple[str, str]] = []
    if listed is None:
        listed = _walk(root, prefix, excluded, problems)
    real = os.path.realpath(root)
    files = [
        SourceFile(path, prefix + name, explicit=False, root=real)
        for name in listed
        if (is_lintable(name) or wanted(prefix + name))
        and not excluded(prefix + name)
        and os.path.isfile(path := os.path.join(root, name))
    ]
    return files, problems


def _git_files(root: str) -> list[str] | None:
    """Paths under ``root`` that git tracks or does not ignore; None outside a work tree,
    and when git ignores ``root`` itself: a directory named on the command line is
    scanned all the same (walked), as ruff does."""
    import subprocess  # here: a one-file check (pre-commit's way) never pays for it

    def git(*args: str) -> subprocess.CompletedProcess[bytes] | None:
        try:
            return subprocess.run([*_GIT, *args], cwd=root, capture_output=True, check=False)
        except OSError:
            return None

    result = git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if result is None or result.returncode != 0:
        return None
    names = {name for name in os.fsdecode(result.stdout).split("\0") if name}
    if not names:
        ignored = git("check-ignore", "-q", ".")
        if ignored is not None and ignored.returncode == 0:
            return None
    # A file that is both staged and modified, or in conflict, is listed more than once.
    return sorted(names)


def _walk(root: str, prefix: str, excluded: Excluder, problems: list[tuple[str, str]]) -> list[str]:
    """Every file under ``root`` as a relative path, following directory links once.

    ``prefix`` turns a relative path into a display path, for ``excluded`` and ``problems``.
    """
    visited: set[tuple[int, int]] = set()

    def visit(directory: str, relative: str) -> Iterator[str]:
        try:
            status = os.stat(directory)
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as exc:
            problems.append(
                ((prefix + relative).rstrip("/") or ".", f"cannot list: {exc.strerror}")
            )
            return
        # Directory links can form loops: each real directory is entered once.
        if (status.st_dev, status.st_ino) in visited:
            return
        visited.add((status.st_dev, status.st_ino))
        for entry in entries:
            name = relative + entry.name
            if not _is_directory(entry):
                yield name
            elif entry.name not in SKIPPED_DIRECTORIES and not excluded(prefix + name):
                yield from visit(entry.path, name + "/")

    return list(visit(root, ""))


def _is_directory(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
