"""The benchmark (benchmarks/): a smoke run of the one command with a tiny setup, and its parts.

Speed is never asserted here (docs/performance.md has the measured numbers); request
counts are.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/ is not installed: it runs from a checkout, as the README says.
sys.path.insert(0, str(ROOT))

from benchmarks import measure, offline, report, repository, resolution  # noqa: E402
from benchmarks.measure import Sample  # noqa: E402
from benchmarks.proxies import ProxyThread  # noqa: E402
from benchmarks.rig import PushedImage, Traffic  # noqa: E402

SKIP_VARIABLE = "IMAGEPIN_SKIP_REGISTRY_TESTS"
DIGEST = "sha256:" + "ab" * 32


def _table_rows(text: str, heading: str) -> dict[str, list[str]]:
    """The rows of the Markdown table under ``heading``, by their first cell."""
    section = text.split(heading, 1)[1].split("\n### ", 1)[0]
    rows = [line.strip("|").split(" | ") for line in section.splitlines() if line.startswith("|")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[2:]}


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """``python -m benchmarks.run`` with 5 images at 2 ms: (stdout, the saved report)."""
    if shutil.which("docker-registry") is None:
        if os.environ.get(SKIP_VARIABLE) == "1":
            pytest.skip(f"docker-registry is not installed ({SKIP_VARIABLE}=1)")
        pytest.fail("docker-registry is not installed (apt-get install docker-registry)")
    work = tmp_path_factory.mktemp("bench")
    out = work / "results.md"
    argv = ["--images", "5", "--rtt-ms", "2", "--repeat", "1", "--pairs", "2"]
    argv += ["--work", str(work / "scratch")]
    argv += ["--out", str(out), "--corpus", str(ROOT / "tests" / "fixtures" / "extract")]
    if shutil.which("skopeo") is None:
        argv.append("--no-skopeo")
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, out.read_text()


def test_the_report_is_printed_and_saved(smoke_run: tuple[str, str]) -> None:
    printed, saved = smoke_run
    assert printed == saved
    for heading in ("### Targets", "### Resolving 5 images: 2 ms RTT", "### Start-up"):
        assert heading in saved


@pytest.mark.parametrize(
    ("run", "requests_per_image", "token_requests"),
    [
        # One refused request teaches the challenge, then one HEAD per image; one token
        # request serves the five repositories.
        ("`imagepin fix`, cold cache", "1.200", "1"),
        ("`imagepin fix` again: warm cache, pinned files", "0.000", "0"),
        ("`imagepin fix`, warm cache, tag-only files again", "0.000", "0"),
        ("`imagepin check --offline`, pinned files", "0 (offline)", "—"),
        # The reference client asks as imagepin does: the challenge, one token, the HEADs.
        ("reference client: the requests and nothing else", "1.200", "1"),
    ],
)
def test_request_counts(
    smoke_run: tuple[str, str], run: str, requests_per_image: str, token_requests: str
) -> None:
    row = _table_rows(smoke_run[1], "### Resolving")[run]
    assert (row[3], row[4]) == (requests_per_image, token_requests)


def test_the_cold_fix_is_compared_with_the_reference_client(smoke_run: tuple[str, str]) -> None:
    assert "The cold `fix` takes " in smoke_run[1].split("### Resolving", 1)[1]


def test_skopeo_is_measured_on_the_same_references(smoke_run: tuple[str, str]) -> None:
    if shutil.which("skopeo") is None:
        pytest.skip("skopeo is not installed")
    rows = _table_rows(smoke_run[1], "### Resolving")
    # skopeo takes one image per call and never uses HEAD (shared docs: 3 and 2 requests).
    no_tags = rows["`skopeo inspect --no-tags --format '{{.Digest}}'` loop"]
    raw = rows["`skopeo inspect --raw \\| sha256sum` loop"]
    assert float(no_tags[3]) >= 2 and float(raw[3]) >= 1
    assert int(no_tags[4]) == int(raw[4]) == 5


@pytest.mark.parametrize(
    ("cache", "registry_requests", "token_requests", "connections"),
    [
        # The bare request that teaches the challenge, then the HEAD; skopeo pings /v2/,
        # GETs the manifest and its config, over a connection each (and one to the token
        # server). With the registry's challenge cached, the token is asked at once (while
        # the registry's connection opens) and the HEAD is not refused first.
        ("empty cache", "2 / 3", "1 / 1", "2 / 5"),
        ("registry known, tag not cached", "1 / 3", "1 / 1", "2 / 5"),
    ],
)
def test_one_image_against_skopeo(
    smoke_run: tuple[str, str],
    cache: str,
    registry_requests: str,
    token_requests: str,
    connections: str,
) -> None:
    if shutil.which("skopeo") is None:
        pytest.skip("skopeo is not installed")
    row = _table_rows(smoke_run[1], "### One image")[cache]
    assert row[3:] == [registry_requests, token_requests, connections]
    assert "one image, empty cache" in smoke_run[1].split("### Targets", 1)[1]


def test_the_offline_fast_path_imports_nothing_heavy(smoke_run: tuple[str, str]) -> None:
    targets = _table_rows(smoke_run[1], "### Targets")
    assert targets["no httpx, asyncio or rich on the offline fast path"] == [
        "none imported",
        "yes",
    ]


# --- the parts --------------------------------------------------------------------------------


def _results(**walls: float) -> resolution.Results:
    settings = resolution.Settings(images=200, rtt=0.02, concurrency=32, repeat=1)
    traffic = {"cold": Traffic(201, 13, 20), "warm": Traffic(0, 0, 0)}
    runs = {
        resolution.FIX_COLD: resolution.Measured(Sample(walls["cold"], 60, 1), traffic["cold"]),
        resolution.FIX_RERUN: resolution.Measured(Sample(walls["warm"], 40, 0), traffic["warm"]),
        resolution.CHECK_OFFLINE: resolution.Measured(Sample(walls["check"], 30, 1)),
        resolution.SKOPEO_NO_TAGS: resolution.Measured(
            Sample(walls["skopeo"], 20, 0), Traffic(600, 200, 1000)
        ),
    }
    return resolution.Results(settings, Sample(0.03, 10, 0), runs)


@pytest.mark.parametrize(
    ("images", "concurrency", "rtt", "rounds"),
    [
        (200, None, 0.02, 4 + 13),  # 16 in flight per registry by default
        (200, 32, 0.02, 4 + 13),  # --concurrency 32 keeps 16 per registry
        (200, 8, 0.02, 4 + 25),
        (5, None, 0.002, 4 + 1),
        (1, 1, 0.1, 4 + 1),
    ],
)
def test_the_network_floor(images: int, concurrency: int | None, rtt: float, rounds: int) -> None:
    settings = resolution.Settings(images=images, rtt=rtt, concurrency=concurrency)
    results = resolution.Results(settings, Sample(0.03, 10, 0), {})
    assert results.rounds == rounds
    assert results.floor == pytest.approx(rounds * rtt)


@pytest.mark.parametrize(
    ("walls", "goal", "met"),
    [
        ({"cold": 0.9, "warm": 0.2, "check": 0.15, "skopeo": 50}, "≥ 50×", True),
        ({"cold": 1.1, "warm": 0.2, "check": 0.15, "skopeo": 50}, "≥ 50×", False),
        # The floor is (4 + 13) × 20 ms + 30 ms of interpreter = 370 ms.
        ({"cold": 0.74, "warm": 0.2, "check": 0.15, "skopeo": 50}, "within 2×", True),
        ({"cold": 0.75, "warm": 0.2, "check": 0.15, "skopeo": 50}, "within 2×", False),
        ({"cold": 0.9, "warm": 0.225, "check": 0.15, "skopeo": 50}, "within 1.5×", True),
        ({"cold": 0.9, "warm": 0.23, "check": 0.15, "skopeo": 50}, "within 1.5×", False),
    ],
)
def test_targets(walls: dict[str, float], goal: str, met: bool) -> None:
    (target,) = [t for t in report.targets(_results(**walls), None) if goal in t.goal]
    assert target.met is met


@pytest.mark.parametrize(("ratios", "met"), [((0.8, 0.9, 1.3), True), ((0.9, 1.1, 1.2), False)])
def test_the_one_image_target_is_the_median_ratio(ratios: tuple[float, ...], met: bool) -> None:
    results = _results(cold=1, warm=1, check=1, skopeo=1)
    one = Sample(0.3, 20, 1)
    traffic = Traffic(2, 1, 2)
    paired = resolution.Paired(measure.Pairs(one, one, ratios), traffic, traffic)
    results.one_image[resolution.ONE_EMPTY] = paired
    (target,) = [t for t in report.targets(results, None) if "one image" in t.goal]
    assert target.met is met
    assert target.measured.startswith(f"{ratios[1]:.2f}×")


def test_request_targets() -> None:
    found = {t.goal: t for t in report.targets(_results(cold=1, warm=1, check=1, skopeo=1), None)}
    assert found["≤ 1.01 registry requests per image"].measured == "1.005"
    assert found["≤ 1 token request per repository"].measured == "0.065 (13 for 200)"
    assert found["warm rerun: zero requests"].met


def test_report_renders_without_skopeo() -> None:
    results = _results(cold=1, warm=1, check=1, skopeo=1)
    del results.runs[resolution.SKOPEO_NO_TAGS]
    text = report.render("- a machine", "python -m benchmarks.run", results, None)
    assert "skopeo" not in report.targets(results, None)[0].goal
    assert "| `imagepin fix`, cold cache | 1.00 s |" in text


def test_a_target_not_measured_is_missed() -> None:
    """`--check` proves every target: one a run leaves out (no skopeo, no registry, no
    corpus) is listed as not measured, and missed."""
    results = _results(cold=1, warm=1, check=1, skopeo=1)
    del results.runs[resolution.SKOPEO_NO_TAGS]
    one = Sample(0.05, 10, 0)
    startup = offline.Startup(one, measure.Pairs(one, one, (1.0,)), heavy_imports=())
    local = offline.Results(None, startup)
    unmeasured = {
        (t.goal, t.measured)
        for t in report.targets(results, local) + report.targets(None, local)
        if not t.met and t.measured.startswith("not measured")
    }
    assert unmeasured == {
        (report.ONE_IMAGE, "not measured (--no-skopeo)"),
        (report.AGAINST_SKOPEO, "not measured (--no-skopeo)"),
        (report.CORPUS_TIME, "not measured (no corpus)"),
        (report.CORPUS_MEMORY, "not measured (no corpus)"),
        (report.NETWORK, "not measured (--no-network)"),
    }


def test_repository_is_tag_only_until_fixed(tmp_path: Path) -> None:
    images = [PushedImage(f"bench/app-{i:04d}", f"1.{i}", DIGEST) for i in range(25)]
    repository.write(tmp_path, "127.0.0.1:5000", images)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.yaml"))
    assert len(files) == 25
    assert files[0] == "apps/group-000/app-0000.yaml"
    assert files[-1] == "apps/group-001/app-0024.yaml"
    assert len(repository.unpinned(tmp_path, "127.0.0.1:5000", images)) == 25
    for index, image in enumerate(images):
        path = tmp_path / files[index]
        pinned = repository.pinned("127.0.0.1:5000", image)
        path.write_text(
            path.read_text().replace(repository.reference("127.0.0.1:5000", image), pinned)
        )
    assert repository.unpinned(tmp_path, "127.0.0.1:5000", images) == []


@pytest.mark.parametrize(
    ("script", "expect", "fails"),
    [
        ("pass", (0,), False),
        ("raise SystemExit(3)", (3,), False),
        ("raise SystemExit(3)", (0,), True),
    ],
)
def test_measure_run(tmp_path: Path, script: str, expect: tuple[int, ...], fails: bool) -> None:
    argv = [sys.executable, "-c", f"print('out'); {script}"]
    if fails:
        with pytest.raises(measure.CommandFailed, match="exited 3"):
            measure.run(argv, stdout=tmp_path / "log", expect=expect)
        return
    sample = measure.run(argv, stdout=tmp_path / "log", expect=expect)
    assert sample.exit_code == expect[0]
    assert sample.wall > 0 and sample.peak_rss > 0
    assert (tmp_path / "log").read_text() == "out\n"


def test_summary_is_the_median_and_the_largest_memory() -> None:
    samples = [Sample(3, 10, 0), Sample(1, 30, 0), Sample(2, 20, 0)]
    assert measure.summarize(samples) == Sample(2, 30, 0)


def test_the_proxy_passes_bytes_and_counts_connections() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:

        def echo() -> None:
            for _ in range(2):
                connection, _ = server.accept()
                with connection:
                    while data := connection.recv(65536):
                        connection.sendall(data)

        thread = threading.Thread(target=echo, daemon=True)
        thread.start()
        proxies = ProxyThread(0.001)
        try:
            proxy, port = proxies.front(server.getsockname()[1])
            for payload in (b"hello", b"x" * 200_000):
                with socket.create_connection(("127.0.0.1", port)) as client:
                    client.sendall(payload)
                    client.shutdown(socket.SHUT_WR)
                    received = b""
                    while chunk := client.recv(65536):
                        received += chunk
                assert received == payload
            assert proxy.connections == 2
        finally:
            proxies.close()
        thread.join(timeout=5)


def test_heavy_modules_are_the_network_and_terminal_ones() -> None:
    assert set(offline.HEAVY_MODULES) >= {"httpx", "asyncio", "rich"}
