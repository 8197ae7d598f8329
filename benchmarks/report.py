"""The benchmark's results as Markdown: the tables, and each target with its ratio."""

from __future__ import annotations

import os
from dataclasses import dataclass

from benchmarks import offline, resolution

MIB = 1024 * 1024


@dataclass(frozen=True)
class Target:
    goal: str
    measured: str
    met: bool


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _speedup(slow: float, fast: float) -> str:
    return f"{slow / fast:.1f}×"


def resolution_table(results: resolution.Results) -> list[str]:
    s = results.settings
    runs = results.runs
    startup = results.interpreter.wall
    floor = results.floor + startup
    skopeo = runs.get(resolution.SKOPEO_NO_TAGS)
    lines = [
        f"### Resolving {s.images} images: {s.rtt * 1000:g} ms RTT, Bearer tokens",
        "",
        f"docker-registry and its token server each behind the latency proxy; one repository "
        f"per image; imagepin keeps {s.per_registry} requests in flight per registry; "
        f"median of {s.repeat} runs (skopeo: one run).",
        "",
        _row(
            "run",
            "wall",
            "× floor",
            "skopeo --no-tags ÷ this",
            "registry requests / image",
            "token requests",
            "connections",
            "peak RSS",
            "CPU: this / the rig",
        ),
        _row(*["---"] * 9),
        _row(
            f"network floor: ({resolution.SETUP_ROUND_TRIPS} set-up + ⌈{s.images}/"
            f"{s.per_registry}⌉) round trips, + `python -c pass` ({seconds(startup)})",
            seconds(floor),
            "1.0×",
            _speedup(skopeo.sample.wall, floor) if skopeo else "—",
            "1",
            "—",
            "—",
            "—",
            "—",
        ),
    ]
    labels = {
        resolution.FIX_COLD: "`imagepin fix`, cold cache",
        resolution.REFERENCE: "reference client: the requests and nothing else",
        resolution.CHECK_OFFLINE: "`imagepin check --offline`, pinned files",
        resolution.FIX_RERUN: "`imagepin fix` again: warm cache, pinned files",
        resolution.FIX_WARM: "`imagepin fix`, warm cache, tag-only files again",
        resolution.SKOPEO_NO_TAGS: "`skopeo inspect --no-tags --format '{{.Digest}}'` loop",
        resolution.SKOPEO_RAW: "`skopeo inspect --raw \\| sha256sum` loop",
    }
    for key, label in labels.items():
        if key not in runs:
            continue
        run = runs[key]
        traffic = run.traffic
        lines.append(
            _row(
                label,
                seconds(run.sample.wall),
                f"{run.sample.wall / floor:.2f}×",
                _speedup(skopeo.sample.wall, run.sample.wall) if skopeo else "—",
                f"{traffic.registry_requests / s.images:.3f}" if traffic else "0 (offline)",
                traffic.token_requests if traffic else "—",
                traffic.connections if traffic else "—",
                f"{run.sample.peak_rss:.0f} MiB",
                f"{seconds(run.sample.cpu)} / {seconds(traffic.rig_cpu) if traffic else '—'}",
            )
        )
    cold = runs.get(resolution.FIX_COLD)
    if cold is not None and cold.traffic is not None:
        used = cold.sample.cpu + cold.traffic.rig_cpu
        cores = len(os.sched_getaffinity(0))
        lines += [
            "",
            f"The rig runs on the client's {cores} cores: during the cold `fix` it used "
            f"{seconds(cold.traffic.rig_cpu)} of CPU and imagepin {seconds(cold.sample.cpu)}; "
            f"{seconds(used)} of CPU on {cores} cores take {seconds(used / cores)} at the "
            "least, whatever the network floor says.",
        ]
    reference = runs.get(resolution.REFERENCE)
    if cold is not None and reference is not None:
        lines += [
            "",
            "The reference client (`benchmarks/reference_client.py`: blocking sockets, one "
            "token request per batch of repositories, the same requests in flight, nothing "
            "parsed but a header) is the floor this machine really has: "
            f"{seconds(reference.sample.wall)}, {reference.sample.wall / floor:.2f}× the "
            f"network floor. The cold `fix` takes {cold.sample.wall / reference.sample.wall:.2f}× "
            "as long as it.",
        ]
    return lines


