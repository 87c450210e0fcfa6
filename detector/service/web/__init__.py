"""The analyst's web page at ``/``: upload, job progress, ranked inspection list, one series' chart.

The pages are public shells rendered from Jinja2 templates; their data comes from ``/v1`` with the key the
analyst types in (kept in the tab's ``sessionStorage``, sent as ``X-API-Key``). Every asset ships in
``static/`` (uPlot vendored, no CDN), so the page works offline and needs no build step.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

import detector
from detector.service.web import i18n

HERE = Path(__file__).resolve().parent
YEAR_SECONDS = 365 * 86400


def same_page(request: Request, **query: str) -> str:
    """This page's path with ``query`` set (relative, so the page names no host)."""
    url = request.url.include_query_params(**query)
    return f"{url.path}?{url.query}"


def make_router(templates: Jinja2Templates, catalogues: dict[str, dict[str, str]]) -> APIRouter:
    """The page routes (not in the OpenAPI schema: they are HTML for people, not API)."""
    router = APIRouter(include_in_schema=False)

    def page(request: Request, name: str, **context: object) -> HTMLResponse:
        """``name`` in the request's language; a ``?lang=``/``?digits=`` choice is remembered in a cookie."""
        query, cookies = request.query_params, request.cookies
        lang = i18n.choose(query.get("lang"), cookies.get(i18n.LANG_COOKIE), request.headers.get("accept-language"))
        digits = next((d for d in (query.get("digits"), cookies.get(i18n.DIGITS_COOKIE)) if d in i18n.DIGITS), "latn")
        language = {
            "lang": lang,
            "dir": "rtl" if lang in i18n.RTL else "ltr",
            "digits": digits,
            "t": i18n.Translator(catalogues[lang]),
            "messages": catalogues[lang],
            "switch": {other: same_page(request, lang=other) for other in i18n.LANGS},
            "digits_switch": {d: same_page(request, digits=d) for d in i18n.DIGITS},
            "names": {other: catalogues[other]["lang_name"] for other in i18n.LANGS},
        }
        response = templates.TemplateResponse(request, name, {"version": detector.__version__, **language, **context})
        for key, cookie, value in (("lang", i18n.LANG_COOKIE, lang), ("digits", i18n.DIGITS_COOKIE, digits)):
            if query.get(key) == value:
                response.set_cookie(cookie, value, max_age=YEAR_SECONDS, samesite="lax")
        return response

    @router.get("/", response_class=HTMLResponse)
    def upload_page(request: Request) -> HTMLResponse:
        """Key entry, file upload or one pasted series, recent jobs of this browser."""
        return page(request, "upload.html", page="upload")

    @router.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_page(request: Request, job_id: str) -> HTMLResponse:
        """Progress bar, then the ranked inspection list (sort, filter, pages, CSV)."""
        return page(request, "job.html", page="job", job_id=job_id)

    @router.get("/jobs/{job_id}/series", response_class=HTMLResponse)
    def series_page(request: Request, job_id: str, id: str = "") -> HTMLResponse:
        """One series: chart of load, expected load and flagged segments; evidence; data quality."""
        return page(request, "series.html", page="series", job_id=job_id, series_id=id)

    return router


def install(app: FastAPI) -> None:
    """Serve the pages and their static assets on ``app``."""
    templates = Jinja2Templates(directory=HERE / "templates")
    app.include_router(make_router(templates, i18n.load_catalogues(HERE / "messages")))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
