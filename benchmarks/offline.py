"""Offline speed: scanning the shared corpus, and how long a one-file check takes to start.

The corpus throughput is compared with two floors measured in this process over
the same files: reading every byte, and composing every file with the fastest
YAML parser available (PyYAML's libyaml loader when installed, else the same
C parser imagepin uses). Start-up is compared with ``python -c pass`` and
``python -c "import ruamel.yaml"``; the modules the offline path must never
import are looked for with ``python -X importtime``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import measure
from benchmarks.measure import Sample
from benchmarks.resolution import imagepin, imagepin_env

#: Modules the offline fast path must not load (network, terminal tables).
HEAVY_MODULES = ("httpx", "asyncio", "rich", "h2", "anyio")

SMALL_FILE = """\
apiVersion: v1
kind: Pod
metadata:
  name: one
spec:
  containers:
    - name: app
      image: nginx:1.27
"""


@dataclass(frozen=True)
class Throughput:
    files: int
    bytes: int
    #: What -> seconds: "read", the parser's name, "imagepin".
    timings: dict[str, float]
    imagepin: Sample


@dataclass(frozen=True)
class Startup:
    interpreter: Sample
    #: The one-file check against ``import ruamel.yaml``, in pairs (``measure.paired``).
    against_ruamel: measure.Pairs
    #: HEAVY_MODULES the one-file check imported anyway.
    heavy_imports: tuple[str, ...]

    @property
    def ruamel(self) -> Sample:
        return self.against_ruamel.second

    @property
    def check(self) -> Sample:
        return self.against_ruamel.first


@dataclass(frozen=True)
class Results:
    corpus: Throughput | None
    startup: Startup


def _parsers() -> dict[str, Callable[[str], object]]:
    """The fastest available parser, by name: compose every document of a text."""
    try:
        import yaml
    except ImportError:
        yaml = None
    if yaml is not None and yaml.__with_libyaml__:
        loader = yaml.CSafeLoader

        def compose(text: str) -> object:
            return list(yaml.compose_all(text, loader))

        return {"PyYAML CSafeLoader (libyaml)": compose}
    from linter.yamlnodes import Parsed

    return {"ruamel.yaml.clib (libyaml)": Parsed}


def corpus_throughput(corpus: Path, work: Path, repeat: int) -> Throughput:
    from linter import discovery

    entries, _ = discovery.discover(["."], cwd=corpus)
    paths = [Path(entry.path) for entry in entries]
    size = sum(path.stat().st_size for path in paths)
    texts = [path.read_bytes().decode("utf-8", "replace") for path in paths]

    def read() -> None:
        for path in paths:
            path.read_bytes()

    def parsing(parse: Callable[[str], object]) -> Callable[[], None]:
        def run() -> None:
            for text in texts:
                # The Helm templates are not YAML: every parser fails them.
                with contextlib.suppress(Exception):
                    parse(text)

        return run

    timings = {"read": measure.best_of(repeat, read)}
    for name, parse in _parsers().items():
        timings[name] = measure.best_of(repeat, parsing(parse))
    env = imagepin_env(work / "home-offline")
    scan = measure.repeat(
        repeat,
        lambda: measure.run(
            imagepin("check", "--offline", "--exit-zero", "--format", "json", "."),
            cwd=corpus,
            env=env,
        ),
    )
    return Throughput(len(paths), size, timings, scan)


def startup(work: Path, repeat: int) -> Startup:
    home = work / "home-startup"
    env = imagepin_env(home)
    target = work / "small"
    target.mkdir(parents=True, exist_ok=True)
    (target / "pod.yaml").write_text(SMALL_FILE)
    check = ("check", "--offline", "pod.yaml")

    def timed(argv: list[str], expect: tuple[int, ...] = (0,)) -> Sample:
        return measure.repeat(repeat, lambda: measure.run(argv, cwd=target, env=env, expect=expect))

    interpreter = timed([sys.executable, "-c", "pass"])
    # In pairs, as the one-image row: a shared machine's speed moves from one block of
    # runs to the next by more than the target's margin.
    against_ruamel = measure.paired(
        repeat,
        lambda: measure.run(imagepin(*check), cwd=target, env=env, expect=(1,)),
        lambda: measure.run([sys.executable, "-c", "import ruamel.yaml"], cwd=target, env=env),
    )
    log = work / "importtime.log"
    measure.run(
        [sys.executable, "-X", "importtime", "-m", "linter", *check],
        cwd=target,
        env=env,
        stdout=log,
        expect=(1,),
    )
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in log.read_text().splitlines()
        if line.startswith("import time:")
    }
    heavy = tuple(m for m in HEAVY_MODULES if m in imported)
    return Startup(interpreter, against_ruamel, heavy)


def run(corpus: Path | None, work: Path, repeat: int) -> Results:
    throughput = corpus_throughput(corpus, work, repeat) if corpus is not None else None
    return Results(throughput, startup(work, max(repeat, 10)))
