"""Ambiguous rules, found and fixed: signals per rule, the revision queue, before/after, draft edge cases.

Modules: `queue` (``revision_queue(pilot: Annotations, *, report=None, bootstrap=1000, ...) ->
RevisionQueue``), `compare` (``compare_versions(before: Annotations, after: Annotations, *,
bootstrap=1000, seed=0, first_look=None) -> Comparison``), `draft` (``newest_base``,
``draft_edge_case``, ``save_draft``), `signals` (one function per signal, each returning an
``Evidence``). See docs/ambiguity.md.
"""
