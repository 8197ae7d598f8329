"""Hostile files: each gets correct findings or one clear IMG000 or skip, in bounded memory,
and ``fix`` never writes the ones it cannot read.

Every input is generated in a temporary directory at test time (nothing big is
committed). The table runs ``imagepin check --offline`` in a subprocess per file,
which measures the run's own peak memory; the special cases (files that vanish,
cannot be read, loop, are directories or FIFOs) run in-process. No test reads the clock: a
hang is pytest-timeout's to catch, and speed is benchmarks/'.
"""

from __future__ import annotations

import codecs
import gc
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hostile_process import limit_memory, run_imagepin

from linter import discovery, registry
from linter.cli import main
from linter.model import Resolution
from linter.reference import Reference
from linter.registry import RegistryOptions, RunStats
from linter.yamlnodes import Parsed, YamlSyntaxError

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{n}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n"
MEGABYTES = 512


def text(content: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content.encode(encoding))


def raw(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def big(path: Path) -> None:
    chunk = "".join("---\n" + POD.format(n=n) for n in range(1000)).encode()
    with path.open("wb") as handle:
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(chunk)
        handle.truncate(50 * 1024 * 1024)


def custom_resource(body: str) -> str:
    return f"apiVersion: example.com/v1\nkind: Widget\nspec:\n{body}"


def billion_laughs() -> str:
    lines = ['  l0: &l0 [{image: "nginx:1.27"}, lol, lol, lol, lol, lol, lol, lol, lol]']
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 12)]
    return custom_resource("\n".join(lines) + "\n")


def merge_fan_out(keys: int) -> str:
    """200 services that each merge one mapping of ``keys`` keys."""
    keys_text = "".join(f"  k{i}: v\n" for i in range(keys))
    services = "".join(f"  s{i}:\n    <<: *big\n    image: nginx:1.27\n" for i in range(200))
    return f"x-big: &big\n{keys_text}services:\n{services}"


def merge_chain(levels: int) -> str:
    lines = ["services:", "  s0: &s0 {image: nginx}"]
    lines += [f"  s{i}: &s{i} {{<<: *s{i - 1}, k{i}: v}}" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def alias_chain(levels: int) -> str:
    """Kubernetes Lists that each hold the previous one through an alias: deep, not long."""
    lines = ["apiVersion: v1", "kind: List", "x:", "- &l0 {kind: Pod, apiVersion: v1}"]
    lines += [
        f"- &l{i} {{apiVersion: v1, kind: List, items: [*l{i - 1}]}}" for i in range(1, levels)
    ]
    return "\n".join([*lines, f"items: [*l{levels - 1}]"]) + "\n"


def deep_flow(levels: int, leaf: str = "x") -> str:
    return custom_resource("  deep: " + "[" * levels + leaf + "]" * levels + "\n")


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], None]
    #: Rule id -> how many findings.
    rules: dict[str, int]
    #: In the IMG000 message, when there is one.
    words: str = ""
    #: Can ``fix`` rewrite it (a valid manifest with unpinned images)?
    fixable: bool = False


