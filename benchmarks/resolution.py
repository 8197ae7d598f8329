"""Resolving N images through the latency proxy: imagepin (cold, warm, offline) against skopeo,
and against the reference client (the same requests and nothing else: what the rig allows).

Every imagepin run gets an isolated environment (no credentials or cache of the
machine); the cold runs each start from an empty cache, the warm runs reuse the
cache of the last cold run. Before every fix the repository is rewritten tag-only,
so each fix does the same work. Registry and token requests are counted from the
registry's access log and the token server's log, connections at the proxies.
"""

from __future__ import annotations

import math
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from benchmarks import measure, repository
from benchmarks.measure import Sample
from benchmarks.rig import PushedImage, Rig, Traffic

#: Round trips before the first manifest answer that no client can avoid: connect to the
#: registry, learn its challenge, connect to the token server, get a token.
SETUP_ROUND_TRIPS = 4

#: The one-image runs: an empty cache, and a cache that knows the registry but not the tag.
ONE_EMPTY = "empty cache"
ONE_KNOWN_REGISTRY = "registry known, tag not cached"
SKOPEO_NO_TAGS = "skopeo-no-tags"
SKOPEO_RAW = "skopeo-raw"
FIX_COLD = "fix-cold"
FIX_RERUN = "fix-rerun"
FIX_WARM = "fix-warm"
CHECK_OFFLINE = "check-offline"
REFERENCE = "reference-client"


@dataclass(frozen=True)
class Settings:
    images: int = 200
    rtt: float = 0.020
    #: imagepin's ``--concurrency``; None: its default.
    concurrency: int | None = None
    repeat: int = 3
    skopeo: bool = True
    #: Pairs of one-image runs (imagepin, skopeo) per kind of cache.
    pairs: int = 15

    @property
    def per_registry(self) -> int:
        """Requests imagepin keeps in flight to one registry with these settings."""
        from linter.config import Config
        from linter.registry import RegistryOptions

        return RegistryOptions.from_config(Config(), concurrency=self.concurrency).per_registry


@dataclass(frozen=True)
class Measured:
    sample: Sample
    #: None when the run needs no network.
    traffic: Traffic | None = None


@dataclass(frozen=True)
class Paired:
    """One tag-only image, cold: ``imagepin check`` against ``skopeo inspect --no-tags``,
    run in pairs (the order alternating) so both meet the same moment of a shared machine."""

    pairs: measure.Pairs
    imagepin_traffic: Traffic
    skopeo_traffic: Traffic

    @property
    def imagepin(self) -> Sample:
        return self.pairs.first

    @property
    def skopeo(self) -> Sample:
        return self.pairs.second


@dataclass(frozen=True)
class Results:
    settings: Settings
    #: ``python -c pass``: the interpreter's own start-up.
    interpreter: Sample
    runs: dict[str, Measured]
    #: One image with an empty cache, and with only the registry's challenge cached (an
    #: image new to this machine on a registry it has asked before); None without skopeo.
    one_image: dict[str, Paired] = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        """Round trips of the network floor: set-up, then the images in rounds of as many
        requests as imagepin keeps in flight to one registry."""
        s = self.settings
        return SETUP_ROUND_TRIPS + math.ceil(s.images / s.per_registry)

    @property
    def floor(self) -> float:
        return self.rounds * self.settings.rtt


