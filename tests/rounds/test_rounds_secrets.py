"""No password, invitation token or password hash is stored in the clear or written to the audit log."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from calibration.errors import AuthError
from calibration.guidelines.model import Guideline
from calibration.rounds import service

LEAD_PASSWORD = "correct horse"  # the `store` fixture's lead
NEW_PASSWORD = "tr0ub4dor-and-3"
JOINER_PASSWORD = "joiner-secret-42"
WRONG_PASSWORD = "wrong-guess-123"


def _every_stored_value(engine: Any) -> str:
    """Every cell of every table of the store, as text."""
    from calibration.storage.tables import Base

    parts = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_passwords_and_tokens_never_reach_the_store_or_the_audit_log(
    store: Any, tiny_guideline: Guideline
) -> None:
    engine, lead = store.engine, store.lead
    service.publish_guideline(engine, tiny_guideline, lead)
    service.create_calibration_round(engine, "onboarding", "tiny@1.0.0", actor=lead)
    service.set_password(engine, lead, NEW_PASSWORD, actor=lead)
    with pytest.raises(AuthError):
        service.authenticate(engine, "lena@example.org", WRONG_PASSWORD)
    assert service.authenticate(engine, "lena@example.org", NEW_PASSWORD).id == lead.id
    token = service.invite(engine, "onboarding", actor=lead)
    joiner, _ = service.redeem_invitation(
        engine, token, "Jo Joiner", email="jo@example.org", password=JOINER_PASSWORD
    )
    assert service.authenticate(engine, "jo@example.org", JOINER_PASSWORD).id == joiner.id

    stored = _every_stored_value(engine)
    for secret in (LEAD_PASSWORD, NEW_PASSWORD, JOINER_PASSWORD, WRONG_PASSWORD, token):
        assert secret not in stored
    with engine.connect() as connection:
        hashes = [h for (h,) in connection.exec_driver_sql("SELECT password_hash FROM users") if h]
    assert len(hashes) == 2 and all(h.startswith("$argon2id$") for h in hashes)

    log = service.audit_log(engine, limit=1000)
    assert {"create_user", "set_password", "invite", "redeem_invitation"} <= {e.action for e in log}
    logged = "\n".join(f"{e.entity} {e.details}" for e in log)
    for secret in (LEAD_PASSWORD, NEW_PASSWORD, JOINER_PASSWORD, WRONG_PASSWORD, token, *hashes):
        assert secret not in logged
    from calibration import auth

    assert auth.hash_token(token) not in logged  # not even the token's stored digest
