"""The interactive docs of the default project in a real browser, with no internet access.

The default project is baked, migrated and given its first admin, then served by uvicorn on
127.0.0.1. Debian's Chromium, driven by Playwright (no browser download: `.ci/run` installs
the `chromium` package), opens /docs, logs in through Swagger UI's **Authorize** dialog (the
OAuth2 password flow against the real login route), runs `GET /api/v1/users/me` with "Try it
out" and reads the 200 on the page; then opens /redoc. Every request the pages make to another
host is aborted and recorded, and the test fails if there is any: the docs work offline.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import BakeOnce
from tools.baking import dotenv, run
from tools.serving import served

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The one operation the test runs through Swagger UI, and what the page shows for it.
ME = "/api/v1/users/me"

pytestmark = pytest.mark.xdist_group("browser")

if not CHROMIUM.exists():
    # CI installs it (.ci/run); elsewhere a missing browser is a skip, not a failure.
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium", allow_module_level=True)

from playwright.sync_api import BrowserContext, Page, Route, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def served_docs(
    bake_once: BakeOnce, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """The default project, migrated, with its first admin, served on a free local port.

    Yields the base URL and the project's .env values; the server is stopped afterwards.
    The database is a file of this test's, so the shared bake stays as it was.
    """
    project, scratch = bake_once(), tmp_path_factory.mktemp("browser")
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{scratch / 'docs.db'}"}
    run(project, "python", "-m", "app.cli", "migrate", env=env)
    run(project, "python", "-m", "app.cli", "create-admin", env=env)
    with served(project, scratch / "uvicorn.log", env) as base:
        yield base, dotenv(project / ".env")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[BrowserContext, list[str]]]:
    """Chromium with a fresh profile; yields it and the list of requests to other hosts,
    which are aborted."""
    outside: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        context.set_default_timeout(15_000)

        def local_only(route: Route) -> None:
            if route.request.url.startswith("http://127.0.0.1:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", local_only)
        try:
            yield context, outside
        finally:
            context.close()
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def _page(context: BrowserContext, url: str) -> Page:
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(url)
    return page


def test_swagger_ui_logs_in_and_calls_an_endpoint_without_internet(
    served_docs: tuple[str, dict[str, str]], browser: tuple[BrowserContext, list[str]]
) -> None:
    base, settings = served_docs
    context, outside = browser
    page = _page(context, f"{base}/docs")

    page.get_by_role("button", name="Authorize").first.click()
    page.locator("#oauth_username").fill(settings["FIRST_ADMIN_EMAIL"])
    page.locator("#oauth_password").fill(settings["FIRST_ADMIN_PASSWORD"])
    page.locator(".auth-btn-wrapper button.authorize").click()
    # Swagger UI swaps the button for "Logout" once the login route answered with a token.
    page.get_by_role("button", name="Remove authorization").wait_for()
    page.locator(".auth-btn-wrapper button.btn-done").click()

    operation = page.locator(".opblock-get").filter(has=page.locator(f'[data-path="{ME}"]'))
    operation.locator(".opblock-summary").first.click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()

    assert status.inner_text().strip() == "200"
    body = operation.locator(".live-responses-table .response .response-col_description pre").first
    assert f'"email": "{settings["FIRST_ADMIN_EMAIL"]}"' in body.inner_text()
    assert outside == []


def test_redoc_renders_the_api_without_internet(
    served_docs: tuple[str, dict[str, str]], browser: tuple[BrowserContext, list[str]]
) -> None:
    base, _ = served_docs
    context, outside = browser
    page = _page(context, f"{base}/redoc")

    # Redoc renders a heading for each operation, from the OpenAPI document.
    page.get_by_role("heading", name="Read your own account").wait_for()

    assert outside == []
