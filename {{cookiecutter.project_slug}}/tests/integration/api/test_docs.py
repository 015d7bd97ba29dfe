"""The interactive docs, /docs and /redoc, load every asset from the app: they work offline."""

import re

import httpx
import pytest

from app.api.docs import ASSETS_URL, OAUTH2_REDIRECT_URL, REDOC_CSP

# Every URL a page loads: scripts, style sheets, icons.
LOADED = re.compile(r'(?:src|href)="([^"]*)"')
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
}


async def _loaded_urls(client: httpx.AsyncClient, page: str) -> list[str]:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return LOADED.findall(response.text)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_a_docs_page_loads_only_assets_of_the_app(
    client: httpx.AsyncClient, page: str
) -> None:
    urls = await _loaded_urls(client, page)

    assert urls
    assert [url for url in urls if not url.startswith(f"{ASSETS_URL}/")] == []


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_every_asset_of_a_docs_page_is_served_with_its_type(
    client: httpx.AsyncClient, page: str
) -> None:
    for url in await _loaded_urls(client, page):
        response = await client.get(url)

        assert response.status_code == 200, url
        assert response.content, url
        suffix = url[url.rindex(".") :]
        assert response.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url


async def test_redoc_refuses_images_from_other_sites(client: httpx.AsyncClient) -> None:
    response = await client.get("/redoc")

    assert response.headers["content-security-policy"] == REDOC_CSP


async def test_swagger_ui_never_calls_the_online_validator(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")

    assert '"validatorUrl": null' in response.text


async def test_swagger_ui_reads_the_openapi_document_of_the_app(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")

    assert "url: '/openapi.json'" in response.text
    assert f"oauth2RedirectUrl: window.location.origin + '{OAUTH2_REDIRECT_URL}'" in response.text


async def test_redoc_reads_the_openapi_document_of_the_app(client: httpx.AsyncClient) -> None:
    response = await client.get("/redoc")

    assert '<redoc spec-url="/openapi.json">' in response.text


async def test_the_oauth2_redirect_page_of_swagger_ui_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get(OAUTH2_REDIRECT_URL)

    assert response.status_code == 200
    assert "swaggerUIRedirectOauth2" in response.text


async def test_the_docs_pages_are_not_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert not {"/docs", "/redoc", OAUTH2_REDIRECT_URL} & set(paths)
