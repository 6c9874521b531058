"""Agreement and gold scoring: exact statistics per rule, label and annotator, with bootstrap intervals.

Modules (import from them directly; this package imports nothing so the CLI starts fast):

- `coefficients`: percent agreement, Cohen's kappa (weighted on declared positions), Scott's pi,
  Fleiss' kappa, Krippendorff's alpha (nominal/ordinal/interval/ratio, missing data), Gwet's AC1/AC2,
  Brennan-Prediger, all from one units x categories count matrix via per-item sufficient statistics.
- `bootstrap`: one seeded Poisson weights matrix shared by every block and statistic
  (``replicate_sums``), percentile intervals.
- `breakdown`: ``agreement_report(responses, task, *, item_rules=None, gold=None, bootstrap=1000,
  seed=0, level=None) -> AgreementReport``; ``annotations_report(data: Annotations, *, bootstrap, seed)``; ``agreement_by_rule(...) -> DataFrame`` (fast path);
  ``item_agreement(responses, task) -> DataFrame``; ``confused_pairs(responses, task, item_rules)``.
- `boxes`, `box_matching`: bounding-box answers: Krippendorff's alpha with the distance 1 - IoU over boxes
  matched per answer pair, by IoU threshold, label alpha (`box_agreement`, `box_report`, `threshold_table`).
- `structured`: multi-label, span, pairwise and ranking answers as categorical units
  (``unitize``, token units for spans), MASI/Jaccard set alpha, pairwise span F1, Kendall's W.
- `annotators`, `gold_blocks`, `items`: the per-annotator, gold and per-item parts of the report
  (`item_agreement`, `confused_pairs` are re-exported by `breakdown`).
- `results`: the report as frozen dataclasses (`AgreementReport`, `Block`, `AnnotatorBlock`, `BoxBlock`,
  `Statistics` with `Interval` and flags, `GoldFigures`): floats, NaN when undefined; ``to_dict()`` is
  the JSON edge (NaN -> null), ``per_rule_frame()`` the table.
- `encoding`: integer codes (``encode``) of items, annotators and declared categories.
- `gold`: ``score_against_gold(responses, gold, task, item_rules=None, policy=None) -> GoldScore``,
  ``score_annotators(...) -> DataFrame``.
- `decisions`: ``decide_rule(credit, n_items, threshold, confidence=0.95, prior=(1, 1)) ->
  RuleDecision`` (pass/fail/undecided from the Beta-binomial posterior, with the credible interval),
  ``decide_rules(per_rule, threshold)``, ``overall_decision(decisions)``, ``items_to_decide(...)``.
- `dawid_skene`: ``fit_dawid_skene(responses, categories, n_iter=100, tol=1e-5, gold=None)``.

Conventions: chance agreement of AC1/AC2 and Brennan-Prediger uses the guideline's declared
categories; weighted kappa uses declared scale positions; a chance-corrected value is NaN (null in the JSON) with the
flag ``undefined_single_category`` when every answer falls in one category.
"""