def one_image_table(results: resolution.Results) -> list[str]:
    s = results.settings
    lines = [
        "### One image: `imagepin check` against `skopeo inspect --no-tags`",
        "",
        f"One file with one tag-only image, {s.rtt * 1000:g} ms RTT, Bearer tokens; "
        f"{s.pairs} pairs of runs, the order alternating; the walls are medians, the ratio "
        "is the median of the pairs' ratios.",
        "",
        _row(
            "imagepin's cache",
            "imagepin",
            "skopeo",
            "imagepin ÷ skopeo",
            "registry requests (imagepin / skopeo)",
            "token requests",
            "connections",
        ),
        _row(*["---"] * 7),
    ]
    for kind, paired in results.one_image.items():
        mine, theirs = paired.imagepin_traffic, paired.skopeo_traffic
        lines.append(
            _row(
                kind,
                seconds(paired.imagepin.wall),
                seconds(paired.skopeo.wall),
                f"{paired.pairs.ratio:.2f}× ({min(paired.pairs.ratios):.2f}–"
                f"{max(paired.pairs.ratios):.2f})",
                f"{mine.registry_requests} / {theirs.registry_requests}",
                f"{mine.token_requests} / {theirs.token_requests}",
                f"{mine.connections} / {theirs.connections}",
            )
        )
    return lines


def offline_tables(results: offline.Results) -> list[str]:
    lines: list[str] = []
    corpus = results.corpus
    if corpus is not None:
        megabytes = corpus.bytes / MIB
        read = corpus.timings["read"]
        lines += [
            f"### Offline scan of the shared corpus: {corpus.files} files, {megabytes:.1f} MiB",
            "",
            "Best of the runs in this process for the floors; the median whole process "
            "(start-up included) for imagepin.",
            "",
            _row("what", "time", "files/s", "MiB/s", "× reading", "peak RSS"),
            _row(*["---"] * 6),
        ]
        rows = [("read every byte, in process", read)]
        rows += [
            (f"compose every file: {name}, in process", t)
            for name, t in corpus.timings.items()
            if name != "read"
        ]
        for label, timing in rows:
            lines.append(
                _row(
                    label,
                    seconds(timing),
                    f"{corpus.files / timing:,.0f}",
                    f"{megabytes / timing:.1f}",
                    f"{timing / read:.0f}×",
                    "—",
                )
            )
        scan = corpus.imagepin
        lines += [
            _row(
                "`imagepin check --offline --format json .` (whole process)",
                seconds(scan.wall),
                f"{corpus.files / scan.wall:,.0f}",
                f"{megabytes / scan.wall:.1f}",
                f"{scan.wall / read:.0f}×",
                f"{scan.peak_rss:.0f} MiB",
            ),
            "",
        ]
    start = results.startup
    heavy = ", ".join(start.heavy_imports) or "none"
    lines += [
        "### Start-up",
        "",
        _row("command", "median wall", "peak RSS"),
        _row("---", "---", "---"),
        *(
            _row(label, seconds(sample.wall), f"{sample.peak_rss:.0f} MiB")
            for label, sample in [
                ("`python -c pass`", start.interpreter),
                ('`python -c "import ruamel.yaml"`', start.ruamel),
                ("`imagepin check --offline pod.yaml` (one small file)", start.check),
            ]
        ),
        "",
        f"Modules of {', '.join(offline.HEAVY_MODULES)} the one-file check imports: {heavy}.",
    ]
    return lines


ONE_IMAGE = (
    "one image, empty cache: `imagepin check` ≤ 1.0× one `skopeo inspect --no-tags` (stretch: 0.7×)"
)
AGAINST_SKOPEO = "cold `fix` ≥ 50× faster than the skopeo `--no-tags` loop"
CORPUS_TIME = "offline check of the corpus ≤ 2 s"
CORPUS_MEMORY = "peak RSS < 150 MiB on the corpus"
#: What a run without the registry leaves out: every target of the network section.
NETWORK = "the registry targets: one image, the batch, requests, warm rerun, memory"


def _ratio_target(goal: str, value: float, limit: float, shown: str) -> Target:
    return Target(goal, shown, value <= limit)


