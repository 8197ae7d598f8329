"""The command line end to end, offline: exit codes, formats, selection, configuration."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from compiles import RECORDER
from shared_data import CORPUS, needs

from linter.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "cli"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path / "repo"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def rules_of(document: dict[str, object]) -> list[tuple[str, int, str]]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return [(f["path"], f["line"], f["rule"]) for f in findings]


def test_check_json(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, document = run_json(capsys, "check", "--offline", ".")
    assert code == 1
    assert document["version"] == 1
    assert document["files_scanned"] == 2
    assert document["images"] == 4
    assert rules_of(document) == [
        ("broken.yaml", 5, "IMG000"),
        ("deploy.yaml", 10, "IMG001"),
        ("deploy.yaml", 16, "IMG003"),
    ]
    findings = document["findings"]
    assert isinstance(findings, list)
    first = findings[1]
    assert first == {
        "path": "deploy.yaml",
        "line": 10,
        "column": 18,
        "end_line": 10,
        "end_column": 28,
        "rule": "IMG001",
        "name": "unpinned-tag",
        "level": "error",
        "message": first["message"],
        "image": "nginx:1.27",
        "reference": "docker.io/library/nginx:1.27",
        "suggestion": None,
    }


@pytest.mark.parametrize(
    ("argv", "expected_rules", "code"),
    [
        (["--select", "IMG001"], ["IMG001"], 1),
        (["--select", "unpinned-tag,invalid-reference"], ["IMG001", "IMG003"], 1),
        (["--ignore", "IMG000,IMG001,IMG003"], [], 0),
        (["--exit-zero"], ["IMG000", "IMG001", "IMG003"], 0),
    ],
)
def test_selection(
    tree: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected_rules: list[str],
    code: int,
) -> None:
    got, document = run_json(capsys, "check", "--offline", *argv)
    assert got == code
    assert [rule for _, _, rule in rules_of(document)] == expected_rules


def test_default_command_and_explicit_file(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--offline", "deploy.yaml", "-q", "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("deploy.yaml:10:18: IMG001 [unpinned-tag]")
    assert "checked" not in out  # -q: findings only


def test_verbose_shows_info(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "compose.yaml").write_text("services:\n  web:\n    image: ${IMAGE}\n")
    assert main(["check", "--offline", "compose.yaml", "--color", "never"]) == 0
    assert "IMG006" not in capsys.readouterr().out
    assert main(["check", "--offline", "compose.yaml", "--color", "never", "-v"]) == 0
    assert "IMG006 [dynamic-reference]" in capsys.readouterr().out


def test_config_file(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / ".imagepin.toml").write_text(
        'ignore = ["IMG000"]\nignore-images = ["docker.io/library/nginx*"]\n'
        '[per-file-ignores]\n"deploy.yaml" = ["invalid-reference"]\n'
    )
    code, document = run_json(capsys, "check", "--offline")
    assert (code, rules_of(document)) == (0, [])


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("selct = []\n", "unknown configuration key 'selct'"),
        ('select = ["IMG999"]\n', "unknown rule 'IMG999'"),
        ("select = [\n", "invalid TOML"),
    ],
)
def test_config_errors_exit_2(
    tree: Path, capsys: pytest.CaptureFixture[str], config: str, message: str
) -> None:
    (tree / ".imagepin.toml").write_text(config)
    assert main(["check", "--offline"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_output_file(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--offline", "--format", "json", "--output", "out.json"]) == 1
    assert capsys.readouterr().out == ""
    assert json.loads((tree / "out.json").read_text())["images"] == 4


def test_missing_path(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, document = run_json(capsys, "check", "--offline", "nope.yaml", "deploy.yaml")
    assert code == 1
    assert document["errors"] == [
        {"path": "nope.yaml", "message": document["errors"][0]["message"]}
    ]  # type: ignore[index]
    assert document["files_scanned"] == 1


def test_fix_offline_is_a_usage_error(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "--offline"]) == 2
    assert "--offline" in capsys.readouterr().err


def test_rules_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 14
    assert lines[0].split() == ["ID", "NAME", "LEVEL", "FIXABLE", "ONLINE", "SUMMARY"]
    assert lines[2].split()[:5] == ["IMG001", "unpinned-tag", "error", "yes", "no"]
    assert lines[5].split()[:5] == ["IMG004", "not-found", "error", "no", "yes"]
    assert lines[6].split()[:5] == ["IMG005", "stale-digest", "warning", "yes", "yes"]
    assert lines[2][lines[0].index("FIXABLE") :].startswith("yes      no      An image")
    assert main(["rules", "latest-tag"]) == 0
    assert "**Why**" in capsys.readouterr().out
    assert main(["rules", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 13
    assert main(["rules", "IMG999"]) == 2


@pytest.mark.parametrize(
    ("argument", "ids"),
    [
        ("IMG01", ["IMG010", "IMG011", "IMG012"]),
        ("img00", [f"IMG00{n}" for n in range(10)]),
        ("ALL", [f"IMG{n:03}" for n in range(13)]),
    ],
)
def test_rules_lists_the_rules_a_selector_names(
    capsys: pytest.CaptureFixture[str], argument: str, ids: list[str]
) -> None:
    assert main(["rules", argument]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "ID"
    assert [line.split()[0] for line in lines[1:]] == ids


@pytest.mark.parametrize(
    ("argument", "hint"),
    [
        ("unpinned-tagg", "did you mean `unpinned-tag`?"),
        ("IMG999", "did you mean `IMG009`?"),
        ("latest", "did you mean `latest-tag`?"),
        ("zzz", "see `imagepin rules`"),
    ],
)
def test_rules_of_an_unknown_rule_is_a_usage_error_with_the_likely_rule(
    capsys: pytest.CaptureFixture[str], argument: str, hint: str
) -> None:
    assert main(["rules", argument]) == 2
    assert capsys.readouterr() == (
        "",
        f"imagepin: error: unknown rule {argument!r}: not a rule id, id prefix (IMG00), "
        f"name or ALL; {hint}\n",
    )


def test_github_format_by_default_in_actions(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert main(["check", "--offline", "deploy.yaml"]) == 1
    assert capsys.readouterr().out.startswith("::error file=deploy.yaml,line=10,")


def test_python_m_linter(tree: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "linter", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("imagepin ")


def test_the_process_flushes_all_its_output_before_it_ends(tmp_path: Path) -> None:
    """The command's process skips the interpreter's teardown (cli._leave): its output
    must still arrive whole, far past a pipe's buffer, with the run's exit code."""
    for index in range(400):
        (tmp_path / f"app-{index:03d}.yaml").write_text(
            f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: app-{index}\nspec:\n"
            f"  containers:\n    - name: app\n      image: registry.example/app-{index}:1.0\n"
        )
    result = subprocess.run(
        [sys.executable, "-m", "linter", "check", "--offline", "--format", "json", "."],
        cwd=tmp_path,
        capture_output=True,
    )
    assert result.returncode == 1, result.stderr
    assert len(result.stdout) > 128 * 1024  # twice a pipe's buffer
    document = json.loads(result.stdout)
    assert len(document["findings"]) >= 400
    assert result.stderr == b""


@pytest.mark.parametrize("buffered", (True, False), ids=("buffered", "unbuffered"))
def test_a_closed_output_pipe_keeps_the_exit_code(tree: Path, buffered: bool) -> None:
    """Nobody reads the report (`imagepin check | head -1` after head exits): the exit
    code still says what the run found, and no traceback about the pipe is printed."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "linter", "check", "--offline", "deploy.yaml"],
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (1, b"")


