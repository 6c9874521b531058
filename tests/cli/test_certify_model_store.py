"""`calibration certify-model --store`: a certified model's certification is stored like a person's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from calibration.cli.main import main
from calibration.errors import ConflictError
from calibration.guidelines.loading import load_guideline
from calibration.rounds import service
from calibration.rounds.service import SYSTEM
from calibration.storage.engine import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[2]
FAILING = ROOT / "examples/model/contract-model-answers.csv"  # misses the indemnity rule: not certified
GUIDELINE_FILE = ROOT / "guidelines/contract-clauses/1.1.0.yaml"
REF = "contract-clauses@1.1.0"


def _run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _perfect(tmp_path: Path, name: str = "clauses-bot@2026-01") -> Path:
    guideline = load_guideline(GUIDELINE_FILE)
    rows = [f"{i},{name},model,{a}" for i, a in guideline.gold_answers().items()]
    path = tmp_path / "perfect.csv"
    path.write_text("item_id,annotator_id,annotator_kind,answer\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def published(db_url: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    db = ("--database-url", db_url)
    assert _run(capsys, "publish", GUIDELINE_FILE, *db)[0] == 0
    return db


def test_a_certified_model_is_stored_and_listed_with_the_certifications(published, tmp_path, capsys) -> None:
    code, out, err = _run(
        capsys, "certify-model", _perfect(tmp_path), "--guideline", REF, "--store", *published
    )
    assert code == 0 and out.startswith(f"model clauses-bot@2026-01 on {REF}: certified")
    assert err == f"stored: clauses-bot@2026-01 certified on {REF} (listed on the Annotators page)\n"
    engine = make_engine(published[1])
    (certification,) = service.certifications(engine)
    assert (certification.annotator_name, certification.guideline_ref, certification.attempt_id) == (
        "clauses-bot@2026-01",
        REF,
        None,
    )
    assert certification.score == pytest.approx(1.0)
    (model,) = [u for u in service.list_users(engine) if u.name == "clauses-bot@2026-01"]
    assert (model.kind, model.role, model.has_password) == ("model", "annotator", False)
    assert [e.entity for e in service.audit_log(engine) if e.action == "certify_model"] == [
        "user:clauses-bot@2026-01"
    ]

    # the same again stores nothing new
    code, _, err = _run(
        capsys, "certify-model", _perfect(tmp_path), "--guideline", REF, "--store", *published
    )
    assert code == 0 and err.startswith(f"already stored: clauses-bot@2026-01 certified on {REF} since ")
    assert len(service.certifications(engine)) == 1


def test_a_model_that_fails_is_not_stored(published, capsys) -> None:
    code, out, err = _run(capsys, "certify-model", FAILING, "--guideline", REF, "--store", *published)
    assert code == 1 and "not certified" in out
    assert err == "not stored: only a certified model is stored, as only a passed quiz certifies a person\n"
    engine = make_engine(published[1])
    assert service.certifications(engine) == []
    assert "clauses-gpt@2024-08" not in [u.name for u in service.list_users(engine)]


def test_without_store_nothing_is_written(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'untouched.db'}"
    code, _, err = _run(
        capsys, "certify-model", _perfect(tmp_path), "--guideline", GUIDELINE_FILE, "--database-url", url
    )
    assert code == 0 and err == ""
    assert not (tmp_path / "untouched.db").exists()


def test_an_unpublished_version_and_a_persons_name_are_refused_in_one_line(db_url, tmp_path, capsys) -> None:
    db = ("--database-url", db_url)
    upgrade(make_engine(db_url))  # an empty store (a missing SQLite file is refused, see below)
    code, out, err = _run(capsys, "certify-model", _perfect(tmp_path), "--guideline", REF, "--store", *db)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: guideline version {REF} is not published (hint: ")
    assert _run(capsys, "publish", GUIDELINE_FILE, *db)[0] == 0
    engine = make_engine(db_url)
    service.create_user(engine, "ana", role="annotator")
    path = tmp_path / "ana.csv"
    guideline = load_guideline(GUIDELINE_FILE)
    rows = [f"{i},ana,{a}" for i, a in guideline.gold_answers().items()]
    path.write_text("item_id,annotator_id,answer\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = _run(
        capsys, "certify-model", path, "--guideline", GUIDELINE_FILE, "--model", "ana", "--store", *db
    )
    assert code == 1
    assert err == (
        "error: model: 'ana' is a human annotator in the store, not a model "
        "(hint: name the model by its name and version, e.g. clauses-gpt@2024-08)\n"
    )
    assert service.certifications(engine) == []


def test_a_guideline_file_that_differs_from_the_published_version_is_refused(
    published, tmp_path, capsys
) -> None:
    changed = tmp_path / "contract-clauses" / "1.1.0.yaml"
    changed.parent.mkdir()
    text = GUIDELINE_FILE.read_text(encoding="utf-8")
    changed.write_text(text.replace("title:", "title: Changed", 1), encoding="utf-8")
    code, _, err = _run(
        capsys, "certify-model", _perfect(tmp_path), "--guideline", changed, "--store", *published
    )
    assert code == 1
    assert err == (
        f"error: guideline: {REF} in the store differs from the guideline the answers were scored on "
        "(hint: score against the published version (--guideline ID@VERSION with --store), "
        "or publish yours under a new version)\n"
    )


def test_a_mistyped_sqlite_path_is_refused_and_not_created(tmp_path, capsys) -> None:
    missing = tmp_path / "typo.db"
    code, out, err = _run(
        capsys,
        "certify-model",
        _perfect(tmp_path),
        "--guideline",
        REF,
        "--store",
        "--database-url",
        f"sqlite:///{missing}",
    )
    assert (code, out) == (1, "")
    assert err.startswith(f"error: --database-url: no database at {missing}")
    assert not missing.exists()


def test_a_model_name_that_differs_from_a_persons_only_by_case_is_refused(
    published, tmp_path, capsys
) -> None:
    engine = make_engine(published[1])
    service.create_user(engine, "Alice Person", role="annotator", password="correct-horse-battery")
    code, _, err = _run(
        capsys,
        "certify-model",
        _perfect(tmp_path, "alice person"),
        "--guideline",
        REF,
        "--model",
        "alice person",
        "--store",
        *published,
    )
    assert code == 1
    assert err.startswith(
        "error: model: the name 'alice person' differs from the existing 'Alice Person' only by case"
    )
    assert [u.name for u in service.list_users(engine)] == ["Alice Person"]
    assert service.authenticate(engine, "ALICE PERSON", "correct-horse-battery").name == "Alice Person"


def test_a_models_password_cannot_be_reset(published, tmp_path, capsys) -> None:
    assert (
        _run(capsys, "certify-model", _perfect(tmp_path), "--guideline", REF, "--store", *published)[0] == 0
    )
    engine = make_engine(published[1])
    (model,) = service.list_users(engine)
    with pytest.raises(ConflictError, match="is a model, which never signs in"):
        service.reset_password(engine, model, actor=SYSTEM)
    code, out, err = _run(capsys, "users", "reset-password", "clauses-bot@2026-01", *published)
    assert (code, out) == (1, "")
    assert err.startswith("error: user: 'clauses-bot@2026-01' is a model, which never signs in")
    (model,) = service.list_users(engine)
    assert (model.has_password, model.must_change_password) == (False, False)
