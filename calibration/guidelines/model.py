"""Pydantic models of a guideline version: task, labels, policy, rules, examples and the quiz bank.

The models check structure and types. Cross-field checks (answers valid for the task, references
to known rules and labels, duplicate ids) are `Guideline.problems()`, which the loader turns into
located messages; constructing a `Guideline` directly runs them too and raises on the first batch.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from calibration.answers import parse_answer
from calibration.guidelines.basics import LABEL_TASKS, SEMVER
from calibration.guidelines.checks import guideline_problems

TaskType = Literal["single_label", "multi_label", "span", "rating", "pairwise", "ranking", "boxes"]
Level = Literal["nominal", "ordinal", "interval", "ratio"]
FeedbackMode = Literal["immediate", "at_end"]
DEFAULT_MIN_IOU = 0.5
IMAGE_TYPES: dict[str, str] = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
QuizPolicy = Literal["fixed", "adaptive"]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class Frozen(BaseModel):
    """Base of every guideline model: unknown fields are refused, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


# --------------------------------------------------------------------------- task


class Label(Frozen):
    """A label (class or span type) the annotator can choose."""

    id: str = Field(pattern=ID_PATTERN, description="Stable label id used in answers, e.g. INDEMNIFICATION.")
    name: str = Field(description="Human-readable name shown in the quiz.")
    description: str = Field(default="", description="What the label means (markdown).")
    color: str | None = Field(default=None, description="Optional highlight colour for span labels.")


class Scale(Frozen):
    """An integer rating scale with optional anchor text per point."""

    min: int = Field(description="Lowest point of the scale.")
    max: int = Field(description="Highest point of the scale.")
    anchors: dict[int, str] = Field(default_factory=dict, description="Text describing a point, by point.")

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"scale max ({self.max}) must be greater than min ({self.min})")
        outside = [p for p in self.anchors if not self.min <= p <= self.max]
        if outside:
            raise ValueError(f"anchors {outside} are outside the scale {self.min}..{self.max}")
        return self

    @property
    def points(self) -> list[int]:
        return list(range(self.min, self.max + 1))


class Task(Frozen):
    """What annotators do: the task type and its answer space."""

    type: TaskType = Field(description="single_label, multi_label, span, rating, pairwise, ranking or boxes.")
    instructions: str = Field(default="", description="Short instruction shown above every quiz item.")
    labels: list[Label] = Field(default_factory=list, description="Labels for label, span and boxes tasks.")
    scale: Scale | None = Field(default=None, description="Rating scale (rating tasks only).")
    level: Level | None = Field(
        default=None,
        description="Level of measurement for agreement; default nominal, ordinal for rating tasks.",
    )
    allow_tie: bool = Field(default=True, description="Pairwise tasks: whether 'tie' is a valid answer.")
    candidates: int | None = Field(default=None, ge=2, description="Ranking tasks: number of candidates.")
    min_iou: float = Field(
        default=DEFAULT_MIN_IOU,
        gt=0,
        le=1,
        description="Boxes tasks: a box matches a gold box when their intersection over union is at "
        "least this (0 < min_iou <= 1) and the labels agree.",
    )

    @model_validator(mode="after")
    def _fits_type(self) -> Task:
        if self.type in LABEL_TASKS and not self.labels:
            raise ValueError(f"a {self.type} task needs at least one label under task.labels")
        if self.type != "boxes" and self.min_iou != DEFAULT_MIN_IOU:
            raise ValueError(f"min_iou applies to boxes tasks only, not to a {self.type} task")
        if self.type == "rating" and self.scale is None:
            raise ValueError("a rating task needs task.scale with min and max")
        if self.type == "ranking" and self.candidates is None:
            raise ValueError("a ranking task needs task.candidates (the number of candidates)")
        return self

    @property
    def label_ids(self) -> list[str]:
        return [label.id for label in self.labels]

    @property
    def measurement_level(self) -> Level:
        if self.level is not None:
            return self.level
        return "ordinal" if self.type == "rating" else "nominal"

    @property
    def categories(self) -> list[Any]:
        """The declared answer categories for chance-agreement terms (labels, scale points, a/b/tie)."""
        if self.type in LABEL_TASKS:
            return self.label_ids
        if self.type == "rating":
            assert self.scale is not None
            return self.scale.points
        if self.type == "pairwise":
            return ["a", "b", "tie"] if self.allow_tie else ["a", "b"]
        return []


