"""The gate (--fail-on), rule selection flags, --statistics, several outputs in one run,
--show-settings and --show-files: exit codes and exact output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from manifests import pod

from linter.cli import main
from linter.configfile import load_file

FIXTURES = Path(__file__).parent / "fixtures" / "cli"
DIGEST = "sha256:" + "ab" * 32
#: Pinned (no IMG001), on a port nothing listens on: online, only IMG011 (a warning).
DOWN = f"127.0.0.1:1/app:1.0@{DIGEST}"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "repo")
    (tmp_path / "repo" / ".git").mkdir()  # the configuration search stops here
    monkeypatch.chdir(tmp_path / "repo")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "repo"


def out_err(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "config", "code"),
    [
        ([], "", 0),
        (["--fail-on", "error"], "", 0),
        (["--fail-on", "warning"], "", 1),
        (["--fail-on", "info"], "", 1),
        ([], 'fail-on = "warning"\n', 1),
        (["--fail-on", "error"], 'fail-on = "warning"\n', 0),
        (["--fail-on", "never"], 'fail-on = "info"\n', 0),
        (["--exit-zero"], 'fail-on = "warning"\n', 0),
    ],
)
def test_a_registry_that_is_down_fails_the_gate_on_warnings(
    tree: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    config: str,
    code: int,
) -> None:
    (tree / "down.yaml").write_text(pod(DOWN))
    (tree / ".imagepin.toml").write_text(config)
    assert main(["check", "--no-cache", "--color", "never", *argv, "down.yaml"]) == code
    out, _ = out_err(capsys)
    assert "IMG011 [unreachable-registry]" in out


@pytest.mark.parametrize(
    ("fail_on", "code"), [("error", 1), ("warning", 1), ("info", 1), ("never", 0)]
)
def test_fail_on_offline(
    tree: Path, capsys: pytest.CaptureFixture[str], fail_on: str, code: int
) -> None:
    assert main(["check", "--offline", "--fail-on", fail_on, "deploy.yaml"]) == code


def test_fail_on_info_counts_hidden_info_findings(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "dynamic.yaml").write_text(pod("${IMAGE}"))
    assert main(["check", "--offline", "dynamic.yaml"]) == 0
    assert main(["check", "--offline", "--fail-on", "info", "dynamic.yaml"]) == 1
    assert "1 info hidden (-v shows them)" in out_err(capsys)[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["check", "--fail-on", "warn"],
            "imagepin check: error: argument --fail-on: invalid choice: 'warn' "
            "(choose from 'error', 'warning', 'info', 'never')",
        ),
        (
            ["check", "--offline", "--select", "IMG999"],
            "imagepin: error: unknown rule 'IMG999': not a rule id, id prefix (IMG00), name or "
            "ALL; did you mean `IMG009`?",
        ),
        (
            ["check", "--offline", "--statistics", "--format", "sarif"],
            "imagepin: error: --statistics prints text or json, not sarif",
        ),
        (
            ["check", "--offline", "-o", "a.json", "-o", "b.json"],
            "imagepin: error: -o a.json and -o b.json: name the format, e.g. -o json=FILE",
        ),
        (
            ["check", "--offline", "-o", "sarif="],
            "imagepin: error: -o sarif=: give the file, e.g. -o sarif=report.sarif",
        ),
        (
            ["check", "--offline", "--concurrency", "0"],
            "imagepin: error: --concurrency must be at least 1, not 0",
        ),
    ],
)
def test_usage_errors(
    tree: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    out, err = out_err(capsys)
    assert out == ""
    assert err.splitlines()[-1] == message


def test_a_string_where_a_list_belongs_is_an_error(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / ".imagepin.toml").write_text('select = "IMG001"\n')
    assert main(["check", "--offline"]) == 2
    assert out_err(capsys) == (
        "",
        "imagepin: error: .imagepin.toml: select: expected a list of strings, got a string: "
        'write select = ["IMG001"]\n',
    )


def test_an_unknown_key_gets_a_suggestion(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "pyproject.toml").write_text('[tool.imagepin]\nallowed_registries = ["ghcr.io"]\n')
    assert main(["check", "--offline"]) == 2
    assert out_err(capsys)[1] == (
        "imagepin: error: pyproject.toml: unknown configuration key 'allowed_registries': "
        "did you mean `allowed-registries`?\n"
    )


def test_both_configuration_files_one_wins_the_other_is_named(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "pyproject.toml").write_text('[tool.imagepin]\nignore = ["IMG001"]\n')
    (tree / ".imagepin.toml").write_text('ignore = ["IMG003"]\n')
    code = main(["check", "--offline", "--format", "json", "deploy.yaml"])
    out, err = out_err(capsys)
    assert code == 1
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["IMG001"]
    assert err == (
        "imagepin: warning: pyproject.toml: [tool.imagepin] is not read: .imagepin.toml in "
        "the same directory takes precedence; merge them into one\n"
    )


@pytest.mark.parametrize(
    ("argv", "rules"),
    [
        (["--select", "IMG00"], ["IMG000", "IMG001", "IMG003"]),
        (["--select", "ALL", "--ignore", "IMG00"], []),
        (["--select", "IMG001", "--select", "IMG003"], ["IMG001", "IMG003"]),
        (["--ignore", "IMG000", "--ignore", "IMG001"], ["IMG003"]),
        (["--extend-ignore", "IMG000", "--extend-ignore", "invalid-reference"], ["IMG001"]),
        (
            ["--select", "IMG000", "--extend-select", "IMG001", "--extend-select", "IMG003"],
            [
                "IMG000",
                "IMG001",
                "IMG003",
            ],
        ),
    ],
)
def test_selection_flags_add_up(
    tree: Path, capsys: pytest.CaptureFixture[str], argv: list[str], rules: list[str]
) -> None:
    main(["check", "--offline", "--format", "json", *argv])
    assert [f["rule"] for f in json.loads(out_err(capsys)[0])["findings"]] == rules


def test_extend_select_adds_to_the_configuration(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / ".imagepin.toml").write_text('select = ["IMG000"]\nextend-select = ["IMG003"]\n')
    main(["check", "--offline", "--format", "json", "--extend-select", "IMG001"])
    rules = [f["rule"] for f in json.loads(out_err(capsys)[0])["findings"]]
    assert rules == ["IMG000", "IMG001", "IMG003"]


def test_statistics(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "more.yaml").write_text(pod("redis:7") + "---\n" + pod("redis:8") + "---\n" + pod("x"))
    assert main(["check", "--offline", "--statistics"]) == 1
    assert out_err(capsys) == (
        "3  IMG001  error    [*] unpinned-tag\n"
        "1  IMG000  error    [ ] yaml-syntax\n"
        "1  IMG002  error    [*] latest-tag\n"
        "1  IMG003  error    [ ] invalid-reference\n",
        "",
    )
    assert main(["check", "--offline", "--statistics", "--format", "json"]) == 1
    document = json.loads(out_err(capsys)[0])
    assert document[0] == {
        "code": "IMG001",
        "name": "unpinned-tag",
        "level": "error",
        "count": 3,
        "fixable": True,
    }
    assert [row["count"] for row in document] == [3, 1, 1, 1]


def test_one_run_writes_several_reports(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "out").mkdir()
    argv = ["-o", "json=r.json", "-o", "sarif=out/r.sarif", "--format", "github"]
    assert main(["check", "--offline", *argv, "deploy.yaml"]) == 1
    out, err = out_err(capsys)
    assert (out.startswith("::error file=deploy.yaml,line=10,"), err) == (True, "")
    assert json.loads((tree / "r.json").read_text())["findings"][0]["rule"] == "IMG001"
    sarif = json.loads((tree / "out" / "r.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "IMG001"
    # The --format report goes to the plain -o FILE; the named ones alongside.
    assert main(["check", "--offline", "--format", "json", "-o", "a.json", "-o", "text=a.txt"]) == 1
    assert out_err(capsys)[0] == ""
    assert json.loads((tree / "a.json").read_text())["images"] == 4
    assert (tree / "a.txt").read_text().startswith("broken.yaml:5:5: IMG000")


def test_show_settings(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / ".imagepin.toml").write_text(
        'ignore = ["IMG006"]\nplatform = "linux/amd64"\n[mirrors]\n"docker.io" = ["m:5000"]\n'
    )
    argv = ["check", "--show-settings", "--select", "IMG00", "--ignore", "IMG002"]
    assert main([*argv, "--fail-on", "warning", "--insecure-registry", "lab:5000"]) == 0
    assert out_err(capsys) == (
        "# configuration file: .imagepin.toml\n"
        'select = ["IMG00"]                                   # --select\n'
        "extend-select = []                                   # default\n"
        'ignore = ["IMG006", "IMG002"]                        # .imagepin.toml + --ignore\n'
        "extend-ignore = []                                   # default\n"
        'fail-on = "warning"                                  # --fail-on\n'
        'exclude = ["node_modules", "vendor", "third_party"]  # default\n'
        "extend-exclude = []                                  # default\n"
        "ignore-images = []                                   # default\n"
        "allowed-registries = []                              # default\n"
        "required-platforms = []                              # default\n"
        "require-signature = false                            # default\n"
        'platform = "linux/amd64"                             # .imagepin.toml\n'
        "signature-keys = []                                  # default\n"
        "# max-age-days is not set                            # default\n"
        "concurrency = 32                                     # default\n"
        "cache-ttl = 600                                      # default\n"
        'insecure-registries = ["lab:5000"]                   # --insecure-registry\n'
        'mirrors = { "docker.io" = ["m:5000"] }               # .imagepin.toml\n'
        "per-file-ignores = {}                                # default\n"
        "helm-values = []                                     # default\n"
        "helm-digest-in-tag = false                           # default\n"
        "marker-files = []                                    # default\n"
        "regex-extractors = []                                # default\n"
        "# rules that run: IMG000, IMG001, IMG003, IMG004, IMG005, IMG007, IMG008, IMG009\n",
        "",
    )


def test_show_settings_without_a_file(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--show-settings"]) == 0
    out = out_err(capsys)[0]
    assert out.startswith('# configuration file: none found (defaults)\nselect = ["ALL"]  ')
    assert out.endswith("# rules that run: " + ", ".join(f"IMG{n:03}" for n in range(13)) + "\n")


def test_show_settings_prints_text_extractors_as_toml(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lines of marker-files and regex-extractors read back as the same settings, and
    --show-files names the files they add (extend-exclude applies, as in a run)."""
    written = (
        'marker-files = ["Makefile"]\nextend-exclude = ["old"]\n'
        "[[regex-extractors]]\nfiles = [\"*.mk\"]\npattern = '^IMG \\?= (?P<image>\\S+)'\n"
    )
    (tree / ".imagepin.toml").write_text(written)
    for name in ("Makefile", "tools.mk", "old/tools.mk", "notes.txt"):
        (tree / name).parent.mkdir(exist_ok=True)
        (tree / name).write_text("IMG ?= nginx:1.27\n")
    assert main(["check", "--show-settings"]) == 0
    lines = [line.partition("  #")[0] for line in out_err(capsys)[0].splitlines()]
    shown = "\n".join(line for line in lines if line.startswith(("marker-", "regex-")))
    (tree / "shown.toml").write_text(shown)
    again, before = load_file(tree / "shown.toml"), load_file(tree / ".imagepin.toml")
    assert (again.marker_files, again.regex_extractors) == (
        before.marker_files,
        before.regex_extractors,
    )
    assert before.regex_extractors[0].pattern == r"^IMG \?= (?P<image>\S+)"
    assert main(["check", "--show-files", "."]) == 0
    rows = [line.split(maxsplit=1) for line in out_err(capsys)[0].splitlines()]
    assert [path for path, kind in rows if kind == "text"] == ["Makefile", "tools.mk"]
    assert "notes.txt" not in dict(rows)


