"""Entry point: `streamlit run streamlit_app.py`. A router only: page config and navigation by role.

Run by ``streamlit run``, this file is found to define ``app = st.App(...)`` and is served by uvicorn
with the session-cookie routes of `calibration.app.auth`; Streamlit then runs this same file as the
page script (``__name__ == "__main__"``), which builds the navigation for the signed-in user's role.
"""

import streamlit as st

if __name__ == "__main__":
    from calibration.app.navigation import run_app

    run_app()
else:
    from calibration.app.auth import session_routes
    from calibration.app.headers import security_middleware

    app = st.App(__file__, routes=session_routes(), middleware=security_middleware())
