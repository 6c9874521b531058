"""The rounds service: what the app and the CLI call to publish guidelines, run rounds and record answers.

Every public function is one transaction on the given engine (see `calibration.storage.engine`):
it either commits everything it changes or nothing. Functions that change things take the acting
user (`actor`: a `User`, a user id, or `SYSTEM` for the local operator: the CLI and first start)
and raise `PermissionDenied` when the role does not allow the action: leads run rounds, publish and
adjudicate; authors may publish; annotators answer their own attempts only. Every administrative
change is written to the audit log; answers keep their own history in the responses table.

Rounds are named by their (unique) name or by their id (`RoundRef`); guideline versions by
``"id@version"``.

The implementation lives in small modules; this module re-exports their public names so that
``from calibration.rounds import service; service.X`` keeps working:

- `calibration.rounds._common`: actors, round/version look-ups, caches, retries (shared helpers);
- `calibration.rounds.publishing`: guideline versions;
- `calibration.rounds.accounts`: users, sign-in, invitations;
- `calibration.rounds.rounds_admin`: creating, listing and closing rounds;
- `calibration.rounds.attempts`: attempts, answers, finishing and scoring;
- `calibration.rounds.adaptive_pilot`: adaptive pilot rounds (next item, per-rule decisions);
- `calibration.rounds.status`: round status, round responses, audit log, row counts;
- `calibration.rounds.adjudication`: adjudication and certifications;
- `calibration.rounds.importing`: imported answers (a tool's export as a pilot round, a table of answers
  into a pilot), one writer.
"""

from __future__ import annotations

from calibration.answers import MAX_COMMENT as MAX_COMMENT
from calibration.answers import check_answer_extras
from calibration.rounds._common import MAX_NAME as MAX_NAME
from calibration.rounds._common import SYSTEM
from calibration.rounds._common import Actor as Actor
from calibration.rounds._common import RoundRef as RoundRef
from calibration.rounds.accounts import DEFAULT_INVITATION_LIFETIME as DEFAULT_INVITATION_LIFETIME
from calibration.rounds.accounts import (
    authenticate,
    change_own_password,
    create_user,
    deactivate_user,
    get_user,
    has_lead,
    invite,
    list_users,
    redeem_invitation,
    revoke_sessions,
    session_user,
    set_password,
    user_by_email,
)
from calibration.rounds.adaptive_pilot import AdaptivePilotView, adaptive_pilot_status
from calibration.rounds.adjudication import MAX_RATIONALE as MAX_RATIONALE
from calibration.rounds.adjudication import (
    adjudicate,
    adjudications,
    certifications,
)
from calibration.rounds.attempts import (
    RETAKE_CLOSED,
    RETAKE_WAITING,
    AttemptResult,
    RetakeStatus,
    acknowledge_feedback,
    adaptive_pilot_items_left,
    adaptive_progress,
    attempt_result,
    finish_attempt,
    get_attempt,
    my_attempts,
    quiz_items,
    record_answer,
    response_history,
    retake_status,
    seen_before,
    start_or_resume_attempt,
)
from calibration.rounds.attempts import answers_by_item as answers_by_item
from calibration.rounds.importing import import_responses
from calibration.rounds.publishing import (
    get_guideline,
    image_of,
    images_of,
    list_guideline_versions,
    publish,
    publish_conflict,
    publish_guideline,
)
from calibration.rounds.quiz_length import adaptive_most_items
from calibration.rounds.rounds_admin import (
    close_round,
    create_calibration_round,
    create_pilot_round,
    get_round,
    list_rounds,
    round_items,
)
from calibration.rounds.status import (
    EVERY_ANNOTATOR_FINISHED,
    RoundResponses,
    analysable_rounds,
    annotator_rounds,
    audit_log,
    counts,
    finished_round_ids,
    in_progress_counts,
    latest_response_marker,
    most_items,
    open_rounds,
    progress_line,
    responses_marker,
    reused_answers,
    round_data_marker,
    round_responses,
    round_state,
    round_status,
    shared_items,
    unanswered_reason,
)
from calibration.rounds.status import STUCK_AFTER as STUCK_AFTER
from calibration.storage.repository import (
    Adjudication,
    AnnotatorProgress,
    Attempt,
    AuditEntry,
    Certification,
    GuidelineVersion,
    Response,
    Round,
    RoundStatus,
    User,
)

__all__ = [
    "EVERY_ANNOTATOR_FINISHED",
    "RETAKE_CLOSED",
    "RETAKE_WAITING",
    "SYSTEM",
    "AdaptivePilotView",
    "Adjudication",
    "AnnotatorProgress",
    "Attempt",
    "AttemptResult",
    "AuditEntry",
    "Certification",
    "GuidelineVersion",
    "Response",
    "RetakeStatus",
    "Round",
    "RoundResponses",
    "RoundStatus",
    "User",
    "acknowledge_feedback",
    "adaptive_most_items",
    "adaptive_pilot_items_left",
    "adaptive_pilot_status",
    "adaptive_progress",
    "adjudicate",
    "adjudications",
    "analysable_rounds",
    "annotator_rounds",
    "attempt_result",
    "audit_log",
    "authenticate",
    "certifications",
    "change_own_password",
    "check_answer_extras",
    "close_round",
    "counts",
    "create_calibration_round",
    "create_pilot_round",
    "create_user",
    "deactivate_user",
    "finish_attempt",
    "finished_round_ids",
    "get_attempt",
    "get_guideline",
    "get_round",
    "get_user",
    "has_lead",
    "image_of",
    "images_of",
    "import_responses",
    "in_progress_counts",
    "invite",
    "latest_response_marker",
    "list_guideline_versions",
    "list_rounds",
    "list_users",
    "most_items",
    "my_attempts",
    "open_rounds",
    "progress_line",
    "publish",
    "publish_conflict",
    "publish_guideline",
    "quiz_items",
    "record_answer",
    "redeem_invitation",
    "response_history",
    "responses_marker",
    "retake_status",
    "reused_answers",
    "revoke_sessions",
    "round_data_marker",
    "round_items",
    "round_responses",
    "round_state",
    "round_status",
    "seen_before",
    "session_user",
    "set_password",
    "shared_items",
    "start_or_resume_attempt",
    "unanswered_reason",
    "user_by_email",
]

# A lead's administration: users (roles, reactivation, password resets, account invitations), archived
# and deleted rounds.
from calibration.rounds.accounts import (
    allow_local_sign_in,
    invitation_problem,
    invitation_role,
    invite_user,
    reactivate_user,
    record_single_sign_on,
    redeem_user_invitation,
    replace_temporary_password,
    reset_password,
    set_first_password,
    set_role,
    sign_in_with_single_sign_on,
    single_sign_on_account,
)
from calibration.rounds.model_certification import store_model_certification
from calibration.rounds.rounds_admin import archive_round, delete_round, preview_item_ids

__all__ += [
    "allow_local_sign_in",
    "archive_round",
    "delete_round",
    "invitation_problem",
    "invitation_role",
    "invite_user",
    "preview_item_ids",
    "reactivate_user",
    "record_single_sign_on",
    "redeem_user_invitation",
    "replace_temporary_password",
    "reset_password",
    "set_first_password",
    "set_role",
    "sign_in_with_single_sign_on",
    "single_sign_on_account",
    "store_model_certification",
]
