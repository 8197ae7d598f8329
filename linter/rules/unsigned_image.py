from linter.model import Level
from linter.rules import Rule

RULE = Rule(
    id="IMG010",
    name="unsigned-image",
    level=Level.ERROR,
    summary="No signature was found for the pinned digest (with `require-signature`).",
    online=True,
    doc="""\
**What**: with `require-signature = true`, an image digest with no cosign or
Notation signature in the registry (OCI referrers API, or the `sha256-<hex>`
and `sha256-<hex>.sig` tags).

**Why**: a signature ties the digest to who built it; without one, a pushed
image can come from anyone with write access to the registry.

**Fix**: sign the image in the build pipeline (`cosign sign`).

Not yet checked by this version: the policy issue adds the check.
""",
)
