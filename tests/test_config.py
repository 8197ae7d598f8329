from __future__ import annotations

from pathlib import Path

import pytest

from linter.config import Config, ConfigError
from linter.configfile import find, from_mapping, load, load_file


def test_defaults() -> None:
    config = from_mapping({}, "x")
    assert config.select == ("ALL",)
    assert config.cache_ttl == 600
    assert config.concurrency == 32


@pytest.mark.parametrize(
    ("data", "field", "value"),
    [
        ({"select": ["IMG001"]}, "select", ("IMG001",)),
        ({"ignore": ["IMG002"]}, "ignore", ("IMG002",)),
        ({"exclude": ["vendor/**"]}, "exclude", ("vendor/**",)),
        ({"ignore-images": ["docker.io/library/*"]}, "ignore_images", ("docker.io/library/*",)),
        ({"allowed-registries": ["ghcr.io/acme"]}, "allowed_registries", ("ghcr.io/acme",)),
        ({"required-platforms": ["linux/amd64"]}, "required_platforms", ("linux/amd64",)),
        ({"require-signature": True}, "require_signature", True),
        ({"platform": "linux/arm/v7"}, "platform", "linux/arm/v7"),
        ({"signature-keys": ["cosign.pub"]}, "signature_keys", ("cosign.pub",)),
        ({"max-age-days": 90}, "max_age_days", 90),
        ({"concurrency": 8}, "concurrency", 8),
        ({"cache-ttl": 0}, "cache_ttl", 0),
        ({"insecure-registries": ["r:5000"]}, "insecure_registries", ("r:5000",)),
        ({"mirrors": {"docker.io": ["m:5000"]}}, "mirrors", {"docker.io": ("m:5000",)}),
        (
            {"per-file-ignores": {"legacy/*": ["IMG001"]}},
            "per_file_ignores",
            {"legacy/*": ("IMG001",)},
        ),
    ],
)
def test_keys(data: dict[str, object], field: str, value: object) -> None:
    assert getattr(from_mapping(data, "x"), field) == value


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"selct": ["IMG001"]}, "unknown configuration key 'selct'"),
        ({"select": [1]}, "select: expected a list of strings"),
        ({"require-signature": "yes"}, "expected true or false"),
        ({"platform": "amd64"}, "expected OS/ARCH"),
        ({"concurrency": 0}, "at least 1"),
        ({"max-age-days": -1}, "non-negative integer"),
        ({"cache-ttl": True}, "non-negative integer"),
        ({"mirrors": ["x"]}, "expected a table"),
        ({"mirrors": {"docker.io": [1]}}, 'mirrors."docker.io": expected a list of strings'),
    ],
)
def test_invalid(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_mapping(data, "cfg.toml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"allowed_registries": ["ghcr.io"]},
            "cfg.toml: unknown configuration key 'allowed_registries': "
            "did you mean `allowed-registries`?",
        ),
        ({"selct": []}, "cfg.toml: unknown configuration key 'selct': did you mean `select`?"),
        (
            {"Cache-TTL": 5},
            "cfg.toml: unknown configuration key 'Cache-TTL': did you mean `cache-ttl`?",
        ),
        (
            {"colour": "never"},
            "cfg.toml: unknown configuration key 'colour' (see the README's Configuration)",
        ),
        (
            {"select": "IMG001"},
            'cfg.toml: select: expected a list of strings, got a string: write select = ["IMG001"]',
        ),
        (
            {"extend-ignore": "IMG006"},
            "cfg.toml: extend-ignore: expected a list of strings, got a string: "
            'write extend-ignore = ["IMG006"]',
        ),
        ({"exclude": 3}, "cfg.toml: exclude: expected a list of strings, got an integer"),
        (
            {"ignore-images": ["a", True]},
            "cfg.toml: ignore-images: expected a list of strings, got a list holding true",
        ),
        (
            {"require-signature": "yes"},
            "cfg.toml: require-signature: expected true or false, got a string",
        ),
        (
            {"helm-digest-in-tag": 1},
            "cfg.toml: helm-digest-in-tag: expected true or false, got an integer",
        ),
        (
            {"concurrency": "8"},
            "cfg.toml: concurrency: expected a non-negative integer, got a string",
        ),
        ({"max-age-days": -1}, "cfg.toml: max-age-days: expected a non-negative integer, got -1"),
        ({"cache-ttl": 1.5}, "cfg.toml: cache-ttl: expected a non-negative integer, got a float"),
        ({"platform": 64}, 'cfg.toml: platform: expected OS/ARCH[/VARIANT], e.g. "linux/amd64"'),
        (
            {"fail-on": "warn"},
            'cfg.toml: fail-on: expected one of error, warning, info, never, got "warn"',
        ),
        (
            {"fail-on": False},
            "cfg.toml: fail-on: expected one of error, warning, info, never, got false",
        ),
        ({"mirrors": ["x"]}, "cfg.toml: mirrors: expected a table, got a list"),
        (
            {"per-file-ignores": {"a/*": "IMG001"}},
            'cfg.toml: per-file-ignores."a/*": expected a list of strings, got a string: '
            'write per-file-ignores."a/*" = ["IMG001"]',
        ),
        (
            {"per-file-ignores": {"legacy": "IMG001"}},
            "cfg.toml: per-file-ignores.legacy: expected a list of strings, got a string: "
            'write per-file-ignores.legacy = ["IMG001"]',
        ),
    ],
)
def test_every_key_is_checked_and_named_exactly(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        from_mapping(data, "cfg.toml")
    assert str(raised.value) == message


def test_sources_name_the_file_of_each_key() -> None:
    config = from_mapping({"ignore": ["IMG006"], "fail-on": "warning"}, "ci.toml")
    assert config.sources == {"ignore": "ci.toml", "fail-on": "ci.toml"}
    overridden = config.override("fail-on", "never", "--fail-on")
    assert (overridden.fail_on, overridden.sources["fail-on"]) == ("never", "--fail-on")
    assert config.fail_on == "warning"


def test_dotfile_wins_over_pyproject_in_one_directory_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.imagepin]\nselect = ["IMG001"]\n')
    (tmp_path / ".imagepin.toml").write_text('ignore = ["IMG002"]\n')
    monkeypatch.chdir(tmp_path)
    config = load(None)
    assert (config.source, config.select, config.ignore) == (
        ".imagepin.toml",
        ("ALL",),
        ("IMG002",),
    )
    assert config.warnings == (
        "pyproject.toml: [tool.imagepin] is not read: .imagepin.toml in the same directory "
        "takes precedence; merge them into one",
    )
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert load(None).warnings == ()


def test_pyproject_and_dotfile(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.imagepin]\nselect = ["IMG001"]\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert find(sub) == str(tmp_path / "pyproject.toml")
    assert load_file(tmp_path / "pyproject.toml").select == ("IMG001",)
    (tmp_path / "a" / ".imagepin.toml").write_text('ignore = ["IMG002"]\n')
    assert find(sub) == str(tmp_path / "a" / ".imagepin.toml")
    assert load_file(tmp_path / "a" / ".imagepin.toml").ignore == ("IMG002",)


def test_search_stops_at_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".imagepin.toml").write_text("")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find(repo) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("select = [", "invalid TOML"),
        ("[tool.imagepin]\nbogus = 1\n", "unknown configuration key 'bogus'"),
    ],
)
def test_file_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / ".imagepin.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_file(path)


def test_overrides() -> None:
    assert (
        Config().with_overrides(platform="linux/arm64", concurrency=None).platform == "linux/arm64"
    )
