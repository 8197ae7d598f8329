"""Every rule, in the order the README lists them, and finding one by id or name.

Apart from the package (``Rule``, ``Subject``, ``Hit``): the rule modules import
those, and this module imports the rule modules.
"""

from __future__ import annotations

from linter.rules import Rule


def all_rules() -> tuple[Rule, ...]:
    # Imported here: a run imports each rule module once, when the rules are first listed.
    from linter.rules import (
        dynamic_reference,
        image_too_old,
        invalid_reference,
        latest_tag,
        missing_platform,
        not_found,
        platform_specific_digest,
        stale_digest,
        unpinned_tag,
        unreachable_registry,
        unsigned_image,
        untrusted_registry,
        yaml_syntax,
    )

    modules = (
        yaml_syntax,
        unpinned_tag,
        latest_tag,
        invalid_reference,
        not_found,
        stale_digest,
        dynamic_reference,
        untrusted_registry,
        missing_platform,
        platform_specific_digest,
        unsigned_image,
        unreachable_registry,
        image_too_old,
    )
    return tuple(module.RULE for module in modules)


def lookup(key: str) -> Rule:
    """Find a rule by id (``IMG001``) or name (``unpinned-tag``); KeyError otherwise."""
    wanted = key.strip()
    for rule in all_rules():
        if wanted.upper() == rule.id or wanted.lower() == rule.name:
            return rule
    raise KeyError(key)
