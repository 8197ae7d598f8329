"""``imagepin inspect`` end to end, against the real registries, side by side with skopeo.

Debian's ``skopeo`` (1.9) is the reference: ``--format skopeo`` must print what it
prints, key by key; ``--raw`` the bytes ``skopeo inspect --raw`` prints; and
``--config-blob`` the bytes of ``skopeo inspect --config --raw``, which are the
config ``skopeo inspect --config`` shows converted to the OCI image spec. The
requests of each invocation are counted from the registry's access log (the table
in docs/registry.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from conftest import RegistryEnv
from registry_server import OCI_MANIFEST, PASSWORD, Image, Registry, build_image

from linter.cli import build_parser, main
from linter.commands import inspect as inspect_command
from linter.reference import parse
from linter.registry import RegistryOptions, inspect_sync
from linter.registry.details import Wanted, go_time

RICH_SETTINGS: dict[str, Any] = {
    "Env": ["PATH=/usr/local/bin:/usr/bin", "LANG=C.UTF-8"],
    "Entrypoint": ["/docker-entrypoint.sh"],
    "Cmd": ["nginx", "-g", "daemon off;"],
    "User": "101:101",
    "WorkingDir": "/srv",
    "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
    "StopSignal": "SIGQUIT",
}
RICH_LABELS = {"org.opencontainers.image.version": "1.27.3", "maintainer": "acme"}
HISTORY = [{"created": "2024-05-01T11:00:00Z", "created_by": "ADD rootfs.tar /"}]
#: Docker-format: Docker-only fields skopeo's --config drops (docker_version,
#: container_config), two layers.
RICH_DOCKER = build_image(
    "rich-docker",
    oci=False,
    labels=RICH_LABELS,
    settings=RICH_SETTINGS,
    extra={
        "docker_version": "24.0.7",
        "container_config": {"Hostname": "builder", "Cmd": ["/bin/sh"]},
        "history": HISTORY,
    },
    layers=2,
)
#: OCI: layer annotations, a creation time with a fraction of a second.
RICH_OCI = build_image(
    "rich-oci",
    created="2024-05-01T12:00:00.250000Z",
    labels=RICH_LABELS,
    settings=RICH_SETTINGS,
    extra={"history": HISTORY},
    layers=3,
    annotations={"org.opencontainers.image.title": "layer"},
)
TAGS = ("1.0", "1.1", "2.0", "latest")


@pytest.fixture(scope="module")
def images(plain_registry: Registry, registry_catalog: dict[str, Image]) -> dict[str, Image]:
    """What the tests inspect, by ``repo:tag``: the catalog's, and two rich images."""
    # One after the other: the same blobs pushed at once race in the registry.
    for tag in TAGS:
        plain_registry.push("inspect/rich-docker", tag, RICH_DOCKER)
    plain_registry.push("inspect/rich-oci", "1.0", RICH_OCI)
    return {
        **registry_catalog,
        **{f"inspect/rich-docker:{tag}": RICH_DOCKER for tag in TAGS},
        "inspect/rich-oci:1.0": RICH_OCI,
    }


def imagepin(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes, str]:
    code = main(["inspect", *args])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


