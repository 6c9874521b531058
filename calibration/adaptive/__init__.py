"""Adaptive calibration: item and annotator models, sequential rule decisions, adaptive quizzes and pilots.

Modules: `irt` (``fit_irt``, ``ItemModel``, ``graded_answers``, ``item_information``,
``ability_eap``), `cat` (the next quiz item), `sequential` (stop a rule early),
`pilot` (the next pilot item, control slice), `group_sequential` (the looks of an adaptive pilot),
`replay` and `pilot_replay` (replays of finished rounds).
The per-rule pass/fail/undecided decisions live in `calibration.agreement.decisions`. See docs/adaptive.md.
"""