def imagepin_env(home: Path) -> dict[str, str]:
    """The environment of an imagepin run: nothing of the machine's credentials or cache."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
        and key not in ("REGISTRY_AUTH_FILE", "DOCKER_AUTH_CONFIG")
    }
    for name, sub in (
        ("DOCKER_CONFIG", "docker"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_RUNTIME_DIR", "run"),
    ):
        env[name] = str(home / sub)
        (home / sub).mkdir(parents=True, exist_ok=True)
    return env


def imagepin(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "linter", *arguments]


class Scenario:
    def __init__(self, rig: Rig, images: list[PushedImage], work: Path, settings: Settings):
        self.rig = rig
        self.images = images
        self.work = work
        self.settings = settings
        self.repo = work / "repo"
        self._homes = 0
        #: The home of the last cold run: its cache is warm.
        self._warm_home = self._home()

    def _home(self) -> Path:
        """A fresh home: an empty cache."""
        self._homes += 1
        return self.work / f"home-{self._homes}"

    def run(self) -> Results:
        s = self.settings
        interpreter = measure.repeat(
            max(10, s.repeat), lambda: measure.run([sys.executable, "-c", "pass"])
        )
        runs = {FIX_COLD: self._fixes(FIX_COLD), REFERENCE: self._reference()}
        # The repository is pinned now, and the last cold run's cache is warm.
        runs[CHECK_OFFLINE] = self._offline_check()
        runs[FIX_RERUN] = self._fixes(FIX_RERUN)
        runs[FIX_WARM] = self._fixes(FIX_WARM)
        one_image = {}
        if s.skopeo:
            one_image = {kind: self._one_image(kind) for kind in (ONE_EMPTY, ONE_KNOWN_REGISTRY)}
            runs[SKOPEO_NO_TAGS] = self._skopeo(
                "skopeo inspect --no-tags --format '{{.Digest}}' IMAGE", digest_only=True
            )
            runs[SKOPEO_RAW] = self._skopeo(
                "skopeo inspect --raw IMAGE | sha256sum", digest_only=False
            )
        return Results(s, interpreter, runs, one_image)

    def _one_image(self, kind: str) -> Paired:
        """``imagepin check`` of one file with one tag-only image, against one ``skopeo inspect
        --no-tags`` of that image; in pairs, each imagepin run with a cache of ``kind``."""
        image, other = self.images[0], self.images[-1]
        directory = self.work / "one-image"
        directory.mkdir(parents=True, exist_ok=True)
        for name, pushed in (("pod.yaml", image), ("other.yaml", other)):
            manifest = repository.MANIFEST.format(
                name="one", image=repository.reference(self.rig.host, pushed)
            )
            (directory / name).write_text(manifest)
        skopeo = [
            "skopeo",
            "inspect",
            "--no-tags",
            "--tls-verify=false",
            "--no-creds",
            "--format",
            "{{.Digest}}",
            f"docker://{repository.reference(self.rig.host, image)}",
        ]
        out = self.work / "skopeo-one.out"
        traffic: dict[str, Traffic] = {}

        def imagepin_once() -> Sample:
            env = imagepin_env(self._home())
            if kind == ONE_KNOWN_REGISTRY:
                # Another image of the same registry was checked before: its answer is
                # cached, and so is what the registry taught about itself.
                measure.run(imagepin("check", "other.yaml"), cwd=directory, env=env, expect=(1,))
            mark = self.rig.mark()
            sample = measure.run(imagepin("check", "pod.yaml"), cwd=directory, env=env, expect=(1,))
            traffic["imagepin"] = self.rig.since(mark)
            return sample

        def skopeo_once() -> Sample:
            mark = self.rig.mark()
            sample = measure.run(skopeo, stdout=out)
            traffic["skopeo"] = self.rig.since(mark)
            if out.read_text().strip() != image.digest:
                raise measure.CommandFailed(f"skopeo printed another digest; see {out}")
            return sample

        pairs = measure.paired(self.settings.pairs, imagepin_once, skopeo_once)
        return Paired(pairs, traffic["imagepin"], traffic["skopeo"])

    def _reference(self) -> Measured:
        """The reference client (benchmarks/reference_client.py): the same tags, as many
        requests in flight as imagepin, no client work."""
        refs = self.work / "reference-refs.txt"
        refs.write_text("".join(f"{i.repository} {i.tag} {i.digest}\n" for i in self.images))
        client = Path(__file__).with_name("reference_client.py")
        argv = [
            sys.executable,
            str(client),
            self.rig.host,
            str(self.settings.per_registry),
            str(refs),
        ]
        return _summary(
            [self._counted(partial(measure.run, argv)) for _ in range(self.settings.repeat)]
        )

    def _counted(self, run: Callable[[], Sample]) -> tuple[Sample, Traffic]:
        """``run()``, and what it cost the rig."""
        mark = self.rig.mark()
        sample = run()
        return sample, self.rig.since(mark)

    def _offline_check(self) -> Measured:
        env = imagepin_env(self._home())

        def once() -> Sample:
            return measure.run(imagepin("check", "--offline", "."), cwd=self.repo, env=env)

        return Measured(measure.repeat(self.settings.repeat, once))

    def _fixes(self, kind: str) -> Measured:
        """``imagepin fix``: cold (tag-only files, empty cache), warm (tag-only files, the
        cache of the last run), or a rerun (pinned files, warm cache: nothing to do). The
        pins are checked after every run."""
        runs: list[tuple[Sample, Traffic]] = []
        log = self.work / "fix.log"
        concurrency = self.settings.concurrency
        options = ("--concurrency", str(concurrency)) if concurrency else ()
        for _ in range(self.settings.repeat):
            if kind == FIX_COLD:
                self._warm_home = self._home()
            if kind != FIX_RERUN:
                repository.write(self.repo, self.rig.host, self.images)
            env = imagepin_env(self._warm_home)
            run = partial(
                measure.run,
                imagepin("fix", *options, "."),
                cwd=self.repo,
                env=env,
                stdout=log,
                # fix exits 1 when it rewrote a file (the pre-commit convention).
                expect=(0,) if kind == FIX_RERUN else (1,),
            )
            runs.append(self._counted(run))
            missing = repository.unpinned(self.repo, self.rig.host, self.images)
            if missing:
                raise measure.CommandFailed(
                    f"imagepin fix left {len(missing)} images unpinned, e.g. {missing[0]}; "
                    f"see {log}"
                )
        return _summary(runs)

    def _skopeo(self, command: str, *, digest_only: bool) -> Measured:
        """One ``skopeo inspect`` per image (IMAGE in ``command``) in a shell loop; the digests
        printed must all be right."""
        if shutil.which("skopeo") is None:
            raise measure.CommandFailed("skopeo is not installed (apt-get install skopeo)")
        refs = self.work / "refs.txt"
        refs.write_text("".join(repository.reference(self.rig.host, i) + "\n" for i in self.images))
        transport = '--tls-verify=false --no-creds "docker://$ref"'
        script = (
            "while read -r ref; do { "
            + command.replace("IMAGE", transport)
            + "; } || exit 1; done < "
            + shlex.quote(str(refs))
        )
        out = self.work / "skopeo.out"
        mark = self.rig.mark()
        sample = measure.run(["sh", "-c", script], stdout=out)
        traffic = self.rig.since(mark)
        found = [line.split()[0] for line in out.read_text().splitlines() if line.strip()]
        expected = [i.digest if digest_only else i.digest.split(":", 1)[1] for i in self.images]
        if found != expected:
            raise measure.CommandFailed(f"skopeo printed other digests than expected; see {out}")
        return Measured(sample, traffic)


def _summary(runs: list[tuple[Sample, Traffic]]) -> Measured:
    """The median of repeated runs, with the traffic of the one that asked the registry most."""
    samples = [sample for sample, _ in runs]
    busiest = max((traffic for _, traffic in runs), key=lambda t: t.registry_requests)
    return Measured(measure.summarize(samples), busiest)


def run(work: Path, settings: Settings) -> Results:
    """Start the registry, push the images, and measure every contender."""
    work.mkdir(parents=True, exist_ok=True)
    rig = Rig(work / "registry", settings.rtt)
    try:
        images = rig.push(settings.images)
        return Scenario(rig, images, work, settings).run()
    finally:
        rig.close()
