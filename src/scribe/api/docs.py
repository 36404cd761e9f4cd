"""The API docs: ``/openapi.json`` and Swagger UI at ``/docs``, served from this process.

Swagger UI's files come from the ``swagger-ui-bundle`` package, so the docs work offline (no
CDN). Like every route but the health checks and ``/metrics``, both need a key once keys
exist: ``/openapi.json`` answers 401 without one, ``/docs`` sends a browser to sign in.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from scribe.api.auth import current_scope, keys_required

ASSETS = "/docs/assets"


def install(app: FastAPI) -> None:
    """Add ``/openapi.json``, ``/docs`` and its assets (the app must be made with
    ``docs_url=None, redoc_url=None, openapi_url=None``)."""
    import swagger_ui_bundle

    app.mount(ASSETS, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        """The OpenAPI document (needs a key once keys exist)."""
        current_scope(request)
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        """Swagger UI; a browser without a session is sent to sign in first."""
        if keys_required(request):
            from scribe.api.ui import signed_in

            if not signed_in(request):
                return RedirectResponse(f"/login?next={quote('/docs', safe='')}", status_code=303)
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Scribe API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        """Swagger UI's OAuth2 helper page (unused by API keys, kept for completeness)."""
        return get_swagger_ui_oauth2_redirect_html()
