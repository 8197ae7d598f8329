from collections.abc import Iterator
from fnmatch import fnmatchcase

from linter.model import Level
from linter.reference import Reference
from linter.rules import Hit, Rule, Subject


def allowed(ref: Reference, patterns: tuple[str, ...]) -> bool:
    """A host (``quay.io``), a host/namespace prefix (``ghcr.io/acme``) or a glob on the name."""
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            if fnmatchcase(ref.name, pattern):
                return True
        elif ref.domain == pattern or ref.name == pattern or ref.name.startswith(pattern + "/"):
            return True
    return False


def check(subject: Subject) -> Iterator[Hit]:
    ref, patterns = subject.reference, subject.config.allowed_registries
    if ref is None or not patterns or allowed(ref, patterns):
        return
    yield Hit(f"{ref.name} is not in allowed-registries ({', '.join(patterns)})")


RULE = Rule(
    id="IMG007",
    name="untrusted-registry",
    level=Level.ERROR,
    summary="The image comes from a registry or repository outside `allowed-registries`.",
    check=check,
    doc="""\
**What**: with `allowed-registries` configured, a reference whose normalized
name matches none of the entries (hosts, host/namespace prefixes, or globs
such as `docker.io/library/*`).

**Why**: supply-chain policy: images must come from registries you mirror,
scan and trust.

**Example**: `allowed-registries = ["registry.internal:5000"]` and
`image: nginx:1.27` (that is `docker.io/library/nginx`).

**Fix**: use the approved mirror, or extend the policy.
""",
)