CASES = [
    Case(
        "binary.yaml",
        raw(bytes(range(256)) * 8),
        {"IMG000": 1},
        "binary file (NUL byte at offset 0)",
    ),
    Case(
        "latin-1.yaml",
        text("image: caf\xe9:1\n", "latin-1"),
        {"IMG000": 1},
        "not UTF-8 (byte 0xe9 at offset 10)",
    ),
    Case(
        "lone-surrogate.yaml",
        raw(b"image: \xed\xa0\x80\n"),
        {"IMG000": 1},
        "not UTF-8 (byte 0xed at offset 7)",
    ),
    Case(
        "utf-16-le.yaml",
        raw(codecs.BOM_UTF16_LE + POD.format(n=0).encode("utf-16-le")),
        {"IMG001": 1},
        fixable=True,
    ),
    Case(
        "utf-16-be.yaml",
        raw(codecs.BOM_UTF16_BE + POD.format(n=0).encode("utf-16-be")),
        {"IMG001": 1},
        fixable=True,
    ),
    Case(
        "utf-16-nul.yaml",
        raw(codecs.BOM_UTF16_LE + "a: \0\n".encode("utf-16-le")),
        {"IMG000": 1},
        "binary file (NUL character at offset 4)",
    ),
    Case(
        "utf-32.yaml",
        raw(codecs.BOM_UTF32_LE + "a: b\n".encode("utf-32-le")),
        {"IMG000": 1},
        "UTF-32 is not supported",
    ),
    Case(
        "control-character.yaml",
        text("image: nginx\x07\n"),
        {"IMG000": 1},
        "unacceptable character #x0007",
    ),
    Case(
        "50-megabytes.yaml", big, {"IMG000": 1}, "too large (52428800 bytes; the limit is 8388608)"
    ),
    Case(
        "10000-documents.yaml",
        text("".join("---\n" + POD.format(n=n) for n in range(10_000))),
        {"IMG001": 10_000},
        fixable=True,
    ),
    Case(
        "deep-flow.yaml",
        text(deep_flow(10_000)),
        {"IMG000": 1},
        "nested more than 1000 levels deep",
    ),
    Case(
        "deep-block.yaml",
        text(custom_resource("  deep:\n" + "    " + "- " * 10_000 + "x\n")),
        {"IMG000": 1},
        "nested more than 1000 levels deep",
    ),
    Case(
        "deep-indent.yaml",
        text(custom_resource("".join(" " * (2 + i) + f"k{i}:\n" for i in range(2_000)))),
        {"IMG000": 1},
        "nested more than 1000 levels deep",
    ),
    Case(
        "deep-unterminated.yaml",
        text(custom_resource("  deep: " + "{a: " * 50_000)),
        {"IMG000": 1},
        "nested more than 1000 levels deep",
    ),
    # Just under the limit, an image at the bottom is found like any other.
    Case(
        "deep-allowed.yaml",
        text(deep_flow(990, '{image: "nginx:1.27"}')),
        {"IMG001": 1},
        fixable=True,
    ),
    # 9**11 paths to one image: reported once, where the anchor is.
    Case("billion-laughs.yaml", text(billion_laughs()), {"IMG001": 1}, fixable=True),
    Case(
        "merge-fan-out.yaml",
        text(merge_fan_out(10_000)),
        {"IMG000": 1},
        "merge keys (<<) would copy more than 1000000 entries",
    ),
    Case(
        "merge-chain.yaml",
        text(merge_chain(10_000)),
        {"IMG000": 1},
        "merge keys (<<) nested more than 100 levels deep",
    ),
    Case(
        "alias-chain.yaml",
        text(alias_chain(10_000)),
        {"IMG000": 1},
        "nested more than 1000 levels deep through aliases",
    ),
    # Every duplicate is an occurrence of its own (docs/formats.md).
    Case(
        "repeated-key.yaml",
        text(POD.format(n=0) + "    image: nginx:1.27\n" * 4_999),
        {"IMG001": 5_000},
        fixable=True,
    ),
    Case(
        "long-line.yaml",
        text(
            POD.format(n=0).replace(
                "  name: p0\n", "  name: p0\n  annotations: {a: " + "x" * 1_048_576 + "}\n"
            )
        ),
        {"IMG001": 1},
        fixable=True,
    ),
    Case(
        "long-image.yaml",
        text(POD.format(n=0).replace("nginx:1.27", "nginx:" + "a" * 1_048_576)),
        {"IMG003": 1},
    ),
]


def alias_depth(levels: int) -> str:
    """``levels`` nested collections, all but the outermost reached through aliases."""
    lines = ["a0: &a0 [x]", *(f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, levels - 1))]
    return "\n".join(lines) + f"\ntop: *a{levels - 2}\n"


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("a: " + "[" * 999 + "]" * 999, None),
        ("a: " + "[" * 1000 + "]" * 1000, "nested more than 1000 levels deep"),
        ("- " * 1000 + "x", None),
        ("- " * 1001 + "x", "nested more than 1000 levels deep"),
        (alias_depth(1000), None),
        (alias_depth(1001), "nested more than 1000 levels deep through aliases"),
        (merge_chain(101).replace("services:", "x:"), None),
        (
            merge_chain(102).replace("services:", "x:"),
            "merge keys (<<) nested more than 100 levels deep",
        ),
        # 200 services merging a 100-key mapping: 20,000 entries copied, far below the limit.
        (merge_fan_out(100), None),
    ],
)
def test_limits_are_where_the_docs_say(text: str, refused: str | None) -> None:
    if refused is None:
        Parsed(text)
        return
    with pytest.raises(YamlSyntaxError, match=re.escape(refused)):
        Parsed(text)


