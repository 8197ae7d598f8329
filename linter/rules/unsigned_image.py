from collections.abc import Iterator

from linter.model import Level, SignatureState
from linter.rules import Hit, Rule, Subject


def check(subject: Subject) -> Iterator[Hit]:
    resolution = subject.resolution
    if not subject.config.require_signature or resolution is None or resolution.error is not None:
        return
    status = resolution.signature
    if status is None or status.state in (SignatureState.VERIFIED, SignatureState.FOUND):
        return
    if status.state is SignatureState.MISSING:
        yield Hit(f"no cosign or Notation signature found for {status.digest}")
    else:
        yield Hit(f"the signature of {status.digest} does not verify: {status.reason}")


RULE = Rule(
    id="IMG010",
    name="unsigned-image",
    level=Level.ERROR,
    summary="No signature was found for the pinned digest (with `require-signature`).",
    check=check,
    online=True,
    doc="""\
**What**: with `require-signature = true`, an image digest with no cosign or
Notation signature in the registry: none in the OCI referrers API (or, where
the registry has none, the `sha256-<hex>` tag), none in cosign's
`sha256-<hex>.sig` tag. With `signature-keys = ["cosign.pub"]` a signature
must also verify: a cosign signature over the exact payload, by one of the
keys, whose payload names this digest and this repository. A signature that
exists but does not verify is reported with the reason.

**Why**: a signature ties the digest to who built it; without one, a pushed
image can come from anyone with write access to the registry.

**Example**: `image: registry.internal:5000/api:2.1@sha256:…` built by hand
and pushed from a laptop.

**Fix**: sign the image in the build pipeline (`cosign sign --key cosign.key`).

**Network**: 3 requests per unsigned digest on a registry without the
referrers API, 4 for a signed one when keys are configured (docs/policy.md).
""",
)
