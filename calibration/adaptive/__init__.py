"""Adaptive calibration: the item and annotator model (IRT) fitted from answers on gold items.

Public API: `calibration.adaptive.irt` (``fit_irt``, ``ItemModel``, ``graded_answers``,
``item_information``, ``ability_eap``). The per-rule pass/fail/undecided decisions live in
`calibration.agreement.decisions`. See docs/adaptive.md.
"""