@dataclass(frozen=True)
class Run:
    document: dict[str, Any]
    megabytes: float


def check_in_subprocess(path: Path) -> Run:
    """``imagepin check --offline --format json -v PATH``, with the run's peak memory."""
    out, err = path.parent / f"{path.name}.out", path.parent / f"{path.name}.err"
    command = [sys.executable, "-m", "linter", "check", "--offline", "--format", "json", "-v"]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, path.name],
            cwd=path.parent,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=limit_memory,
        )
        _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) in (0, 1), err.read_text()
    assert err.read_text() == ""
    return Run(json.loads(out.read_text()), usage.ru_maxrss / 1024)


def summary(findings: Iterable[dict[str, Any]]) -> dict[str, int]:
    return dict(Counter(finding["rule"] for finding in findings))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_check_gives_findings_or_one_clear_message(case: Case, tmp_path: Path) -> None:
    path = tmp_path / case.name
    case.make(path)
    run = check_in_subprocess(path)
    findings = run.document["findings"]
    assert summary(findings) == case.rules
    messages = [f["message"] for f in findings if f["rule"] == "IMG000"]
    assert all(case.words in message for message in messages), messages
    # Messages stay readable, whatever the file holds.
    assert all(len(f["message"]) < 500 for f in findings)
    assert run.megabytes < MEGABYTES, run.megabytes


POD_IMAGE = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: '{image}'\n"
COMPOSE_IMAGE = "services:\n  app:\n    image: '{image}'\n"
AZURE_HEAD = "resources:\n  containers:\n  - container: a\n    image: "
#: name -> (file, text): a word repeated until the pattern that reads it would take minutes,
#: or a default that doubles until it would take exabytes.
PATHOLOGICAL: dict[str, tuple[str, str]] = {
    **{
        f"marked line of {word!r}": ("Makefile", "X = " + word * 200_000 + " # imagepin: image\n")
        for word in ["{{", "a{{", "{{ x ", "$(", "${", "a/b:", "a-", "$({{"]
    },
    "Kubernetes image of '{{'": ("pod.yaml", POD_IMAGE.format(image="{{" * 200_000)),
    "Kubernetes image of '$('": ("pod.yaml", POD_IMAGE.format(image="$(" * 200_000)),
    "Compose image of '${'": ("compose.yaml", COMPOSE_IMAGE.format(image="${" * 200_000)),
    "Compose image of '${X:-'": ("compose.yaml", COMPOSE_IMAGE.format(image="${X:-" * 100_000)),
    "GitHub Actions step of '${{'": (
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n    - uses: docker://"
        + "${{" * 100_000
        + "\n",
    ),
    "Helm template of '{{'": ("chart/templates/pod.yaml", "image: " + "{{" * 200_000 + "\n"),
    **{
        f"{name} image of {word!r}": (name, head + "'" + word * 100_000 + "'\n")
        for name, head, word in [
            ("azure-pipelines.yml", AZURE_HEAD, "${{"),
            ("azure-pipelines.yml", AZURE_HEAD, "$["),
            (".circleci/config.yml", "jobs:\n  a:\n    docker:\n    - image: ", "<<"),
            (".gitlab-ci.yml", "a:\n  image: ", "$[["),
        ]
    },
    ".env of 60,000 variables": (
        "compose.yaml",
        COMPOSE_IMAGE.format(image="${V59999}"),
    ),
    "Dockerfile ARG doubling 60 times": (
        "Dockerfile",
        "ARG A=x\n" + "ARG A=${A}${A}\n" * 60 + "FROM nginx:${A}\n",
    ),
    "Dockerfile ARG used 200,000 times": (
        "Dockerfile",
        "ARG B=" + "b" * 4000 + "\nARG A=" + "${B}" * 200_000 + "\nFROM nginx:${A}\n",
    ),
}


