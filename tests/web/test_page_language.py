"""The page's language: chosen by ?lang=, a remembered cookie or Accept-Language; one catalogue per language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from detector.service.web import i18n

WEB = Path(__file__).resolve().parents[2] / "detector" / "service" / "web"
CATALOGUES = i18n.load_catalogues(WEB / "messages")


def html_tag(text: str) -> str:
    return text.split("<head>")[0].split("\n")[1]


def test_lang_query_sets_rtl_and_is_remembered_in_a_cookie(client: TestClient) -> None:
    client.cookies.clear()
    r = client.get("/jobs/abc123?lang=fa")
    assert html_tag(r.text) == '<html lang="fa" dir="rtl">'
    assert r.cookies["detector_lang"] == "fa"
    assert '<span class="tagline">شناسایی استخراج غیرمجاز رمزارز در بار برق</span>' in r.text
    assert '<th><button type="button" data-sort="onset">آغاز (UTC)</button></th>' in r.text
    later = client.get("/")  # no query: the cookie decides
    assert html_tag(later.text) == '<html lang="fa" dir="rtl">'
    assert "<h1>امتیازدهی داده‌های بار</h1>" in later.text
    back = client.get("/?lang=en")
    assert html_tag(back.text) == '<html lang="en" dir="ltr">'
    assert back.cookies["detector_lang"] == "en"
    assert "<h1>Score load data</h1>" in back.text
    client.cookies.clear()


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("fa-IR,fa;q=0.9,en;q=0.8", "fa"),
        ("en-US,en;q=0.9,fa;q=0.8", "en"),
        ("de-DE, fa;q=0.5, en;q=0.4", "fa"),
        ("en;q=0.2, fa-IR;q=0.7", "fa"),
        ("fa;q=0, de", "en"),
        ("", "en"),
    ],
)
def test_accept_language_picks_the_highest_ranked_supported_language(
    client: TestClient, header: str, lang: str
) -> None:
    client.cookies.clear()
    r = client.get("/", headers={"Accept-Language": header})
    assert html_tag(r.text) == f'<html lang="{lang}" dir="{"rtl" if lang == "fa" else "ltr"}">'
    assert "detector_lang" not in r.cookies  # only the switch (?lang=) is remembered


def test_the_remembered_choice_wins_over_the_browser(client: TestClient) -> None:
    client.cookies.clear()
    client.cookies.set("detector_lang", "en")
    r = client.get("/", headers={"Accept-Language": "fa-IR"})
    assert html_tag(r.text) == '<html lang="en" dir="ltr">'
    client.cookies.clear()


def test_persian_digits_are_an_option_on_the_persian_page(client: TestClient) -> None:
    client.cookies.clear()
    plain = client.get("/jobs/abc123?lang=fa")
    assert 'data-digits="latn"' in plain.text
    assert '<a id="digits-switch" href="/jobs/abc123?lang=fa&amp;digits=fa">ارقام فارسی</a>' in plain.text
    persian = client.get("/jobs/abc123?digits=fa")
    assert 'data-digits="fa"' in persian.text
    assert persian.cookies["detector_digits"] == "fa"
    assert 'data-digits="fa"' in client.get("/").text
    assert "digits-switch" not in client.get("/?lang=en").text  # Latin digits on the English page
    client.cookies.clear()


def test_the_catalogue_is_embedded_for_app_js(client: TestClient) -> None:
    client.cookies.clear()
    page = client.get("/?lang=fa").text
    embedded = page.split('<script id="messages" type="application/json">')[1].split("</script>")[0]
    assert json.loads(embedded) == CATALOGUES["fa"]
    client.cookies.clear()


def test_every_message_used_is_in_the_catalogues_and_every_entry_is_used() -> None:
    templates = "".join(p.read_text(encoding="utf-8") for p in (WEB / "templates").glob("*.html"))
    script = (WEB / "static" / "app.js").read_text(encoding="utf-8")
    used = set(re.findall(r"""\bt\(\s*["'](\w+)["']""", templates + script))
    used |= {"lang_name"}  # the switch names each language in its own words
    assert used == set(CATALOGUES["en"])
    for key, text in CATALOGUES["en"].items():  # the same placeholders in every language
        names = set(re.findall(r"\{(\w+)\}", text))
        assert set(re.findall(r"\{(\w+)\}", CATALOGUES["fa"][key])) == names, key


def test_catalogues_with_different_keys_are_refused(tmp_path: Path) -> None:
    (tmp_path / "en.json").write_text('{"a": "A", "b": "B"}')
    (tmp_path / "fa.json").write_text('{"a": "الف"}')
    with pytest.raises(ValueError, match=r"^catalogue 'fa' differs from 'en' in keys \['b'\]$"):
        i18n.load_catalogues(tmp_path)


def test_translator_fills_placeholders() -> None:
    t = i18n.Translator(CATALOGUES["fa"])
    assert t("page_info", page=2, pages=7) == "صفحهٔ 2 از 7"
