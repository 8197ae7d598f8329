from collections.abc import Iterator

from linter.model import Level
from linter.rules import Hit, Rule, Subject


def check(subject: Subject) -> Iterator[Hit]:
    resolution, limit = subject.resolution, subject.config.max_age_days
    if limit is None or resolution is None or resolution.created is None:
        return
    # Whole days, as the message counts them: 30 days and an hour is not over 30.
    days = (subject.now - resolution.created).days
    if days > limit:
        yield Hit(
            f"{subject.occurrence.image} was built on {resolution.created:%Y-%m-%d}, "
            f"{days} day{'s' if days != 1 else ''} ago (max-age-days = {limit})"
        )


RULE = Rule(
    id="IMG012",
    name="image-too-old",
    level=Level.WARNING,
    summary="The image was created more than `max-age-days` ago.",
    check=check,
    online=True,
    doc="""\
**What**: with `max-age-days = N`, an image whose config `created` time is
older than N days. For a multi-platform image, the image of `platform` (or
linux/amd64) is the one dated. Reproducible builds that write no real time
(the Unix epoch, as ko and Bazel do) are not judged.

**Why**: old images miss security fixes in their base layers.

**Example**: `max-age-days = 90` and a base image last rebuilt two years ago.

**Fix**: rebuild or update to a newer tag, then `imagepin fix --update`.

**Network**: the platform image's manifest and config blob (and the index,
for a multi-platform image), all cached by digest (30 days).
""",
)