@pytest.mark.parametrize("case", sorted(PATHOLOGICAL))
def test_pathological_text_is_read_in_linear_time_and_space(case: str, tmp_path: Path) -> None:
    """Each in a process bounded at 30 s and 2 GiB: a pattern that read to the end of the
    text from every ``{{`` (``${``, ``${{``) took minutes; an ``ARG`` default doubled sixty
    times asked for an exabyte (before: minutes, or a MemoryError)."""
    name, text = PATHOLOGICAL[case]
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(text)
    if case.startswith(".env"):
        (tmp_path / ".env").write_text("".join(f"V{n}=a:{n}\n" for n in range(60_000)))
    if name.startswith("chart/"):
        (tmp_path / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: chart\n")
    done = run_imagepin(["check", "--offline", "--format", "json", name], cwd=tmp_path)
    assert done.code in (0, 1)
    assert json.loads(done.out)["files_scanned"] == 1


# --- fix never writes what it cannot read; what it can read, it fixes exactly -----------------


def fake_registry(
    refs: Iterable[Reference], options: RegistryOptions, on_answer: Any = None
) -> tuple[dict[Reference, Resolution], RunStats]:
    """Every tag resolves, to a digest made from its name (told as it is answered)."""
    answers = {ref: Resolution(ref, digest=digest_of(ref)) for ref in refs}
    for ref, answer in answers.items():
        if on_answer is not None:
            on_answer(ref, answer)
    return answers, RunStats()


def digest_of(ref: Reference) -> str:
    return "sha256:" + hashlib.sha256(str(ref).encode()).hexdigest()


def test_fix_writes_only_what_it_can_read_and_keeps_the_encoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for case in CASES:
        if case.name != "50-megabytes.yaml":
            case.make(tmp_path / case.name)
    big(tmp_path / "50-megabytes.yaml")
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    monkeypatch.setattr(registry, "resolve_with_stats", fake_registry)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "--no-cache", "--format", "json", *sorted(before)]) == 1
    document = json.loads(capsys.readouterr().out)
    after = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    changed = {name for name in before if after[name] != before[name]}
    assert changed == {case.name for case in CASES if case.fixable}
    assert not [f for f in document["findings"] if f["rule"] == "IMG001"]
    for name, encoding, mark in (
        ("utf-16-le.yaml", "utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be.yaml", "utf-16-be", codecs.BOM_UTF16_BE),
    ):
        digest = "sha256:" + hashlib.sha256(b"docker.io/library/nginx:1.27").hexdigest()
        expected = POD.format(n=0).replace("nginx:1.27", f"nginx:1.27@{digest}")
        assert after[name] == mark + expected.encode(encoding)


def test_the_collector_spares_the_files_read_while_resolving_and_only_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """engine freezes what lives when resolution starts (gc.freeze) and unfreezes it after:
    a program that calls main() keeps a collector that sees all its objects."""
    frozen: list[int] = []

    def resolve(refs: Iterable[Reference], options: RegistryOptions, on_answer: Any = None) -> Any:
        frozen.append(gc.get_freeze_count())
        return fake_registry(refs, options, on_answer)

    (tmp_path / "pod.yaml").write_text(POD.format(n=0))
    monkeypatch.setattr(registry, "resolve_with_stats", resolve)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "--no-cache", "pod.yaml"]) == 1
    assert frozen and frozen[0] > 0
    assert gc.get_freeze_count() == 0
    capsys.readouterr()


# --- files that change under our feet, or are not files ----------------------------------------


def offline_json(capsys: pytest.CaptureFixture[str], *paths: str) -> dict[str, Any]:
    main(["check", "--offline", "--format", "json", *paths])
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def test_symlink_loops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "self.yaml").symlink_to("self.yaml")
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")
    (tmp_path / "sub" / "pod.yaml").write_text(POD.format(n=0))
    monkeypatch.chdir(tmp_path)
    # Walked: the loops are skipped, the directory loop is entered once.
    walked = offline_json(capsys, ".")
    assert [(f["path"], f["rule"]) for f in walked["findings"]] == [("sub/pod.yaml", "IMG001")]
    # Named: each is one clear message.
    named = offline_json(capsys, "self.yaml", "a.yaml")
    assert sorted((f["path"], f["message"]) for f in named["findings"]) == [
        ("a.yaml", "cannot read: Too many levels of symbolic links"),
        ("self.yaml", "cannot read: Too many levels of symbolic links"),
    ]


