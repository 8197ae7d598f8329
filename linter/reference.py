"""The image reference grammar, as distribution/reference parses and normalizes it.

See docs/reference-grammar.md for the decisions where clients disagree (tag and
digest together are kept; the path alone is capped at 255 characters).
"""

from __future__ import annotations

import re

from linter.records import Record

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
DOCKER_HUB_API_HOST = "registry-1.docker.io"
OFFICIAL_NAMESPACE = "library"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255

_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_AND_PORT = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"

_REFERENCE_RE = re.compile(
    rf"((?:{_DOMAIN_AND_PORT}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
    rf"(?::({_TAG}))?(?:@({_DIGEST}))?",
    re.ASCII,
)
_TAG_RE = re.compile(_TAG, re.ASCII)
_IDENTIFIER_RE = re.compile(r"[a-f0-9]{64}")
_DIGEST_SIZES = {"sha256": 64, "sha512": 128}


class InvalidReference(ValueError):
    """A string that is not a valid image reference; the message says why."""


class Reference(Record):
    """A parsed, normalized image reference: ``domain/path[:tag][@digest]``."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The fully-qualified repository name, e.g. ``docker.io/library/nginx``."""
        return f"{self.domain}/{self.path}"

    @property
    def api_host(self) -> str:
        """The host that serves the registry API for this domain."""
        return DOCKER_HUB_API_HOST if self.domain == DEFAULT_DOMAIN else self.domain

    @property
    def effective_tag(self) -> str | None:
        """The tag a client pulls: the written one, ``latest`` when neither tag nor digest."""
        if self.tag is None and self.digest is None:
            return DEFAULT_TAG
        return self.tag

    def __str__(self) -> str:
        return self.name + _suffix(self.tag, self.digest)

    def familiar(self) -> str:
        """The short form people write: ``nginx:1.27``, ``user/app``, ``ghcr.io/o/a:1``."""
        name = self.name
        if self.domain == DEFAULT_DOMAIN:
            name = self.path
            prefix = OFFICIAL_NAMESPACE + "/"
            if name.startswith(prefix) and "/" not in name[len(prefix) :]:
                name = name[len(prefix) :]
        return name + _suffix(self.tag, self.digest)

    def with_digest(self, digest: str) -> Reference:
        """The same reference pinned to ``digest``; the tag is kept."""
        return self._replace(digest=validate_digest(digest))

    def with_tag(self, tag: str | None) -> Reference:
        return self._replace(tag=tag)


def quoted(text: str, limit: int = 100) -> str:
    """``text`` quoted for a message, cut short: a hostile file may hold a 1 MB "reference"."""
    quoted = repr(text[:limit])
    if len(text) <= limit and len(quoted) <= limit + 20:
        return quoted
    return f"{quoted[:limit]}… ({len(text)} characters)"


def is_tag(text: str) -> bool:
    """``text`` is a valid tag (``[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}``)."""
    return _TAG_RE.fullmatch(text) is not None


def _suffix(tag: str | None, digest: str | None) -> str:
    return (f":{tag}" if tag is not None else "") + (f"@{digest}" if digest is not None else "")


def validate_digest(digest: str) -> str:
    """Return ``digest`` if it is a valid, supported digest; raise InvalidReference otherwise."""
    if not re.fullmatch(_DIGEST, digest, re.ASCII):
        raise InvalidReference(f"invalid digest format: {quoted(digest)}")
    algorithm, _, encoded = digest.partition(":")
    size = _DIGEST_SIZES.get(algorithm)
    if size is None:
        raise InvalidReference(f"unsupported digest algorithm: {quoted(algorithm)}")
    if not re.fullmatch(r"[a-f0-9]+", encoded):
        raise InvalidReference(f"invalid digest format: {quoted(digest)} (lowercase hex required)")
    if len(encoded) != size:
        raise InvalidReference(
            f"invalid digest length: {algorithm} needs {size} hex characters, got {len(encoded)}"
        )
    return digest