#: Not loaded by an offline check of a Kubernetes file: the network and the UI, the other
#: formats' extractors, what only an error message needs, dataclasses (with inspect
#: and ast: its classes compile their methods at every start-up), shutil (bz2 and lzma;
#: argparse's formatter would import it for the terminal's width), and textwrap (its
#: patterns; a command's details are wrapped in the source) (start-up cost).
NOT_ON_THE_OFFLINE_PATH = (
    "httpx",
    "rich",
    "asyncio",
    "linter.extract.dockerfile",
    "linter.extract.helm_templates",
    "difflib",
    "dataclasses",
    "inspect",
    "shutil",
    "textwrap",
)


def after_offline_check(expression: str, path: str = "deploy.yaml", before: str = "") -> str:
    """What ``expression`` prints in a fresh process after an offline check of ``path``
    (``rc``: its exit code); ``before`` runs first, before anything of ours is imported."""
    code = (
        f"{before}\nimport re, sys, typing; from linter.cli import main; "
        f"rc = main(['check', '--offline', '-q', '--color', 'never', {path!r}]); "
        f"print({expression})"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return result.stdout.strip().splitlines()[-1]


def ours_where(condition: str) -> str:
    """An expression: the sorted ``module.name`` of our modules' globals ``v`` for which
    ``condition`` holds."""
    return (
        "sorted(f'{m}.{k}' for m, module in list(sys.modules.items()) "
        f"if m.startswith('linter') for k, v in vars(module).items() if {condition})"
    )


def test_offline_path_imports_no_network_or_ui(tree: Path) -> None:
    loaded = f"sorted(m for m in {NOT_ON_THE_OFFLINE_PATH!r} if m in sys.modules)"
    assert after_offline_check(loaded) == "[]"


@pytest.mark.parametrize(
    ("name", "text"),
    [("Dockerfile", "FROM nginx:1.27\n"), (".devcontainer.json", '{"image": "nginx:1.27"}\n')],
)
def test_the_offline_path_of_other_formats_makes_no_dataclass(
    name: str, text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hook given a Dockerfile or a dev container starts as fast as one given YAML."""
    (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    modules = tuple(m for m in NOT_ON_THE_OFFLINE_PATH if not m.startswith("linter."))
    loaded = f"sorted(m for m in {modules!r} if m in sys.modules)"
    assert after_offline_check(loaded, name) == "[]"


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        (
            "pod.yaml",
            "kind: Pod\napiVersion: v1\nspec:\n  containers:\n    - image: nginx:1.27\n",
            1,
        ),
        ("compose.yaml", "services:\n  web:\n    image: nginx:${TAG}\n", 1),
        ("Dockerfile", "FROM nginx:1.27\n", 1),
        (".devcontainer.json", '{"image": "nginx:1.27"}\n', 1),
        # A document no format claims: whether a GitLab pipeline includes it is looked up.
        ("other.yaml", "settings:\n  image: nginx:1.27\n", 0),
    ],
)
def test_a_check_runs_without_pathlib(
    name: str, text: str, code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pathlib brings urllib.parse and ipaddress (~16 M instructions of a one-file
    check's ~200 M), so a check works on strings (linter.paths). An editable install's
    import hook loads pathlib before anything of ours: the check runs with it refused."""
    (tmp_path / name).write_text(text)
    (tmp_path / ".env").write_text("TAG=1.27\n")
    monkeypatch.chdir(tmp_path)
    refused = "import sys; sys.modules['pathlib'] = None"
    assert after_offline_check("rc", name, before=refused) == str(code)


def test_offline_path_compiles_only_the_patterns_it_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Patterns for some files only (a marker or suppression comment, a data document,
    a ``.env``, GitLab inputs) are compiled on first use (linter.lazyre): a plain Pod
    compiles none of them."""
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: app\n"
        "      image: nginx:1.27\n"
    )
    monkeypatch.chdir(tmp_path)
    compiled = ours_where(
        "getattr(getattr(v, '__wrapped__', None), 'func', None) is re.compile "
        "and v.cache_info().currsize"
    )
    assert after_offline_check(compiled, "pod.yaml") == "[]"


def test_offline_path_compiles_no_source_of_ours(tree: Path) -> None:
    """Records are made without compiling (linter.records), and no annotation is
    evaluated: nothing of ours compiles source at start-up (tests/compiles.py)."""
    assert after_offline_check("ours()", before=RECORDER) == "[]"


@needs(CORPUS)
def test_shared_corpus_offline(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = run_json(capsys, "check", "--offline", str(CORPUS))
    assert code == 1
    assert document["errors"] == []
    assert document["files_scanned"] == 925
    findings = document["findings"]
    assert isinstance(findings, list)
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding["rule"]] = counts.get(finding["rule"], 0) + 1
    # Reviewed by hand: the two IMG003 are placeholders (`<YOUR-CONTAINER>`, `<image_url>`)
    # in kubernetes/examples' archived docs; nothing fails to parse (Helm templates are read
    # line by line). One IMG001 is the redis of a Flux HelmRelease's values. The bare names
    # of microservices-demo's manifests (`image: frontend`) are its Skaffold artifacts: not
    # checked (linter/skaffold.py).
    assert counts == {"IMG001": 389, "IMG002": 141, "IMG003": 2}


@pytest.mark.parametrize("raised", ["KeyboardInterrupt", "CancelledError"])
def test_an_interrupted_run_exits_130_with_one_line(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, raised: str
) -> None:
    """Ctrl-C arrives as a KeyboardInterrupt, or, from inside asyncio.run on Python 3.11
    when it lands just as the loop installs its handler, as the main task's CancelledError
    (seen in a stress run of Ctrl-Cs at random moments): the same exit either way."""
    import asyncio

    from linter.commands import check

    def interrupted(args: object) -> int:
        raise {"KeyboardInterrupt": KeyboardInterrupt, "CancelledError": asyncio.CancelledError}[
            raised
        ]()

    monkeypatch.setattr(check, "run", interrupted)
    assert main(["check", "--offline", "."]) == 130
    assert capsys.readouterr() == ("", "imagepin: interrupted\n")