def test_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked.yaml"
    locked.write_text(POD.format(n=0))
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything: refuse the open as the kernel would
        opened = os.open

        def refuse(path: Any, *args: Any, **kwargs: Any) -> Any:
            if Path(path).name == "locked.yaml":
                raise PermissionError(13, "Permission denied", str(path))
            return opened(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
    monkeypatch.chdir(tmp_path)
    document = offline_json(capsys, "locked.yaml")
    assert [(f["rule"], f["message"]) for f in document["findings"]] == [
        ("IMG000", "cannot read: Permission denied")
    ]


def test_directory_named_like_a_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.yaml").mkdir()
    (tmp_path / "x.yaml" / "pod.yaml").write_text(POD.format(n=0))
    monkeypatch.chdir(tmp_path)
    for argument in (".", "x.yaml"):
        document = offline_json(capsys, argument)
        assert [(f["path"], f["rule"]) for f in document["findings"]] == [
            ("x.yaml/pod.yaml", "IMG001")
        ]
        assert document["errors"] == []


def test_fifo_never_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    monkeypatch.chdir(tmp_path)
    assert offline_json(capsys, ".")["files_scanned"] == 0
    named = offline_json(capsys, "pipe.yaml")
    assert named["errors"] == [{"path": "pipe.yaml", "message": "not a regular file"}]


def test_file_that_disappears_during_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("gone.yaml", "kept.yaml"):
        (tmp_path / name).write_text(POD.format(n=0))
    found = discovery.discover

    def discover_then_delete(*args: Any, **kwargs: Any) -> Any:
        result = found(*args, **kwargs)
        (tmp_path / "gone.yaml").unlink()
        return result

    monkeypatch.setattr(discovery, "discover", discover_then_delete)
    monkeypatch.chdir(tmp_path)
    document = offline_json(capsys, ".")
    assert sorted((f["path"], f["rule"], f["message"][:40]) for f in document["findings"]) == [
        ("gone.yaml", "IMG000", "cannot read: No such file or directory"),
        ("kept.yaml", "IMG001", "image 'nginx:1.27' is pinned by tag only"),
    ]


def test_file_that_disappears_before_fix_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD.format(n=0))

    def resolve_then_delete(
        refs: Iterable[Reference], options: RegistryOptions, on_answer: Any = None
    ) -> Any:
        pod.unlink()
        return fake_registry(refs, options)

    monkeypatch.setattr(registry, "resolve_with_stats", resolve_then_delete)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "--no-cache", "--format", "json", "pod.yaml"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [e["path"] for e in document["errors"]] == ["pod.yaml"]
    assert "not written" in document["errors"][0]["message"]
    assert not pod.exists()


# --- a repository whose own git config names a command ------------------------------------------


def git(directory: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=directory, check=True, capture_output=True)


def test_the_scanned_repository_cannot_make_git_run_a_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``core.fsmonitor`` is run by ``git ls-files`` itself; a checkout can carry a bare repository."""
    marker = tmp_path / "PWNED"
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "core.fsmonitor", f"touch {marker}; echo")
    (repo / "pod.yaml").write_text(POD.format(n=0))
    # A bare repository committed in a checkout, made to look like a work tree.
    evil = repo / "evil"
    git(repo, "init", "-q", "--bare", "evil")
    git(evil, "config", "core.bare", "false")
    git(evil, "config", "core.worktree", str(evil))
    git(evil, "config", "core.fsmonitor", f"touch {marker}; echo")
    (evil / "pod.yaml").write_text(POD.format(n=1))
    monkeypatch.chdir(repo)
    for argument, paths in ((".", ["evil/pod.yaml", "pod.yaml"]), ("evil", ["evil/pod.yaml"])):
        document = offline_json(capsys, argument)
        assert sorted(f["path"] for f in document["findings"]) == paths
        assert not marker.exists()