def test_show_files(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "Dockerfile").write_text("FROM python:3.12\n")
    (tree / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n")
    (tree / "off.yaml").write_text("# imagepin: disable-file\n" + pod("nginx:1"))
    (tree / "notes.yaml").write_text("just: data\n")
    (tree / ".imagepin.toml").write_text('exclude = ["broken.yaml"]\n')
    assert main(["check", "--show-files", ".", "missing.yaml"]) == 0
    assert out_err(capsys) == (
        "Dockerfile    dockerfile\n"
        "compose.yaml  compose\n"
        "deploy.yaml   kubernetes\n"
        "notes.yaml    other\n"
        "off.yaml      skipped: disable-file\n"
        "missing.yaml  not scanned: no such file or directory\n",
        "",
    )


def test_disable_file_is_not_counted_as_checked(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "off.yaml").write_text("# imagepin: disable-file\n" + pod("nginx:1"))
    assert main(["check", "--offline", "--color", "never", "deploy.yaml", "off.yaml"]) == 1
    assert out_err(capsys)[0].splitlines()[-1] == (
        "checked 1 file, 4 images, 2 errors, 0 warnings; skipped 1 file (disable-file)"
    )
    main(["check", "--offline", "--format", "json", "deploy.yaml", "off.yaml"])
    document = json.loads(out_err(capsys)[0])
    skipped = {"path": "off.yaml", "reason": "disable-file"}
    assert (document["files_scanned"], document["skipped"]) == (1, [skipped])
