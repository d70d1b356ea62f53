"""Browser fixtures: pytest-playwright's ``page`` on Debian's chromium, never a downloaded one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, need_binary

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch /usr/bin/chromium; the resolver rule stops Chromium's own calls to Google hosts."""
    need_binary(CHROMIUM.exists(), "Debian chromium (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # 1280 px is the desktop width the page is designed and screenshotted at
    return {
        **browser_context_args,
        "viewport": {"width": 1280, "height": 900},
        "accept_downloads": True,
    }


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the tests leave screenshots of each tab (a CI artefact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
