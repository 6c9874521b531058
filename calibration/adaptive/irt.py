"""Item response theory: per-item difficulty and discrimination, per-annotator ability (2PL or Rasch).

Public API::

    graded_answers(responses, gold, task) -> pd.DataFrame          # item_id, annotator_id, credit
    fit_irt(graded, model="auto") -> ItemModel
    item_information(discrimination, difficulty, ability) -> np.ndarray
    ability_eap(discrimination, difficulty, credit) -> (ability, sd)

The two-parameter logistic model (Birnbaum 1968; Lord 1980): annotator ``j`` answers item ``i``
right with probability ``P = 1 / (1 + exp(-a_i (theta_j - b_i)))``, ``a_i`` the item's
discrimination, ``b_i`` its difficulty and ``theta_j`` the annotator's ability. The Rasch model
(Rasch 1960) holds every ``a_i = 1``.

Fitting is marginal maximum a posteriori: abilities are integrated out over ``N(0, 1)`` (which
fixes the scale) on 21 quadrature nodes with the EM algorithm of Bock & Aitkin (1981), and the
items have weak priors ``b ~ N(0, 2^2)``, ``log a ~ N(0, 0.5^2)`` (Mislevy 1986); each M step runs
L-BFGS-B (scipy) on the analytic gradient, and every step is vectorised over the long table of
answers. Abilities are then the expected a posteriori values (Bock & Mislevy 1982). Joint
estimation of abilities and items together was tried first and shrank the difficulties by half on
30-item quizzes (the incidental-parameter bias; Baker & Kim, *Item Response Theory*, 2004, ch. 7). A span answer's partial
credit (its F1) enters as a fractional outcome (a quasi-likelihood).

``model="auto"`` fits the 2PL when items have a median of at least `MIN_ANSWERS_2PL` answers, else
the Rasch model: a discrimination estimated from a handful of answers is mostly noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import expit

from calibration.agreement.gold import answers_credit
from calibration.errors import DataError
from calibration.responses import ANNOTATOR, ANSWER, ITEM

if TYPE_CHECKING:
    from calibration.guidelines.model import Task

CREDIT = "credit"
MIN_ANSWERS_2PL = 20
"""Median answers per item from which ``model="auto"`` fits the 2PL instead of the Rasch model."""
PRIOR_SD = {"ability": 1.0, "difficulty": 2.0, "log_discrimination": 0.5}
ModelKind = Literal["2pl", "rasch"]
_GRID = np.linspace(-4, 4, 81)
_NODES = np.linspace(-4, 4, 21)
"""Quadrature nodes of the ability distribution N(0, 1) in the EM fit (Bock & Aitkin 1981)."""


@dataclass(frozen=True)
class ItemModel:
    """A fitted item and annotator model.

    Attributes:
        kind: ``2pl`` or ``rasch``.
        items: indexed by item_id: difficulty, discrimination, n_answers, p_correct (share right).
        annotators: indexed by annotator_id: ability, n_answers.
        n_answers: answers the fit used.
        converged: whether the optimiser reported convergence.
    """

    kind: ModelKind
    items: pd.DataFrame
    annotators: pd.DataFrame
    n_answers: int
    converged: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"kind", "n_answers", "converged", "items": {id: {...}}, "annotators": {...}}``."""
        return {
            "kind": self.kind,
            "n_answers": self.n_answers,
            "converged": self.converged,
            "items": {str(k): {c: float(v) for c, v in row.items()} for k, row in self.items.iterrows()},
            "annotators": {
                str(k): {c: float(v) for c, v in row.items()} for k, row in self.annotators.iterrows()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemModel:
        """The inverse of `to_dict`."""
        items = pd.DataFrame.from_dict(data["items"], orient="index", columns=_ITEM_COLUMNS)
        items.index.name = ITEM
        annotators = pd.DataFrame.from_dict(data["annotators"], orient="index", columns=_ANNOTATOR_COLUMNS)
        annotators.index.name = ANNOTATOR
        return cls(
            data["kind"],
            items.astype({"n_answers": int}),
            annotators.astype({"n_answers": int}),
            int(data["n_answers"]),
            bool(data["converged"]),
        )


_ITEM_COLUMNS = ["difficulty", "discrimination", "n_answers", "p_correct"]
_ANNOTATOR_COLUMNS = ["ability", "n_answers"]


def graded_answers(responses: pd.DataFrame, gold: pd.Series, task: Task) -> pd.DataFrame:
    """Each answer on a gold item with its credit (1/0, or the F1 of its spans): the input of `fit_irt`.

    Args:
        responses: canonical responses (item_id, annotator_id, answer); items without gold are dropped.
        gold: canonical gold answers indexed by item_id.

    Returns:
        DataFrame with columns item_id, annotator_id, credit (float in [0, 1]).
    """
    gold = gold.copy()
    gold.index = gold.index.astype(str)
    frame = responses[[ITEM, ANNOTATOR, ANSWER]].astype({ITEM: str, ANNOTATOR: str})
    frame = frame[frame[ITEM].isin(gold.index)].drop_duplicates([ITEM, ANNOTATOR], keep="last")
    credit = answers_credit(
        task.type, list(frame[ANSWER]), list(gold.reindex(frame[ITEM]).to_numpy()), min_iou=task.min_iou
    )
    return pd.DataFrame(
        {ITEM: frame[ITEM].to_numpy(), ANNOTATOR: frame[ANNOTATOR].to_numpy(), CREDIT: credit}
    )


def _check(graded: pd.DataFrame) -> None:
    missing = [c for c in (ITEM, ANNOTATOR, CREDIT) if c not in graded.columns]
    if missing:
        raise DataError(
            f"the graded answers miss the column(s) {', '.join(missing)}",
            hint="build them with calibration.adaptive.irt.graded_answers",
        )
    if graded.empty:
        raise DataError("no answers on gold items to fit the item model on", hint="run a quiz first")
    credit = graded[CREDIT].to_numpy(dtype=float)
    if not np.all((credit >= 0) & (credit <= 1)):
        raise DataError("credit must lie between 0 and 1", hint="1 right, 0 wrong, a span F1 between")


def fit_irt(
    graded: pd.DataFrame,
    model: Literal["auto", "2pl", "rasch"] = "auto",
    *,
    max_iter: int = 200,
    tol: float = 1e-3,
) -> ItemModel:
    """Fit the 2PL (or Rasch) model by marginal maximum a posteriori estimation (module docstring).

    Args:
        graded: long table item_id, annotator_id, credit (`graded_answers`); a repeated
            (item, annotator) pair counts once per row.
        model: ``2pl``, ``rasch``, or ``auto`` (2PL from `MIN_ANSWERS_2PL` median answers per item).
        max_iter: EM cycles at most; tol: stop when no item parameter moves more than this.

    Returns:
        An `ItemModel`; abilities are EAP estimates under the fitted items.

    Raises:
        DataError: missing columns, no answers, or credit outside [0, 1].

    Example:
        >>> import pandas as pd
        >>> graded = pd.DataFrame({"item_id": ["i1", "i1", "i2", "i2"], "annotator_id": ["a", "b", "a", "b"],
        ...                        "credit": [1.0, 1.0, 1.0, 0.0]})
        >>> fitted = fit_irt(graded)
        >>> fitted.kind, bool(fitted.items.loc["i2", "difficulty"] > fitted.items.loc["i1", "difficulty"])
        ('rasch', True)
    """
    _check(graded)
    item_idx, items = pd.factorize(graded[ITEM].astype(str), sort=True)
    person_idx, people = pd.factorize(graded[ANNOTATOR].astype(str), sort=True)
    y = graded[CREDIT].to_numpy(dtype=float)
    n_items, n_people, q = len(items), len(people), len(_NODES)
    counts = np.bincount(item_idx, minlength=n_items)
    kind: ModelKind = (
        model if model != "auto" else ("2pl" if np.median(counts) >= MIN_ANSWERS_2PL else "rasch")
    )
    share = np.bincount(item_idx, y, n_items) / counts
    clipped = np.clip(share, 0.02, 0.98)
    b, alpha = -np.log(clipped / (1 - clipped)), np.zeros(n_items)
    log_prior = -0.5 * _NODES**2
    cells_person = (person_idx[:, None] * q + np.arange(q)[None, :]).ravel()
    cells_item = (item_idx[:, None] * q + np.arange(q)[None, :]).ravel()
    converged = False
    for _ in range(max_iter):
        # E step: each annotator's posterior over the quadrature nodes (Bock & Aitkin 1981)
        a = np.exp(alpha)
        z = a[item_idx, None] * (_NODES[None, :] - b[item_idx, None])
        loglik = np.bincount(cells_person, (y[:, None] * z - _softplus(z)).ravel(), n_people * q)
        log_post = loglik.reshape(n_people, q) + log_prior
        log_post -= log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post)
        post /= post.sum(axis=1, keepdims=True)
        weight = post[person_idx]
        expected = np.bincount(cells_item, weight.ravel(), n_items * q).reshape(n_items, q)
        right = np.bincount(cells_item, (weight * y[:, None]).ravel(), n_items * q).reshape(n_items, q)
        # M step: every item's parameters against its expected counts at the nodes
        new_b, new_alpha = _m_step(expected, right, b, alpha, kind)
        change = max(np.max(np.abs(new_b - b)), np.max(np.abs(new_alpha - alpha)))
        b, alpha = new_b, new_alpha
        if change < tol:
            converged = True
            break
    ability = post @ _NODES
    item_table = pd.DataFrame(
        {"difficulty": b, "discrimination": np.exp(alpha), "n_answers": counts, "p_correct": share},
        index=pd.Index(items, name=ITEM),
    )
    person_table = pd.DataFrame(
        {"ability": ability, "n_answers": np.bincount(person_idx, minlength=n_people)},
        index=pd.Index(people, name=ANNOTATOR),
    )
    return ItemModel(kind, item_table, person_table, len(y), converged)


def _m_step(
    expected: np.ndarray, right: np.ndarray, b: np.ndarray, alpha: np.ndarray, kind: ModelKind
) -> tuple[np.ndarray, np.ndarray]:
    """Maximise each item's expected complete-data log posterior (priors on b and log a)."""
    n_items = len(b)
    s_b, s_alpha = PRIOR_SD["difficulty"], PRIOR_SD["log_discrimination"]

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        bb = x[:n_items]
        al = x[n_items:] if kind == "2pl" else np.zeros(n_items)
        a = np.exp(al)[:, None]
        z = a * (_NODES[None, :] - bb[:, None])
        value = np.sum(right * z - expected * _softplus(z)) - 0.5 * (
            np.sum(bb**2) / s_b**2 + np.sum(al**2) / s_alpha**2
        )
        r = right - expected * expit(z)
        g_b = -np.sum(r * a, axis=1) - bb / s_b**2
        if kind != "2pl":
            return -value, -g_b
        g_alpha = np.sum(r * z, axis=1) - al / s_alpha**2
        return -value, -np.concatenate([g_b, g_alpha])

    start = np.concatenate([b, alpha]) if kind == "2pl" else b
    result = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", options={"maxiter": 50})
    if kind == "2pl":
        return result.x[:n_items], result.x[n_items:]
    return result.x, np.zeros(n_items)


def _softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + exp(z)), stable, and several times faster than np.logaddexp(0, z)."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def item_information(discrimination: np.ndarray, difficulty: np.ndarray, ability: float) -> np.ndarray:
    """Fisher information of each item at `ability`: ``a^2 P (1 - P)`` (Lord 1980, eq. 5-6)."""
    a = np.asarray(discrimination, dtype=float)
    p = expit(a * (ability - np.asarray(difficulty, dtype=float)))
    return a**2 * p * (1 - p)


