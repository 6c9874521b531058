"""Guidelines (lead, author): review and publish drafts, upload or pick a version, see validation problems
as the CLI prints them, publish it, and compare two versions rule by rule.

Nothing is published without a person: files under guidelines/ that were not shipped with the package
(drafts saved by the revision queue, files copied in by hand) are listed here as drafts to review."""

from __future__ import annotations

import hashlib

import streamlit as st

from calibration.app import state
from calibration.app.widgets.analysis_uploads import validate_upload
from calibration.app.widgets.choice import pick_one
from calibration.app.widgets.diff_view import show_diff
from calibration.app.widgets.text import escape_markdown
from calibration.errors import CalibrationError
from calibration.guidelines import versions
from calibration.guidelines.diff import diff_guidelines
from calibration.guidelines.loading import load_guideline, read_guideline_file
from calibration.wording import counted

user = state.require_role("lead", "author")
st.title("Guidelines")


@st.cache_data(show_spinner=False, max_entries=32)
def _validated(name: str, digest: str, _data: bytes):
    """An upload validated once per content (sha256), not on every rerun of the page."""
    return validate_upload(name, _data)


def _bundled() -> dict[str, str]:
    """Version files under guidelines/ by ``id@version`` (read on every run: drafts appear as they are saved)."""
    found = versions.discover(versions.BUNDLED_DIR)
    return {f"{f.id}@{f.version}": str(f.path) for files in found.values() for f in files}


def _published() -> dict[str, object]:
    from calibration.rounds import service

    return {v.ref: v for v in service.list_guideline_versions(state.get_engine())}


def _load(ref: str):
    """A guideline version by ref: the published snapshot when published, else the bundled file."""
    from calibration.rounds import service

    if ref in _published():
        return service.get_guideline(state.get_engine(), ref)
    return load_guideline(_bundled()[ref])


def _show_lint(guideline) -> None:
    """The lint warnings of a valid guideline, before its Publish button (as `calibration lint` prints them).

    A bank an adaptive quiz cannot pass is said first and plainly; the other warnings sit in an expander.
    """
    from calibration.guidelines.lint import lint_guideline

    warnings = lint_guideline(guideline)
    blocking = [w for w in warnings if w.code == "adaptive_cannot_pass"]
    if blocking:
        st.warning(
            f"An adaptive quiz on {guideline.ref} cannot be passed as it stands: "
            f"{counted(len(blocking), 'rule')} with too few quiz items. "
            "Add items, or keep calibration.policy: fixed.",
            icon=":material/warning:",
        )
        st.code("\n".join(str(w) for w in blocking), language=None)
    others = [w for w in warnings if w.code != "adaptive_cannot_pass"]
    if others:
        with st.expander(counted(len(others), "other lint warning")):
            st.code("\n".join(str(w) for w in others), language=None)


def _images(ref: str):
    """The images of the bundled file of `ref`, read from its folder (None for an upload: no images)."""
    path = _bundled().get(ref)
    return read_guideline_file(path).images if path else None


def _show_problems(problems, name: str, advice: str) -> None:
    """The problems of guideline file `name`, counted, then one per line as the CLI prints them."""
    st.error(
        f"{counted(len(problems), 'problem')} in {escape_markdown(name)}: "
        + advice.format(them="it" if len(problems) == 1 else "them"),
        icon=":material/error:",
    )
    st.code("\n".join(str(p) for p in problems), language=None)


# ----------------------------------------------------------------- drafts waiting for a person
published_draft = st.session_state.pop("gadm_draft_published", None)
if published_draft is not None:  # said after the rerun that took the draft off the list
    st.success(f"Published {published_draft}.", icon=":material/check_circle:")
