"""Browser tests: JupyterLab and Voila in Debian's headless Chromium (Python Playwright).

One JupyterLab server and one browser per session; one page per notebook, closed after (its
kernel shut down). The harness is scripts/browser_harness.py, shared with `make screenshots`.
Without /usr/bin/chromium or playwright every test here skips and says how to enable it.
Run them on their own (as `make test` does) or under xdist with --dist loadfile/loadgroup.
"""
import os
from pathlib import Path

import pytest
from browser_support import ROOT, harness


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    xdist = config.pluginmanager.hasplugin("xdist")
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
            if xdist:   # under `-n N --dist loadgroup` all browser tests share one worker
                item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser_logs(tmp_path_factory):
    return tmp_path_factory.mktemp("browser-logs")


@pytest.fixture(scope="session")
def browser():
    reason = harness.unavailable_reason()
    if reason:
        if os.environ.get("NNBASICS_REQUIRE_BROWSER") == "1":   # set by .ci/run: never skip in CI
            pytest.fail(f"NNBASICS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    with harness.chromium() as b:
        yield b


@pytest.fixture(scope="session")
def lab(browser, browser_logs):
    with harness.lab_server(ROOT, log_dir=browser_logs) as server:
        yield server