def _split_domain(name: str) -> tuple[str, str]:
    """distribution/reference splitDockerDomain."""
    first, sep, rest = name.partition("/")
    if not sep:
        return DEFAULT_DOMAIN, f"{OFFICIAL_NAMESPACE}/{name}"
    if first == "localhost" or "." in first or ":" in first or first != first.lower():
        domain, path = first, rest
    else:
        domain, path = DEFAULT_DOMAIN, name
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in path:
        path = f"{OFFICIAL_NAMESPACE}/{path}"
    return domain, path


def parse(text: str) -> Reference:
    """Parse and normalize ``text`` like ``ParseNormalizedNamed``; tag and digest both kept."""
    if not text:
        raise InvalidReference("empty reference")
    if _IDENTIFIER_RE.fullmatch(text):
        raise InvalidReference("a 64-character hex string is an image ID, not a reference")
    name, tag, digest = _split_reference(text)
    domain, path = _split_domain(name)
    _check_port(domain, text)
    if path != path.lower():
        raise InvalidReference(f"repository name must be lowercase: {quoted(text)}")
    if len(path) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidReference(
            f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
        )
    if digest is not None:
        validate_digest(digest)
    return Reference(domain=domain, path=path, tag=tag, digest=digest)


def parsed(text: str) -> Reference | None:
    """``parse(text)``, or None where it raises InvalidReference: for a name that may be no
    reference at all (a substitution, a word)."""
    try:
        return parse(text)
    except InvalidReference:
        return None


def _check_port(domain: str, text: str) -> None:
    """A registry port a connection can use: the grammar takes any digits, a socket 1-65535."""
    _, colon, port = domain.rpartition(":")
    if not (colon and port.isdigit()):
        return  # no port (an IPv6 literal's colons end before its "]")
    number = port.lstrip("0")
    # Its length first: int() refuses strings of more than 4,300 digits.
    if len(number) > 5 or not 0 < int(number or "0") < 65536:
        raise InvalidReference(f"registry port {quoted(port, 10)} is out of range: {quoted(text)}")


def _split_reference(text: str) -> tuple[str, str | None, str | None]:
    match = _REFERENCE_RE.fullmatch(text)
    if match is not None:
        return match.group(1), match.group(2), match.group(3)
    # Re-match case-insensitively only to give the uppercase error distribution gives.
    lowered = _REFERENCE_RE.fullmatch(_lower_name(text))
    if lowered is not None:
        raise InvalidReference(f"repository name must be lowercase: {quoted(text)}")
    raise InvalidReference(_explain(text))


def _lower_name(text: str) -> str:
    """Lowercase the name part only (before any tag or digest)."""
    at = text.find("@")
    head, tail = (text, "") if at < 0 else (text[:at], text[at:])
    colon = head.rfind(":")
    if colon > head.rfind("/"):
        return head[:colon].lower() + head[colon:] + tail
    return head.lower() + tail


def _explain(text: str) -> str:
    head, _, digest = text.partition("@")
    colon = head.rfind(":")
    if colon > head.rfind("/"):
        tag = head[colon + 1 :]
        if not _TAG_RE.fullmatch(tag):
            if len(tag) > 128:
                return f"tag is longer than 128 characters: {quoted(text)}"
            return f"invalid tag {quoted(tag)}: {quoted(text)}"
    if digest and not re.fullmatch(_DIGEST, digest, re.ASCII):
        return f"invalid digest format: {quoted(text)}"
    if any(ch.isspace() for ch in text):
        return f"reference contains whitespace: {quoted(text)}"
    return f"invalid reference format: {quoted(text)}"


def pinned(written: str, digest: str) -> str:
    """The written reference pinned to ``digest``, as written otherwise.

    ``nginx`` -> ``nginx:latest@sha256:…``; ``nginx:1.27@sha256:old`` -> ``nginx:1.27@sha256:new``.
    The name is never normalized: the file keeps ``nginx``, not ``docker.io/library/nginx``.
    """
    validate_digest(digest)
    head = written.split("@", 1)[0]
    colon = head.rfind(":")
    has_tag = colon > head.rfind("/")
    if not has_tag and "@" not in written:
        head += ":" + DEFAULT_TAG
    return f"{head}@{digest}"