drafts = {f"{f.id}@{f.version}": f for f in versions.unpublished_drafts(_published(), versions.BUNDLED_DIR)}
if drafts:
    st.subheader("Drafts to review")
    st.caption(
        "Files under guidelines/ that were not shipped with the app and are not published: drafts saved "
        "from the revision queue or copied in by hand. Nothing is published until you do it here."
    )
    # a draft published or removed in another session leaves the list: said, and its button is gone
    draft_file = pick_one(
        "Draft",
        drafts,
        key="gadm_draft",
        default=next(iter(drafts)),
        describe=lambda f: f"{f.id}@{f.version}",
    )
    draft_ref = f"{draft_file.id}@{draft_file.version}"
    try:
        loaded_draft = read_guideline_file(draft_file.path)
        draft = loaded_draft.guideline
    except CalibrationError as error:
        _show_problems(error.problems, draft_ref, "fix the file before publishing it.")
    else:
        st.success(f"{draft.ref} is valid.", icon=":material/check_circle:")
        _show_lint(draft)
        if draft.changelog:
            st.text(f"Changelog {draft.changelog[0].version}: {draft.changelog[0].changes}")
        if st.button(
            "Publish this draft",
            key=f"gadm_draft_publish_{draft_ref}",  # a click for a draft gone meanwhile publishes no other
            type="primary",
            icon=":material/publish:",
        ):
            from calibration.rounds import service

            try:
                service.publish(state.get_engine(), draft, actor=user.id, images=loaded_draft.images)
            except CalibrationError as error:
                state.render_error(error)
            else:  # rerun: the draft leaves "Drafts to review" at once, no second publish button
                st.session_state["gadm_draft_published"] = draft.ref
                st.rerun()

# ----------------------------------------------------------------- choose a version
source = st.segmented_control(
    "Version to check and publish",
    ["Upload a file", "Bundled or published"],
    default="Upload a file",
    key="gadm_source",
)
candidate = None
if source == "Upload a file":
    upload = st.file_uploader(
        "Guideline file (guidelines/<id>/<version>.yaml)",
        type=["yaml", "yml"],
        key="gadm_upload",
        max_upload_size=5,
    )
    if upload is not None:
        data = upload.getvalue()
        candidate, problems = _validated(upload.name, hashlib.sha256(data).hexdigest(), data)
        if problems:
            _show_problems(problems, upload.name, "fix {them} and upload again.")
        else:
            st.session_state["gadm_uploaded"] = candidate
else:
    refs = sorted(set(_bundled()) | set(_published()))
    ref = st.selectbox("Version", refs, index=None, placeholder="choose a version", key="gadm_pick")
    if ref:
        try:
            candidate = _load(ref)
        except CalibrationError as error:
            state.render_error(error)

if candidate is not None:
    from calibration.rounds import service

    published = _published()
    conflict = None
    if candidate.ref in published:  # said before any click: published with other content never publishes
        images = _images(candidate.ref) if source != "Upload a file" else None
        conflict = service.publish_conflict(state.get_engine(), candidate, images)
    if conflict is not None:
        state.render_error(conflict)
    elif source == "Upload a file":
        st.success(f"{candidate.ref} is valid.", icon=":material/check_circle:")
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(candidate.title)}** · `{candidate.ref}`")
        st.caption(
            f"{candidate.task.type} task · {counted(len(candidate.rules), 'rule')} · {counted(len(candidate.items), 'quiz item')}"
        )
        if candidate.ref in published and conflict is None:
            st.info(f"{candidate.ref} is published.", icon=":material/verified:")
        _show_lint(candidate)
        if conflict is None and st.button(
            "Publish this version", key="gadm_publish", type="primary", icon=":material/publish:"
        ):
            try:
                images = _images(candidate.ref) if source != "Upload a file" else None
                service.publish(state.get_engine(), candidate, actor=user.id, images=images)
            except CalibrationError as error:
                state.render_error(error)
            else:
                st.success(f"Published {candidate.ref}.", icon=":material/check_circle:")

# ----------------------------------------------------------------- compare two versions
st.subheader("Compare two versions")
choices = sorted(set(_bundled()) | set(_published()))
uploaded = st.session_state.get("gadm_uploaded")
if uploaded is not None and f"{uploaded.ref} (uploaded)" not in choices:
    choices.append(f"{uploaded.ref} (uploaded)")
left, right = st.columns(2)
old_ref = left.selectbox("Old version", choices, index=None, placeholder="choose", key="gadm_old")
new_ref = right.selectbox("New version", choices, index=None, placeholder="choose", key="gadm_new")
if old_ref and new_ref:
    try:
        pair = [
            uploaded if uploaded is not None and ref.endswith("(uploaded)") else _load(ref)
            for ref in (old_ref, new_ref)
        ]
        result = diff_guidelines(*pair)
    except CalibrationError as error:
        state.render_error(error)
    else:
        if pair[0].id != pair[1].id:
            st.warning(
                "These are two different guidelines; rules are matched by id.", icon=":material/warning:"
            )
        show_diff(result, *pair)
        st.download_button(
            "Download the diff (markdown)",
            result.to_markdown(),
            file_name=f"diff-{pair[0].id}-{pair[0].version}-{pair[1].version}.md",
            mime="text/markdown",
            key="gadm_diff_download",
            on_click="ignore",
        )
