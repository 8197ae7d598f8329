from linter.model import Level
from linter.rules import Rule

RULE = Rule(
    id="IMG000",
    name="yaml-syntax",
    level=Level.ERROR,
    summary="A file that should be linted cannot be parsed.",
    doc="""\
**What**: a YAML file that does not parse, or that cannot be read as text.

**Why**: images in a file that does not parse cannot be checked, and the file
will most likely fail to apply too. Other files are still linted.

**Example**: `image: [nginx` (an unclosed flow sequence).

**Fix**: correct the syntax at the reported line and column. Helm chart
templates (`{{ … }}`) are skipped, not reported.
""",
)
