"""Ambiguous rules, found and fixed: signals per rule, the revision queue, before/after, draft edge cases.

Public API::

    revision_queue(pilot: Annotations, *, report=None, bootstrap=1000, seed=0, min_items=10, n_worst=3,
                   n_hardest=10) -> RevisionQueue
    compare_versions(before: Annotations, after: Annotations, *, bootstrap=1000, seed=0, first_look=None)
        -> Comparison
    newest_base(guideline_id, *, published_versions, load_published, guidelines_dir) -> DraftBase
    draft_edge_case(pilot, rule_id, item_id, *, why, answer=None, base=None, ...) -> Draft
    save_draft(draft, guidelines_dir) -> Path

Submodules are imported on first use so that ``import calibration.ambiguity`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Comparison": "calibration.ambiguity.compare",
    "RuleComparison": "calibration.ambiguity.compare",
    "compare_versions": "calibration.ambiguity.compare",
    "Draft": "calibration.ambiguity.draft",
    "DraftBase": "calibration.ambiguity.draft",
    "newest_base": "calibration.ambiguity.draft",
    "draft_edge_case": "calibration.ambiguity.draft",
    "save_draft": "calibration.ambiguity.draft",
    "QueueEntry": "calibration.ambiguity.queue",
    "RevisionQueue": "calibration.ambiguity.queue",
    "revision_queue": "calibration.ambiguity.queue",
    "Evidence": "calibration.ambiguity.signals",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'calibration.ambiguity' has no attribute {name!r}")