# --------------------------------------------------------------------------- inputs


def _image_field() -> Any:
    return Field(
        default=None,
        description="PNG or JPEG file shown with the input, relative to the guideline file "
        "(e.g. images/street-01.png).",
    )


def _alt_field() -> Any:
    return Field(
        default=None, description="Text alternative of the image (required with image), for screen readers."
    )


class ImageFields(Frozen):
    """Base of the inputs: an optional image (PNG or JPEG next to the guideline file) with its alt text.

    Each input declares ``image`` and ``alt`` itself, so they follow the input's own fields in
    dumps and messages; this base checks them.
    """

    if TYPE_CHECKING:
        image: str | None
        alt: str | None

    @model_validator(mode="after")
    def _alt_with_image(self) -> ImageFields:
        if self.image is not None:
            if not self.image.strip():
                raise ValueError("image must be a file path such as images/street-01.png")
            if self.alt is None or not self.alt.strip():
                raise ValueError("an input with an image needs alt: a short description of the image")
        elif self.alt is not None:
            raise ValueError("alt describes an image: give image too, or remove alt")
        return self


class TextInput(ImageFields):
    """A text to label, an image, or both; a plain string in YAML is shorthand for ``{text: ...}``.

    Label, span and rating tasks label the text (an image may sit beside it, or replace it for
    image classification); boxes tasks box objects in the image and the text is optional.
    """

    text: str = Field(default="", description="The text the annotator labels (optional with an image).")
    image: str | None = _image_field()
    alt: str | None = _alt_field()
    context: str | None = Field(default=None, description="Optional context shown with the text.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Free metadata (source, ...).")

    @model_validator(mode="after")
    def _text_or_image(self) -> TextInput:
        if "text" not in self.model_fields_set and self.image is None:
            raise ValueError("an input needs text, an image, or both")
        return self

    @model_serializer(mode="wrap")
    def _keep_text(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a dump without defaults must keep an empty text when there is no image, or it would not load
        data: dict[str, Any] = handler(self)
        if self.image is None and "text" not in data:
            data = {"text": self.text, **data}
        return data


class PairInput(ImageFields):
    """Pairwise preference input: a prompt and two replies (and an optional image)."""

    prompt: str = Field(description="The prompt both replies answer.")
    a: str = Field(description="Reply A.")
    b: str = Field(description="Reply B.")
    image: str | None = _image_field()
    alt: str | None = _alt_field()
    metadata: dict[str, Any] = Field(default_factory=dict, description="Free metadata.")


class RankingInput(ImageFields):
    """Ranking input: a prompt and candidates by id (and an optional image)."""

    prompt: str = Field(description="The prompt the candidates answer.")
    candidates: dict[str, str] = Field(description="Candidate text by candidate id.")
    image: str | None = _image_field()
    alt: str | None = _alt_field()
    metadata: dict[str, Any] = Field(default_factory=dict, description="Free metadata.")


Input = TextInput | PairInput | RankingInput


def _coerce_input(value: Any) -> Any:
    if isinstance(value, str):
        return {"text": value}
    return value


# --------------------------------------------------------------------------- rules


class Example(Frozen):
    """Teaching material: an input with its gold answer and the rationale."""

    id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="Optional id, unique in the guideline."
    )
    input: Input = Field(description="The input, shaped by task type.")
    answer: Any = Field(description="The gold answer, shaped by task type.")
    why: str = Field(default="", description="Why this is the answer (markdown).")

    _coerce = field_validator("input", mode="before")(_coerce_input)