def ability_eap(
    discrimination: np.ndarray, difficulty: np.ndarray, credit: np.ndarray
) -> tuple[float, float]:
    """Expected a posteriori ability and its posterior sd from answers on items of known parameters.

    The prior is the fit's ``N(0, 1)``; the posterior is evaluated on a grid from -4 to 4 (Bock &
    Mislevy 1982). With no answers this is the prior: ``(0.0, 1.0)`` up to the grid.
    """
    a = np.asarray(discrimination, dtype=float)[:, None]
    b = np.asarray(difficulty, dtype=float)[:, None]
    y = np.asarray(credit, dtype=float)[:, None]
    z = a * (_GRID[None, :] - b)
    log_post = np.sum(y * z - np.logaddexp(0.0, z), axis=0) - 0.5 * _GRID**2
    weights = np.exp(log_post - log_post.max())
    weights /= weights.sum()
    mean = float(np.sum(weights * _GRID))
    return mean, float(np.sqrt(np.sum(weights * (_GRID - mean) ** 2)))


SUSPECT_MIN_ANSWERS = 10
"""Answers an item needs before it can be called suspect."""
SUSPECT_DISCRIMINATION = 0.3
"""A 2PL discrimination below this measures next to nothing."""


def suspect_items(
    graded: pd.DataFrame, model: ItemModel, *, min_answers: int = SUSPECT_MIN_ANSWERS
) -> pd.DataFrame:
    """Quiz items that measure nothing or the opposite: wrong gold or an ambiguous item (Lalor et al. 2016).

    An item is suspect when it has at least `min_answers` answers and either the correlation
    between being right on it and the answerer's ability is zero or negative (strong annotators
    miss it as often as weak ones, or more), or, in a 2PL fit, its discrimination is below
    `SUSPECT_DISCRIMINATION`. The discrimination of the fit cannot turn negative (it is
    parameterised as ``exp(log a)``), so the correlation is what catches reversed items.

    Returns:
        DataFrame indexed by item_id (suspects only, lowest correlation first) with columns
        n_answers, p_correct, discrimination, ability_correlation, reason.
    """
    ability = model.annotators["ability"]
    frame = graded[[ITEM, ANNOTATOR, CREDIT]].astype({ITEM: str, ANNOTATOR: str})
    frame = frame.assign(ability=frame[ANNOTATOR].map(ability).astype(float))
    rows = {}
    for item, part in frame.groupby(ITEM, sort=True):
        if len(part) < min_answers or item not in model.items.index:
            continue
        credit, skill = part[CREDIT].to_numpy(dtype=float), part["ability"].to_numpy(dtype=float)
        corr = float(np.corrcoef(credit, skill)[0, 1]) if credit.std() > 0 and skill.std() > 0 else np.nan
        discrimination = float(model.items.loc[item, "discrimination"])
        reasons = []
        if np.isfinite(corr) and corr <= 0:
            reasons.append(f"strong annotators miss it as often as weak ones or more (r = {corr:.2f})")
        if model.kind == "2pl" and discrimination < SUSPECT_DISCRIMINATION:
            reasons.append(f"discrimination {discrimination:.2f} is below {SUSPECT_DISCRIMINATION}")
        if reasons:
            rows[item] = [len(part), float(credit.mean()), discrimination, corr, "; ".join(reasons)]
    columns = ["n_answers", "p_correct", "discrimination", "ability_correlation", "reason"]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    out.index.name = ITEM
    return out.sort_values("ability_correlation") if len(out) else out
