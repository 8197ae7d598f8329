from collections.abc import Iterator

from linter.model import ErrorKind, Level
from linter.rules import Hit, Rule, Subject


def check(subject: Subject) -> Iterator[Hit]:
    resolution, ref = subject.resolution, subject.reference
    if resolution is None or ref is None:
        return
    if resolution.error is not None and resolution.error.kind is ErrorKind.NOT_FOUND:
        yield Hit(f"{resolution.error.registry}: {resolution.error.message}")
    elif resolution.pinned_exists is False:
        yield Hit(f"digest {ref.digest} does not exist in {ref.name}")


RULE = Rule(
    id="IMG004",
    name="not-found",
    level=Level.ERROR,
    summary="The registry says the tag or digest does not exist.",
    check=check,
    online=True,
    doc="""\
**What**: the registry answered that the tag, the pinned digest or the
repository does not exist.

**Why**: the workload cannot start; a pin to a deleted digest breaks every new
node and every rollback.

**Example**: `image: nginx:1.999`

**Fix**: correct the tag or the digest; `imagepin resolve nginx:1.27` prints
the pinned form of a tag that exists.
""",
)