@dataclass(frozen=True)
class SideBySide:
    """imagepin and skopeo, each asked about the same image of the plain-HTTP registry."""

    registry: Registry
    images: dict[str, Image]
    skopeo_path: str
    home: Path
    capsys: pytest.CaptureFixture[bytes]

    def ref(self, name: str) -> str:
        return f"{self.registry.host}/{name}"

    def imagepin(self, ref: str, *args: str, platform: str | None = None) -> bytes:
        code, out, err = imagepin(self.capsys, *args, *platform_options(platform), ref)
        assert (code, err) == (0, "")
        return out

    def skopeo(self, ref: str, *args: str, platform: str | None = None) -> bytes:
        """``skopeo inspect`` of ``ref``, with nothing of the machine's (auth, policy)."""
        overrides: list[str] = []
        if platform:
            os_name, architecture, *variant = platform.split("/")
            overrides = ["--override-os", os_name, "--override-arch", architecture]
            overrides += ["--override-variant", variant[0]] if variant else []
        self.home.mkdir(exist_ok=True)
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.home),
        }
        return subprocess.run(
            [
                self.skopeo_path,
                *overrides,
                "inspect",
                "--tls-verify=false",
                *args,
                f"docker://{ref}",
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=60,
        ).stdout


@pytest.fixture
def side(
    registry_env: RegistryEnv,
    capsysbinary: pytest.CaptureFixture[bytes],
    tmp_path: Path,
    skopeo: str,
    plain_registry: Registry,
    images: dict[str, Image],
) -> SideBySide:
    return SideBySide(plain_registry, images, skopeo, tmp_path / "home", capsysbinary)


def platform_options(platform: str | None) -> list[str]:
    return ["--platform", platform] if platform else []


#: (repo:tag, platform): Docker and OCI single images, an OCI index (with an attestation
#: entry) and a Docker manifest list, and images that set every config field.
COMPARED = [
    ("app/single:1.0", None),
    ("app/oci:1.0", None),
    ("app/multi:1.0", "linux/arm/v7"),
    ("app/multi:1.0", "linux/arm64"),
    ("app/list:1.0", "linux/amd64"),
    ("app/list:1.0", "linux/arm/v7"),
    ("inspect/rich-docker:2.0", None),
    ("inspect/rich-oci:1.0", None),
]


@pytest.mark.parametrize(("name", "platform"), COMPARED)
@pytest.mark.parametrize("tags", [False, True], ids=["no-tags", "tags"])
def test_format_skopeo_is_skopeos_document_key_by_key(
    side: SideBySide, name: str, platform: str | None, tags: bool
) -> None:
    ref = side.ref(name)
    listing = ["--tags"] if tags else []
    ours = json.loads(side.imagepin(ref, "--format", "skopeo", *listing, platform=platform))
    theirs = json.loads(side.skopeo(ref, *([] if tags else ["--no-tags"]), platform=platform))
    assert set(theirs) <= set(ours)
    for key, value in theirs.items():
        assert (key, ours[key]) == (key, value)
    # What skopeo 1.10+ prints besides: the layers with their sizes and media types.
    assert set(ours) - set(theirs) <= {"LayersData"}
    assert [layer["Digest"] for layer in ours["LayersData"]] == ours["Layers"]
    assert bool(ours["RepoTags"]) is tags


@pytest.mark.parametrize(("name", "platform"), [*COMPARED, ("by-digest", None)])
def test_raw_is_skopeos_raw_byte_for_byte(
    side: SideBySide, name: str, platform: str | None
) -> None:
    if name == "by-digest":
        child = side.images["app/multi:1.0"].child("linux/arm64")
        ref = side.registry.ref("app/multi", digest=child.digest)
    else:
        ref = side.ref(name)
    out = side.imagepin(ref, "--raw", platform=platform)
    assert out == side.skopeo(ref, "--raw", platform=platform)
    digest = side.imagepin(ref, "--field", "digest")
    assert digest.decode() == f"sha256:{hashlib.sha256(out).hexdigest()}\n"


#: The image-spec's config fields: what ``skopeo inspect --config`` keeps of a config.
OCI_CONFIG_KEYS = {
    "created",
    "author",
    "architecture",
    "variant",
    "os",
    "config",
    "rootfs",
    "history",
}
OCI_SETTINGS_KEYS = {
    "User",
    "ExposedPorts",
    "Env",
    "Entrypoint",
    "Cmd",
    "Volumes",
    "WorkingDir",
    "Labels",
    "StopSignal",
}


def as_oci(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` as skopeo shows it: its image-spec fields only, times as Go prints them."""
    document = {key: value for key, value in config.items() if key in OCI_CONFIG_KEYS}
    document["created"] = go_time(document.get("created"))
    for step in document.get("history", ()):
        step["created"] = go_time(step.get("created"))
    settings = config.get("config") or {}
    document["config"] = {k: v for k, v in settings.items() if k in OCI_SETTINGS_KEYS and v}
    return document


@pytest.mark.parametrize(("name", "platform"), COMPARED)
def test_config_blob_is_skopeos_config(side: SideBySide, name: str, platform: str | None) -> None:
    ref = side.ref(name)
    out = side.imagepin(ref, "--config-blob", platform=platform)
    # The blob itself, byte for byte ...
    assert out == side.skopeo(ref, "--config", "--raw", platform=platform)
    # ... which is the configuration skopeo's --config shows (converted to the OCI spec).
    assert as_oci(json.loads(out)) == json.loads(side.skopeo(ref, "--config", platform=platform))
    digest = side.imagepin(ref, "--field", "image.config_digest", platform=platform)
    assert digest.decode() == f"sha256:{hashlib.sha256(out).hexdigest()}\n"


def test_inspect(
    registry_login: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    basic_tls_registry: Registry,
    registry_catalog: dict[str, Image],
) -> None:
    ref = basic_tls_registry.ref("app/multi", "1.0")
    assert main(["inspect", "--no-cache", "--platform", "linux/arm/v7", ref]) == 0
    document = json.loads(capsys.readouterr().out)
    image = registry_catalog["app/multi:1.0"]
    child = image.child("linux/arm/v7")
    config, layer = child.blobs
    assert document == {
        "name": f"{basic_tls_registry.host}/app/multi",
        "tag": "1.0",
        "digest": image.digest,
        "media_type": image.media_type,
        "platforms": [
            {
                "os": os_name,
                "architecture": arch,
                "variant": variant[0] if variant else None,
                "digest": c.digest,
                "media_type": c.media_type,
            }
            for c in image.children
            for os_name, arch, *variant in [c.platform.split("/")]  # type: ignore[union-attr]
        ],
        "image": {
            "platform": "linux/arm/v7",
            "digest": child.digest,
            "media_type": child.media_type,
            "config_digest": config.digest,
            "created": "2024-05-01T12:00:00Z",
            "labels": {"seed": "multi"},
            "layers": [
                {
                    "digest": layer.digest,
                    "size": len(layer.data),
                    "media_type": layer.media_type,
                    "annotations": None,
                }
            ],
            "size": len(layer.data),
            # What the config does not set is null.
            **dict.fromkeys(
                ("docker_version", "env", "entrypoint", "cmd", "user", "working_dir"), None
            ),
            "exposed_ports": None,
        },
        "tags": None,
        "tags_complete": None,
        "signatures": {
            "state": "missing",
            "key": None,
            "reason": "no cosign or Notation signature found",
            "found": [],
        },
    }


def test_inspect_every_config_field_and_the_tags(
    registry_env: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    images: dict[str, Image],
) -> None:
    ref = plain_registry.ref("inspect/rich-docker", "1.0")
    assert main(["inspect", "--tags", ref]) == 0
    document = json.loads(capsys.readouterr().out)
    image = document["image"]
    assert {key: image[key] for key in ("env", "entrypoint", "cmd", "user", "working_dir")} == {
        "env": RICH_SETTINGS["Env"],
        "entrypoint": RICH_SETTINGS["Entrypoint"],
        "cmd": RICH_SETTINGS["Cmd"],
        "user": "101:101",
        "working_dir": "/srv",
    }
    assert (image["exposed_ports"], image["docker_version"]) == (["443/tcp", "80/tcp"], "24.0.7")
    assert (image["labels"], image["created"]) == (RICH_LABELS, "2024-05-01T12:00:00Z")
    assert [layer["digest"] for layer in image["layers"]] == [
        blob.digest for blob in RICH_DOCKER.blobs[1:]
    ]
    assert (sorted(document["tags"]), document["tags_complete"]) == (sorted(TAGS), True)


def test_max_tags_cuts_the_list_and_says_so(
    registry_env: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    images: dict[str, Image],
) -> None:
    ref = plain_registry.ref("inspect/rich-docker", "1.0")
    assert main(["inspect", "--tags", "--max-tags", "2", "--format", "skopeo", ref]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)["RepoTags"]) == 2
    assert err == f"imagepin: {ref}: only the first 2 tags are listed (--max-tags)\n"


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (["--field", "digest"], "{digest}\n"),
        (["--field", "tag"], "1.0\n"),
        (["--field", "image.created"], "2024-05-01T12:00:00Z\n"),
        (["--field", "image.labels.org.opencontainers.image.version"], "1.27.3\n"),
        (["--field", "image.labels.absent"], "\n"),
        (["--field", "image.env"], "PATH=/usr/local/bin:/usr/bin\nLANG=C.UTF-8\n"),
        (["--field", "image.cmd.-1"], "daemon off;\n"),
        (["--field", "image.layers.1.digest"], "{layer1}\n"),
        (["--field", "image.layers.9.digest"], "\n"),
        (["--field", "image.size"], "{size}\n"),
        (["--field", "image.exposed_ports"], "443/tcp\n80/tcp\n"),
        (["--field", "platforms"], ""),
        (
            ["--field", "image.labels"],
            '{{"org.opencontainers.image.version":"1.27.3","maintainer":"acme"}}\n',
        ),
        (["--field", "tags_complete"], "true\n"),  # asking for it lists the tags
        (["--format", "skopeo", "--field", "Digest"], "{digest}\n"),
        (["--format", "skopeo", "--field", "Labels.maintainer"], "acme\n"),
        (["--format", "skopeo", "--field", "LayersData.0.Size"], "{size0}\n"),
        (["--format", "skopeo", "--field", "Layers"], "{layer0}\n{layer1}\n"),
    ],
)
def test_field_prints_one_value(
    registry_env: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    images: dict[str, Image],
    args: list[str],
    printed: str,
) -> None:
    layers = RICH_DOCKER.blobs[1:]
    expected = printed.format(
        digest=RICH_DOCKER.digest,
        layer0=layers[0].digest,
        layer1=layers[1].digest,
        size=sum(len(layer.data) for layer in layers),
        size0=len(layers[0].data),
    )
    assert main(["inspect", *args, plain_registry.ref("inspect/rich-docker", "1.0")]) == 0
    assert capsys.readouterr() == (expected, "")


@pytest.mark.parametrize(
    ("args", "asked"),
    [
        (["--field", "tags"], ["--tags"]),
        (["--format", "skopeo", "--field", "RepoTags"], ["--tags"]),
    ],
)
def test_field_of_the_tags_lists_them(
    registry_env: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    images: dict[str, Image],
    args: list[str],
    asked: list[str],
) -> None:
    assert main(["inspect", *args, plain_registry.ref("inspect/rich-docker", "1.0")]) == 0
    out, err = capsys.readouterr()
    assert (sorted(out.splitlines()), err) == (sorted(TAGS), "")


def test_skopeos_transport_prefix_is_accepted(
    registry_env: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    images: dict[str, Image],
) -> None:
    ref = plain_registry.ref("app/oci", "1.0")
    assert main(["inspect", "--field", "name", f"docker://{ref}"]) == 0
    assert capsys.readouterr() == (f"{plain_registry.host}/app/oci\n", "")


def test_registry_text_is_escaped(
    registry_env: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
) -> None:
    evil = "\x1b[31mred\x07\nsecond line"
    plain_registry.push("inspect/evil", "1.0", build_image("evil", labels={"evil": evil}))
    ref = plain_registry.ref("inspect/evil", "1.0")
    assert main(["inspect", "--field", "image.labels.evil", ref]) == 0
    assert capsys.readouterr().out == "\\x1b[31mred\\x07\\nsecond line\n"
    assert main(["inspect", ref]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and json.loads(out)["image"]["labels"]["evil"] == evil


def test_raw_output_to_a_file_and_to_a_terminal(
    registry_env: RegistryEnv,
    capsysbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    plain_registry: Registry,
    images: dict[str, Image],
) -> None:
    # Raw UTF-8 in a JSON string: a C1 control character (CSI), which terminals obey.
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": RICH_OCI.blobs[0].descriptor(),
        "layers": [{**RICH_OCI.blobs[1].descriptor(), "annotations": {"x": "\u009b31mred"}}],
    }
    hostile = Image(OCI_MANIFEST, json.dumps(document, ensure_ascii=False).encode(), RICH_OCI.blobs)
    plain_registry.push("inspect/c1", "1.0", hostile)
    ref, clean = plain_registry.ref("inspect/c1", "1.0"), plain_registry.ref("app/oci", "1.0")
    assert imagepin(capsysbinary, "--raw", "-o", str(tmp_path / "raw"), ref) == (0, b"", "")
    assert (tmp_path / "raw").read_bytes() == hostile.manifest
    assert imagepin(capsysbinary, "--raw", ref) == (0, hostile.manifest, "")  # to a pipe
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert imagepin(capsysbinary, "--raw", ref) == (
        1,
        b"",
        f"imagepin: {ref}: the manifest is refused: it holds control characters, for a "
        "terminal (pipe it, or use --output FILE)\n",
    )
    assert imagepin(capsysbinary, "--raw", clean) == (0, images["app/oci:1.0"].manifest, "")


@pytest.mark.parametrize(
    ("what", "name"), [("--raw", "manifest"), ("--config-blob", "config blob")]
)
def test_bytes_holding_a_credential_are_not_printed(
    registry_login: RegistryEnv,
    capsysbinary: pytest.CaptureFixture[bytes],
    tmp_path: Path,
    basic_tls_registry: Registry,
    what: str,
    name: str,
) -> None:
    """A registry that was sent the password could serve it back for a CI log to show."""
    image = build_image("leak", labels={"x": PASSWORD}, annotations={"x": PASSWORD})
    basic_tls_registry.push("inspect/leak", "1.0", image)
    ref = basic_tls_registry.ref("inspect/leak", "1.0")
    for output in ([], ["--output", str(tmp_path / "out")]):
        assert imagepin(capsysbinary, what, *output, ref) == (
            1,
            b"",
            f"imagepin: {ref}: the {name} is refused: it holds a credential or token "
            "imagepin read\n",
        )
    assert not (tmp_path / "out").exists()
    # Text output is scrubbed instead (linter.redact).
    assert imagepin(capsysbinary, "--field", "image.labels.x", ref) == (0, b"***\n", "")


@pytest.mark.parametrize("what", ["--raw", "--config-blob"])
def test_bytes_that_do_not_hash_to_their_digest_are_not_printed(
    registry_env: RegistryEnv,
    capsysbinary: pytest.CaptureFixture[bytes],
    plain_registry: Registry,
    images: dict[str, Image],
    what: str,
) -> None:
    """The last check before printing, whatever path the bytes came by."""
    ref = plain_registry.ref("app/oci", "1.0")
    details, _ = inspect_sync(parse(ref), RegistryOptions(), Wanted(signatures=False))
    other = "sha256:" + "0" * 64
    assert details.image is not None
    tampered = replace(details, digest=other, image=replace(details.image, config_digest=other))
    args = argparse.Namespace(
        raw=what == "--raw", config_blob=what != "--raw", output=None, ref=ref
    )
    assert inspect_command._write_bytes(args, tampered) == 1
    out, err = capsysbinary.readouterr()
    what_name = "manifest" if what == "--raw" else "config blob"
    body = details.manifest if what == "--raw" else details.image.config_blob
    assert (out, err.decode()) == (
        b"",
        f"imagepin: {ref}: the {what_name} is refused: its sha256 is "
        f"sha256:{hashlib.sha256(body).hexdigest()}, not {other}\n",
    )


#: (options, requests cold for a single image, for an index, requests with the cache
#: warm): plain HTTP, no auth. docs/registry.md shows this table.
COSTS = [
    ([], 5, 6, 3),
    (["--format", "skopeo"], 2, 3, 0),
    (["--format", "skopeo", "--tags"], 3, 4, 1),
    (["--raw"], 1, 1, 0),
    (["--config-blob"], 2, 3, 0),
    (["--field", "digest"], 1, 1, 0),
    (["--field", "image.created"], 2, 3, 0),
    (["--tags", "--field", "tags"], 2, 2, 1),
]


@pytest.mark.parametrize(("options", "single", "index", "warm"), COSTS)
@pytest.mark.parametrize("name", ["app/single:1.0", "app/multi:1.0"])
def test_requests_per_invocation(
    registry_env: RegistryEnv,
    capsysbinary: pytest.CaptureFixture[bytes],
    tmp_path: Path,
    plain_registry: Registry,
    images: dict[str, Image],
    options: list[str],
    single: int,
    index: int,
    warm: int,
    name: str,
) -> None:
    """Counted from the registry's log. The warm run asks only what changes (whether the
    image is signed now, which tags exist): no manifest or blob is read again."""
    ref = f"{plain_registry.host}/{name}"
    counts = []
    for _ in range(2):
        mark = plain_registry.mark()
        code, _, err = imagepin(
            capsysbinary, "--cache-dir", str(tmp_path), "--platform", "linux/amd64", *options, ref
        )
        assert (code, err) == (0, "")
        counts.append(plain_registry.requests(since=mark))
    cold = index if images[name].children else single
    assert [len(requests) for requests in counts] == [cold, warm], counts
    assert not any("/blobs/" in r.path or "/manifests/sha256:" in r.path for r in counts[1])


#: The same invocations on the registry with token auth, an index (``app/multi:1.0``):
#: (registry requests, token requests) cold, with a new cache, then warm.
TOKEN_COSTS = [
    ([], (7, 1), (3, 1)),
    (["--format", "skopeo"], (4, 1), (0, 0)),
    (["--format", "skopeo", "--tags"], (5, 1), (1, 1)),
    (["--raw"], (2, 1), (0, 0)),
    (["--config-blob"], (4, 1), (0, 0)),
    (["--field", "digest"], (2, 1), (0, 0)),
    (["--tags", "--field", "tags"], (3, 1), (1, 1)),
]


@pytest.mark.parametrize(("options", "cold", "warm"), TOKEN_COSTS)
def test_requests_per_invocation_with_token_auth(
    registry_env: RegistryEnv,
    capsysbinary: pytest.CaptureFixture[bytes],
    tmp_path: Path,
    token_registry: Registry,
    options: list[str],
    cold: tuple[int, int],
    warm: tuple[int, int],
) -> None:
    """The first run learns the registry's challenge from a refused request and asks one
    token; the cache keeps the challenge, so a warm run that asks anything asks its token
    at once, and one that asks nothing asks no token either."""
    server = token_registry.token_server
    assert server is not None
    ref = token_registry.ref("app/multi", "1.0")
    counts = []
    for _ in range(2):
        mark, token_mark = token_registry.mark(), server.mark()
        code, _, err = imagepin(
            capsysbinary, "--cache-dir", str(tmp_path), "--platform", "linux/amd64", *options, ref
        )
        assert (code, err) == (0, "")
        counts.append(
            (len(token_registry.requests(since=mark)), len(server.requests_since(token_mark)))
        )
    assert counts == [cold, warm]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--raw", "--format", "json"],
            "--raw prints bytes as the registry serves them: --format does not apply",
        ),
        (
            ["--config-blob", "--tags"],
            "--config-blob prints bytes as the registry serves them: --tags does not apply",
        ),
        (
            ["--field", "digst"],
            "--field 'digst': no field 'digst'; fields: name, tag, digest, media_type, platforms, image, tags, tags_complete, signatures",
        ),
        (
            ["--field", "image.creatd"],
            "--field 'image.creatd': no field 'creatd' in image; fields: platform, digest, media_type, config_digest, created, docker_version, labels, env, entrypoint, cmd, user, working_dir, exposed_ports, layers, size",
        ),
        (
            ["--format", "skopeo", "--field", "digest"],
            "--field 'digest': no field 'digest'; fields: Name, Digest, RepoTags, Created, DockerVersion, Labels, Architecture, Os, Layers, LayersData, Env",
        ),
        (["--field", "image..created"], "--field 'image..created': an empty key"),
    ],
)
def test_usage_errors_before_any_request(
    registry_env: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    args: list[str],
    message: str,
) -> None:
    mark = plain_registry.mark()
    assert main(["inspect", *args, plain_registry.ref("app/single", "1.0")]) == 2
    assert capsys.readouterr() == ("", f"imagepin: error: {message}\n")
    assert plain_registry.requests(since=mark) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--raw", "--config-blob"], "argument --config-blob: not allowed with argument --raw"),
        (["--raw", "--field", "digest"], "argument --field: not allowed with argument --raw"),
        (["--format", "sarif"], "argument --format: invalid choice: 'sarif'"),
        (["--max-tags", "0"], "argument --max-tags: must be at least 1, not 0"),
    ],
)
def test_argument_errors(capsys: pytest.CaptureFixture[str], args: list[str], words: str) -> None:
    assert main(["inspect", *args, "nginx"]) == 2
    assert words in capsys.readouterr().err


def test_field_below_a_string_is_an_error(
    registry_env: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    images: dict[str, Image],
) -> None:
    assert (
        main(["inspect", "--field", "image.created.year", plain_registry.ref("app/oci", "1.0")])
        == 2
    )
    assert capsys.readouterr() == (
        "",
        "imagepin: error: --field 'image.created.year': 'image.created' is a string: "
        "nothing is below it\n",
    )


def test_help_offers_only_what_inspect_takes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", "--help"]) == 0
    text = capsys.readouterr().out
    for option in (
        "--raw",
        "--config-blob",
        "--field PATH",
        "--tags",
        "--max-tags N",
        "--key FILE",
    ):
        assert option in text
    assert "{json,skopeo}" in text
    for foreign in ("sarif", "--offline", "--select", "--concurrency", "--fix"):
        assert foreign not in text
    # Each says what it does in inspect (argparse wraps the help: compare words).
    words = " ".join(text.split())
    for said in (
        "json is imagepin's document, skopeo has skopeo inspect's keys and shapes",
        "the platform whose image is shown (default: this machine's)",
    ):
        assert said in words
    for foreign in ("info findings", "use this platform's manifest"):
        assert foreign not in words
    (commands,) = (
        action
        for action in build_parser("inspect")._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    inspect_parser = commands.choices["inspect"]
    assert all(action.help for action in inspect_parser._actions), [
        action.dest for action in inspect_parser._actions if not action.help
    ]


def test_inspect_not_found_exits_1(
    registry_env: RegistryEnv, capsys: pytest.CaptureFixture[str], plain_registry: Registry
) -> None:
    ref = plain_registry.ref("app/multi", "0.0")
    assert main(["inspect", "--no-cache", ref]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    # Read by GET (the body is needed): the registry's error code comes with it.
    assert err == (
        f"imagepin: {ref}: not-found: {plain_registry.host}: app/multi:0.0 not found "
        "(MANIFEST_UNKNOWN: manifest unknown)\n"
    )
