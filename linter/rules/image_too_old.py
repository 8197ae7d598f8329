from linter.model import Level
from linter.rules import Rule

RULE = Rule(
    id="IMG012",
    name="image-too-old",
    level=Level.WARNING,
    summary="The image was created more than `max-age-days` ago.",
    online=True,
    doc="""\
**What**: with `max-age-days = N`, an image whose config `created` time is
older than N days.

**Why**: old images miss security fixes in their base layers.

**Fix**: rebuild or update to a newer tag, then `imagepin fix --update`.

Not yet checked by this version: the policy issue adds the check.
""",
)
