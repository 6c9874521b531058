"""What a download button of an AppTest run gives the browser: its bytes, given as data or made on click.

AppTest keeps neither: the media files of a run live in a manager it throws away, and data made on
click (a callable) is only registered. `Downloads` records both as the page adds them, so a test can
read back the file a user would get and parse it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


class Downloads:
    """Every download of the runs after it is made, by button; install with `Downloads(monkeypatch)`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from streamlit.runtime.media_file_manager import MediaFileManager

        self._by_url: dict[str, bytes] = {}
        self._by_deferred_id: dict[str, Callable[[], Any]] = {}
        add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

        def recording_add(manager: Any, path_or_data: Any, *args: Any, **kwargs: Any) -> str:
            url = add(manager, path_or_data, *args, **kwargs)
            if isinstance(path_or_data, bytes):
                self._by_url[url] = path_or_data
            return url

        def recording_add_deferred(
            manager: Any, data_callable: Callable[[], Any], *args: Any, **kwargs: Any
        ) -> str:
            file_id = add_deferred(manager, data_callable, *args, **kwargs)
            self._by_deferred_id[file_id] = data_callable
            return file_id

        monkeypatch.setattr(MediaFileManager, "add", recording_add)
        monkeypatch.setattr(MediaFileManager, "add_deferred", recording_add_deferred)

    def content(self, button: Any) -> bytes:
        """The bytes the browser downloads when `button` (an AppTest download button) is clicked.

        Data made on click is made now, as Streamlit does on the click (text is sent as UTF-8).
        """
        proto = button.proto
        if proto.HasField("deferred_file_id"):
            data = self._by_deferred_id[proto.deferred_file_id]()
            return data.encode("utf-8") if isinstance(data, str) else bytes(data)
        return self._by_url[proto.url]

    def text(self, button: Any) -> str:
        """`content` decoded as UTF-8 (the files of this app are text)."""
        return self.content(button).decode("utf-8")