class Rule(Frozen):
    """A guideline rule. Its id is stable across versions so agreement can be compared."""

    id: str = Field(pattern=ID_PATTERN, description="Stable rule id, kept across versions.")
    title: str = Field(description="Short title.")
    text: str = Field(description="The rule (markdown).")
    labels: list[str] = Field(default_factory=list, description="Ids of the labels this rule governs.")
    examples: list[Example] = Field(default_factory=list, description="Examples with gold and rationale.")
    edge_cases: list[Example] = Field(default_factory=list, description="Hard cases with gold and rationale.")


class Item(Frozen):
    """A quiz-bank item; never shown as teaching material."""

    id: str = Field(pattern=ID_PATTERN, description="Unique item id.")
    input: Input = Field(description="The input, shaped by task type.")
    rules: list[str] = Field(min_length=1, description="Ids of the rules this item exercises.")
    answer: Any = Field(default=None, description="Gold answer; absent for pilot-only items.")
    why: str = Field(default="", description="Rationale shown as feedback after answering.")
    edge_case: bool = Field(default=False, description="A hard boundary case; weighted up in quizzes.")

    _coerce = field_validator("input", mode="before")(_coerce_input)

    @property
    def has_gold(self) -> bool:
        return self.answer is not None


# --------------------------------------------------------------------------- policy, changelog


DEFAULT_RULE_THRESHOLD = 0.8
"""The accuracy a rule is held to when the policy sets neither pass_rule_accuracy nor pass_accuracy."""


class Policy(Frozen):
    """How calibration quizzes are built and passed, and what agreement a pilot aims at."""

    pass_kappa: float | None = Field(
        default=0.8, ge=-1, le=1, description="Minimum Cohen's kappa against gold."
    )
    pass_accuracy: float | None = Field(
        default=None, ge=0, le=1, description="Minimum accuracy against gold."
    )
    pass_rule_accuracy: float | None = Field(
        default=None, ge=0, le=1, description="Minimum accuracy on every rule; failed rules are retaken."
    )
    min_items_per_rule: int = Field(default=3, ge=1, description="Quiz items per rule, at least.")
    items_per_quiz: int = Field(default=20, ge=1, description="Items in one calibration quiz.")
    feedback: FeedbackMode = Field(
        default="immediate", description="Show gold after each item or at the end."
    )
    pilot_target: float = Field(
        default=0.8, ge=-1, le=1, description="Target chance-corrected agreement in pilots."
    )
    pilot_overlap: int = Field(default=3, ge=2, description="Annotators per item in pilot rounds.")
    decision_confidence: float = Field(
        default=0.95,
        gt=0.5,
        lt=1,
        description="Posterior probability that decides a rule pass or fail (docs/adaptive.md).",
    )
    policy: QuizPolicy = Field(
        default="fixed",
        description="fixed: a quiz of items_per_quiz items; adaptive: items chosen one at a time until "
        "every rule is decided (docs/adaptive.md).",
    )
    max_items: int = Field(default=60, ge=1, description="Adaptive quizzes: at most this many items.")

    @property
    def rule_threshold(self) -> float:
        """The accuracy every rule is held to: pass_rule_accuracy, else pass_accuracy, else 0.8."""
        if self.pass_rule_accuracy is not None:
            return self.pass_rule_accuracy
        return self.pass_accuracy if self.pass_accuracy is not None else DEFAULT_RULE_THRESHOLD

    @property
    def adaptive_mark(self) -> float:
        """The rule mark an adaptive quiz tests: `rule_threshold` kept within [0.05, 0.95]."""
        return min(max(self.rule_threshold, 0.05), 0.95)


