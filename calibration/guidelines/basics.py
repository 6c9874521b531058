"""What the guideline model and its checks share, with no imports of ours but `errors`.

`LABEL_TASKS` (the task types with labels) and semantic versions (`SEMVER`, `version_key`) live here so
that `guidelines.model` can import `guidelines.checks` (its cross-field checks) and `checks` need not
import the model back. `model` and `versions` re-export them.
"""

from __future__ import annotations

import re

from calibration.errors import GuidelineError

LABEL_TASKS: frozenset[str] = frozenset({"single_label", "multi_label", "span", "boxes"})

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def version_key(version: str) -> tuple[object, ...]:
    """A sort key that orders versions by semantic-version precedence (semver.org, section 11).

    Pre-releases sort before their release (1.0.0-rc.1 < 1.0.0); numeric identifiers compare as numbers
    and below alphanumeric ones; a shorter pre-release sorts first when all earlier identifiers are equal;
    build metadata (+...) is ignored.

    Raises:
        GuidelineError: `version` is not a semantic version.
    """
    match = SEMVER.match(version)
    if not match:
        raise GuidelineError(
            f"version {version!r} is not a semantic version such as 1.0.0",
            hint="write MAJOR.MINOR.PATCH, optionally with -prerelease",
        )
    major, minor, patch, pre, _build = match.groups()
    if pre is None:
        pre_key: tuple[object, ...] = (1,)  # a release ranks above all its pre-releases
    else:
        parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
        pre_key = (0, parts)
    return (int(major), int(minor), int(patch), pre_key)
