"""Dawid-Skene annotator confusion matrices and item posteriors, by EM on numpy arrays.

Dawid & Skene (1979), "Maximum likelihood estimation of observer error-rates using the EM algorithm".
Each annotator w has a confusion matrix ``pi[w, j, l] = P(answers l | true class j)``; classes have
priors ``rho``. EM alternates

- E-step: ``T[i, j] ∝ rho_j * prod_{answers (w, l) of i} pi[w, j, l]`` (in logs, one ``np.bincount``
  per class over all answers),
- M-step: ``pi[w, j, l] ∝ sum_{answers (i, w, l)} T[i, j]``, ``rho = mean_i T[i]``,

starting from the majority-vote distribution, until the log-likelihood gains less than `tol`
(the same schedule as crowd-kit's ``DawidSkene(n_iter=100, tol=1e-5)``). Items with gold answers keep
their gold class fixed (``T`` one-hot), as crowd-kit's ``true_labels``. Zero probabilities are
clipped at 1e-10 before taking logs.

Public API::

    fit_dawid_skene(responses, categories, n_iter=100, tol=1e-5, gold=None) -> DawidSkeneResult
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from calibration.agreement.encoding import encode
from calibration.errors import DataError
from calibration.responses import ANNOTATOR, ITEM

EPS = 1e-10


@dataclass(frozen=True)
class DawidSkeneResult:
    """A fitted Dawid-Skene model (names follow crowd-kit: trailing underscores are fitted values).

    Attributes:
        labels_: Series indexed by item_id: the most likely class.
        probas_: DataFrame items x classes: posterior probabilities (rows sum to 1).
        probability_: Series indexed by item_id: the posterior of the most likely class.
        priors_: Series indexed by class: the class priors.
        errors_: DataFrame indexed by (annotator_id, observed class), columns = true class:
            ``P(observed | true)`` (each annotator's column sums to 1), as crowd-kit's ``errors_``.
        confusions_: dict annotator_id -> DataFrame true class (index) x answered class (columns).
        competence_: Series indexed by annotator_id: ``sum_j rho_j pi[w, j, j]``.
        accuracy_on_labels_: Series indexed by annotator_id: share of their answers equal to labels_.
        n_iter_: iterations run; log_likelihood_: final observed-data log-likelihood.
    """

    labels_: pd.Series
    probas_: pd.DataFrame
    probability_: pd.Series
    priors_: pd.Series
    errors_: pd.DataFrame
    confusions_: dict[str, pd.DataFrame]
    competence_: pd.Series
    accuracy_on_labels_: pd.Series
    n_iter_: int
    log_likelihood_: float


def _categories(categories: Any) -> list[Any] | None:
    if categories is None:
        return None
    if hasattr(categories, "categories") and hasattr(categories, "type"):
        return list(categories.categories) or None  # a Task
    return list(categories)


def _m_step(by_cell: csr_matrix, probas: np.ndarray, w: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Errors ``pi[w, j, l]`` (soft counts of (annotator, answer) per true class, row-normalised) and priors."""
    soft = np.asarray(by_cell @ probas)  # (w * k cells, j)
    errors = soft.reshape(w, k, k).transpose(0, 2, 1)  # (w, j, l)
    errors = errors / np.maximum(errors.sum(axis=2, keepdims=True), EPS)
    return errors, probas.mean(axis=0)


def _e_step(by_item: csr_matrix, errors: np.ndarray, priors: np.ndarray) -> tuple[np.ndarray, float]:
    """Item posteriors ``T[i, j]`` and the observed-data log-likelihood.

    log posterior = log prior + sum over the item's answers of log errors[w, j, l].
    """
    w, k, _ = errors.shape
    log_err = np.log(np.clip(errors, EPS, None)).transpose(0, 2, 1).reshape(w * k, k)  # (cell, j)
    log_post = np.asarray(by_item @ log_err) + np.log(np.clip(priors, EPS, None))
    top = log_post.max(axis=1, keepdims=True)
    norm = np.log(np.exp(log_post - top).sum(axis=1, keepdims=True)) + top
    return np.exp(log_post - norm), float(norm.sum())


def fit_dawid_skene(
    responses: pd.DataFrame,
    categories: Sequence[Any] | Any | None = None,
    n_iter: int = 100,
    tol: float = 1e-5,
    gold: pd.Series | None = None,
) -> DawidSkeneResult:
    """Fit Dawid-Skene by EM.

    Args:
        responses: canonical responses (item_id, annotator_id, answer) with categorical answers.
        categories: the declared classes (or the guideline `Task`); None uses the observed answers.
        n_iter: maximum EM iterations.
        tol: stop when the log-likelihood improves by less than this.
        gold: optional gold classes indexed by item_id; those items keep their gold class.

    Returns:
        A `DawidSkeneResult`.

    Raises:
        DataError: no answers, an answer outside the categories, or a structured (list) answer.
    """
    if len(responses) == 0:
        raise DataError("there are no responses to fit", hint="the responses table is empty")
    cats = _categories(categories)
    sample = responses["answer"].iloc[0]
    if isinstance(sample, tuple | list):
        raise DataError(
            "Dawid-Skene needs one class per answer; this task has structured answers",
            hint="use it with single_label, rating or pairwise tasks",
        )
    enc = encode(responses, cats)
    n, k, w = enc.n_items, enc.q, len(enc.annotators)
    item, worker, label = enc.item_codes, enc.annotator_codes, enc.category_codes

    fixed = np.full(n, -1, dtype=np.int64)
    if gold is not None and len(gold):
        lookup = {c: i for i, c in enumerate(enc.categories)}
        positions = enc.items.get_indexer(gold.index.astype(str))
        for pos, value in zip(positions, gold.to_numpy(), strict=True):
            if pos >= 0 and value in lookup:
                fixed[pos] = lookup[value]
    has_gold = fixed >= 0

    counts = np.bincount(item * k + label, minlength=n * k).reshape(n, k).astype(float)
    probas = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    probas[has_gold] = np.eye(k)[fixed[has_gold]]

    # answers as a sparse items x (annotator, answer) count matrix: both EM steps are sparse products
    cells = worker * k + label
    by_item = csr_matrix((np.ones(len(item)), (item, cells)), shape=(n, w * k))
    by_cell = by_item.T.tocsr()

    previous = -np.inf
    log_lik = -np.inf
    iterations = 0
    errors = np.full((w, k, k), 1.0 / k)
    priors = np.full(k, 1.0 / k)
    for step in range(1, n_iter + 1):
        iterations = step
        errors, priors = _m_step(by_cell, probas, w, k)
        probas, log_lik = _e_step(by_item, errors, priors)
        probas[has_gold] = np.eye(k)[fixed[has_gold]]
        if abs(log_lik - previous) < tol:
            break
        previous = log_lik

    classes = list(enc.categories)
    index = pd.Index(enc.items, name=ITEM)
    probas_df = pd.DataFrame(probas, index=index, columns=pd.Index(classes, name="label"))
    best = probas.argmax(axis=1)
    labels = pd.Series([classes[b] for b in best], index=index, name="label", dtype=object)
    names = [str(a) for a in enc.annotators]
    errors_df = pd.DataFrame(
        errors.transpose(0, 2, 1).reshape(w * k, k),
        index=pd.MultiIndex.from_product([names, classes], names=[ANNOTATOR, "label"]),
        columns=pd.Index(classes, name="true_label"),
    )
    confusions = {
        name: pd.DataFrame(
            errors[a], index=pd.Index(classes, name="true_label"), columns=pd.Index(classes, name="label")
        )
        for a, name in enumerate(names)
    }
    competence = pd.Series(
        [float((priors * np.diag(errors[a])).sum()) for a in range(w)], index=pd.Index(names, name=ANNOTATOR)
    )
    agree = np.bincount(worker, weights=(label == best[item]).astype(float), minlength=w)
    answered = np.bincount(worker, minlength=w)
    accuracy = pd.Series(agree / np.maximum(answered, 1), index=pd.Index(names, name=ANNOTATOR))
    return DawidSkeneResult(
        labels_=labels,
        probas_=probas_df,
        probability_=pd.Series(probas.max(axis=1), index=index, name="probability"),
        priors_=pd.Series(priors, index=pd.Index(classes, name="label"), name="prior"),
        errors_=errors_df,
        confusions_=confusions,
        competence_=competence,
        accuracy_on_labels_=accuracy,
        n_iter_=iterations,
        log_likelihood_=log_lik,
    )