class ChangelogEntry(Frozen):
    """What changed in one version."""

    version: str = Field(description="The version this entry describes.")
    date: dt.date = Field(description="Release date (YYYY-MM-DD).")
    changes: str = Field(description="What changed and why.")
    rules: list[str] = Field(default_factory=list, description="Ids of the rules that changed.")


# --------------------------------------------------------------------------- guideline


class Guideline(Frozen):
    """One version of a labeling guideline."""

    format: Literal[1] = Field(description="Format version of this file; always 1.")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Guideline id; the folder name.")
    version: str = Field(description="Semantic version, e.g. 1.2.0; the file name.")
    title: str = Field(description="Title.")
    summary: str = Field(default="", description="What the guideline is for (markdown).")
    owners: list[str] = Field(default_factory=list, description="Who maintains it (names or emails).")
    changelog: list[ChangelogEntry] = Field(default_factory=list, description="Per-version changes.")
    task: Task = Field(description="Task type and answer space.")
    calibration: Policy = Field(default_factory=Policy, description="Calibration and pilot policy.")
    rules: list[Rule] = Field(min_length=1, description="The rules.")
    items: list[Item] = Field(default_factory=list, description="The hidden quiz bank.")
    items_file: str | None = Field(
        default=None, description="Sibling YAML or JSONL file holding more quiz items (loaded into items)."
    )

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not SEMVER.match(value):
            raise ValueError(f"version {value!r} is not a semantic version such as 1.0.0")
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Guideline:
        problems = self.problems()
        if not problems:
            return self
        collector = (info.context or {}).get("problems") if info.context else None
        if isinstance(collector, list):
            collector.extend(problems)
            return self
        raise ValueError("; ".join(f"{'.'.join(map(str, p[0]))}: {p[1]}" for p in problems))

    # ----------------------------------------------------------------- lookups

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def feedback_rules(self, item: Item) -> list[Rule]:
        """The rules of an item in the order feedback shows them: first the rules that govern a label
        of the gold answer (``Rule.labels``), then the others, each group in the item's own order.

        For item cc-018 (gold INDEMNIFICATION, rules R-IP, R-INDEM) R-INDEM comes first: it is the
        rule that says why the answer is what it is. Unknown rule ids are left out.
        """
        gold = _labels_in(item.answer)
        known = [r for rule_id in item.rules for r in self.rules if r.id == rule_id]
        return sorted(known, key=lambda rule: not gold & set(rule.labels))  # stable: item order kept

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def label(self, label_id: str) -> Label:
        for label in self.task.labels:
            if label.id == label_id:
                return label
        raise KeyError(label_id)

    @property
    def rule_ids(self) -> list[str]:
        return [rule.id for rule in self.rules]

    @property
    def ref(self) -> str:
        """``id@version``, the way the CLI and the app name a guideline version."""
        return f"{self.id}@{self.version}"

    def item_rules(self) -> dict[str, list[str]]:
        """Rule ids per quiz item."""
        return {item.id: list(item.rules) for item in self.items}

    def gold_answers(self) -> dict[str, Any]:
        """Canonical gold answer per item that has one (see `calibration.answers.parse_answer`)."""
        return {
            item.id: parse_answer(self.task, item.answer, item.input)
            for item in self.items
            if item.answer is not None
        }

    # ----------------------------------------------------------------- cross-field checks

    def problems(self) -> list[tuple[tuple[str | int, ...], str, str | None]]:
        """Cross-field problems as ``(field path, message, hint)``; empty when consistent."""
        return guideline_problems(self)


def _labels_in(answer: Any) -> set[str]:
    """Every label id a gold answer names: a label, a list of labels, spans or boxes with a ``label``."""
    if isinstance(answer, str):
        return {answer}
    if isinstance(answer, list | tuple):
        return set().union(*(_labels_in(part) for part in answer)) if answer else set()
    if isinstance(answer, dict):
        return _labels_in(answer.get("label"))
    return set()
