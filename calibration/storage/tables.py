"""SQLAlchemy 2 tables of the store; the only module that knows SQL types.

Times are stored as naive UTC and read back as aware UTC (`UTCDateTime`), so SQLite and PostgreSQL
behave the same. JSON columns hold answers in their JSON form (`calibration.answers.answer_to_json`),
guideline snapshots (`Guideline.model_dump(mode="json")`) and free settings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime stored as naive UTC (SQLite keeps no time zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use an aware datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints the same everywhere."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A person: lead (runs rounds), author (writes guidelines) or annotator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Signed into every session cookie; sign-out, a password change and deactivation bump it, so
    # every cookie and open session issued before stops working (checked on every page run).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # "human" or "model": a model's answers are imported from a file (it never signs in, has no
    # password) and stay out of human agreement unless an analysis asks for them.
    kind: Mapped[str] = mapped_column(String(20), default="human", server_default=text("'human'"))
    # Set when a lead chose the password (a reset, or an account added with a temporary one): the
    # user must choose their own at the next sign-in before any page opens (checked on every run).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # "local" (a password or invitation links) or "sso": signed in with single sign-on at least once.
    # Single sign-on proves who they are, and the organisation's account controls access: a local
    # password would be a second way in the provider cannot revoke, so none is added to such an account.
    sign_in_method: Mapped[str] = mapped_column(String(20), default="local", server_default=text("'local'"))


class GuidelineVersion(Base):
    """A published guideline version: a frozen snapshot with its content hash."""

    __tablename__ = "guideline_versions"
    __table_args__ = (UniqueConstraint("guideline_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guideline_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(
        JSON, deferred=True
    )  # large: loaded only on a cache miss
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class GuidelineImage(Base):
    """An image of a published guideline version: its path as written in the guideline, and its bytes.

    Images are part of the frozen version (the content hash covers them), so every app server on
    one database serves the same image.
    """

    __tablename__ = "guideline_images"
    __table_args__ = (UniqueConstraint("guideline_version_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guideline_version_id: Mapped[int] = mapped_column(ForeignKey("guideline_versions.id"))
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # large: loaded when asked for


class Round(Base):
    """A pilot or calibration round on one guideline version."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    guideline_version_id: Mapped[int] = mapped_column(ForeignKey("guideline_versions.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    """When a lead archived the round (hidden from lists and default selections, data kept), or None."""


class Assignment(Base):
    """An item given to an annotator in a round, at a position; one set per attempt number."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("round_id", "annotator_id", "attempt_number", "item_id"),
        Index("ix_assignments_lookup", "round_id", "annotator_id", "attempt_number", "position"),
        Index("ix_assignments_annotator", "annotator_id", "round_id", "attempt_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attempt_number: Mapped[int] = mapped_column(Integer, default=1)
    item_id: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


class Invitation(Base):
    """A one-time invitation to a round, or (``round_id`` NULL) to a new account of ``role``.

    Only the sha256 of the token is stored.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    role: Mapped[str | None] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attempt(Base):
    """One pass of an annotator through their items in a round (calibration rounds allow retakes)."""

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("round_id", "annotator_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    target_rules: Mapped[list[str] | None] = mapped_column(JSON)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the answered item whose immediate feedback the annotator has not dismissed yet (a reload shows it again)
    feedback_item: Mapped[str | None] = mapped_column(String(200))


class Response(Base):
    """An answer; the current one has ``superseded_at`` NULL, earlier ones are its history."""

    __tablename__ = "responses"
    __table_args__ = (
        Index(
            "uq_responses_current",
            "attempt_id",
            "item_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
        Index("ix_responses_round", "round_id", "superseded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    item_id: Mapped[str] = mapped_column(String(200))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[Any] = mapped_column(JSON)
    confidence: Mapped[int | None] = mapped_column(Integer)
    cited_rule: Mapped[str | None] = mapped_column(String(200))
    unclear: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str | None] = mapped_column(Text)
    seconds: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)  # a model's own score for its answer (0-1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Certification(Base):
    """An annotator passed a calibration quiz on a guideline version (a model: no attempt, see certify-model)."""

    __tablename__ = "certifications"
    __table_args__ = (Index("ix_certifications_annotator", "annotator_id", "guideline_version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    guideline_version_id: Mapped[int] = mapped_column(ForeignKey("guideline_versions.id"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"), unique=True)
    score: Mapped[float | None] = mapped_column(Float)
    certified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Adjudication(Base):
    """A lead's final answer for an item of a round, optionally added to the bank as gold."""

    __tablename__ = "adjudications"
    __table_args__ = (Index("ix_adjudications_round_item", "round_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    item_id: Mapped[str] = mapped_column(String(200))
    answer: Mapped[Any] = mapped_column(JSON)
    rationale: Mapped[str] = mapped_column(Text, default="")
    adjudicator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_to_bank: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """Who changed what, when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignInFailure(Base):
    """A sign-in attempt reserved before its password is checked, kept as a failure unless it succeeds.

    ``login`` is the account key (``user:<id>`` for an existing account, whether named by email or
    by name; else ``login:<lowercased login>``), ``client`` the client's address when known.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_login_at", "login", "at"),
        Index("ix_sign_in_failures_client_at", "client", "at"),
        Index("ix_sign_in_failures_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(320))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    client: Mapped[str | None] = mapped_column(String(200))


class ItemModelFit(Base):
    """A fitted item and annotator model (IRT) of one guideline version, from its gold answers.

    ``estimates`` is `calibration.adaptive.irt.ItemModel.to_dict()`: per item difficulty,
    discrimination, answers and share right; per annotator (by name) ability and answers.
    """

    __tablename__ = "item_model_fits"
    __table_args__ = (Index("ix_item_model_fits_version_at", "guideline_version_id", "fitted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guideline_version_id: Mapped[int] = mapped_column(ForeignKey("guideline_versions.id"))
    model: Mapped[str] = mapped_column(String(10))
    n_answers: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300), default="")
    estimates: Mapped[dict[str, Any]] = mapped_column(JSON)
    fitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