def targets(network: resolution.Results | None, local: offline.Results | None) -> list[Target]:
    found: list[Target] = []
    #: Targets this run could not measure: missed, so that `--check` proves every one.
    unmeasured: list[tuple[str, str]] = []
    if network is None:
        unmeasured.append((NETWORK, "--no-network"))
    else:
        s = network.settings
        runs = network.runs
        cold, warm = runs[resolution.FIX_COLD], runs[resolution.FIX_RERUN]
        check = runs[resolution.CHECK_OFFLINE]
        skopeo = runs.get(resolution.SKOPEO_NO_TAGS)
        one = network.one_image.get(resolution.ONE_EMPTY)
        if one is None:
            unmeasured.append((ONE_IMAGE, "--no-skopeo"))
        else:
            found.append(
                _ratio_target(
                    ONE_IMAGE,
                    one.pairs.ratio,
                    1.0,
                    f"{one.pairs.ratio:.2f}× ({seconds(one.imagepin.wall)} / "
                    f"{seconds(one.skopeo.wall)})",
                )
            )
        if skopeo is None:
            unmeasured.append((AGAINST_SKOPEO, "--no-skopeo"))
        else:
            speedup = skopeo.sample.wall / cold.sample.wall
            found.append(Target(AGAINST_SKOPEO, f"{speedup:.1f}×", speedup >= 50))
        floor = network.floor + network.interpreter.wall
        ratio = cold.sample.wall / floor
        found.append(
            _ratio_target(
                "cold `fix` within 2× of the floor + interpreter start-up",
                ratio,
                2,
                f"{ratio:.2f}× ({seconds(cold.sample.wall)} / {seconds(floor)})",
            )
        )
        assert cold.traffic is not None and warm.traffic is not None
        per_image = cold.traffic.registry_requests / s.images
        found.append(
            _ratio_target("≤ 1.01 registry requests per image", per_image, 1.01, f"{per_image:.3f}")
        )
        per_repo = cold.traffic.token_requests / s.images
        found.append(
            _ratio_target(
                "≤ 1 token request per repository",
                per_repo,
                1,
                f"{per_repo:.3f} ({cold.traffic.token_requests} for {s.images})",
            )
        )
        warm_requests = warm.traffic.registry_requests + warm.traffic.token_requests
        found.append(Target("warm rerun: zero requests", str(warm_requests), warm_requests == 0))
        ratio = warm.sample.wall / check.sample.wall
        found.append(
            _ratio_target(
                "warm rerun of `fix` within 1.5× of `check --offline` on the same files",
                ratio,
                1.5,
                f"{ratio:.2f}× ({seconds(warm.sample.wall)} / {seconds(check.sample.wall)})",
            )
        )
        peak = max(cold.sample.peak_rss, warm.sample.peak_rss)
        found.append(
            _ratio_target(
                f"peak RSS < 150 MiB resolving {s.images} images", peak, 150, f"{peak:.0f} MiB"
            )
        )
    if local is not None:
        if local.corpus is None:
            unmeasured += [(CORPUS_TIME, "no corpus"), (CORPUS_MEMORY, "no corpus")]
        else:
            scan = local.corpus.imagepin
            found.append(_ratio_target(CORPUS_TIME, scan.wall, 2, seconds(scan.wall)))
            found.append(
                _ratio_target(
                    CORPUS_MEMORY,
                    scan.peak_rss,
                    150,
                    f"{scan.peak_rss:.0f} MiB",
                )
            )
        start = local.startup
        ratio = start.against_ruamel.ratio
        found.append(
            _ratio_target(
                'one-file start-up ≤ 1.5× `python -c "import ruamel.yaml"`',
                ratio,
                1.5,
                f"{ratio:.2f}× in pairs ({seconds(start.check.wall)} / "
                f"{seconds(start.ruamel.wall)} medians)",
            )
        )
        found.append(
            Target(
                "no httpx, asyncio or rich on the offline fast path",
                ", ".join(start.heavy_imports) or "none imported",
                not start.heavy_imports,
            )
        )
    return found + [Target(goal, f"not measured ({why})", False) for goal, why in unmeasured]


def render(
    machine: str,
    command: str,
    network: resolution.Results | None,
    local: offline.Results | None,
) -> str:
    lines = ["## Benchmark results", "", machine, "", f"`{command}`", ""]
    found = targets(network, local)
    if found:
        lines += ["### Targets", "", _row("target", "measured", "met"), _row("---", "---", "---")]
        lines += [_row(t.goal, t.measured, "yes" if t.met else "**no**") for t in found]
        lines.append("")
    if network is not None:
        lines += [*resolution_table(network), ""]
        if network.one_image:
            lines += [*one_image_table(network), ""]
    if local is not None:
        lines += offline_tables(local)
    return "\n".join(lines).rstrip() + "\n"
