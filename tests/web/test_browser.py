"""The analyst's page in a real browser: headless system Chromium, driven by Playwright, against ``detector serve``.

Upload a file, follow the job, use the inspection list, open the top series, check chart and evidence render;
the same in Persian (right to left, Solar Hijri dates, Persian digits) with a Tehran export in Solar Hijri dates.
The API docs (/docs, /redoc) render with every host but the server cut off.
Outside CI the test skips when no browser is installed; with CI=true a missing browser fails it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jdatetime
import pandas as pd
import pytest
from harness import KEY, SAMPLE, Server, chromium_path, launch

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MINERS = {"feeder-0001", "feeder-0006"}  # the picked feeders with rigs (simulator truth)
FA_MONTHS = tuple(jdatetime.date.j_months_fa)  # فروردین … اسفند
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - dev extra missing
    sync_playwright = None

_missing = (
    "playwright is not installed (pip install -e '.[dev]')"
    if sync_playwright is None
    else ("no Chromium: apt-get install -y chromium, or set DETECTOR_CHROMIUM" if chromium_path() is None else None)
)
if _missing and IN_CI:
    pytest.fail(f"CI=true but the browser test cannot run: {_missing}", pytrace=False)
pytestmark = pytest.mark.skipif(_missing is not None, reason=_missing or "")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("web-server"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(60_000)
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def use_key(page: Page, key: str) -> None:
    page.fill("#api-key", key)
    page.click("#key-form button")


def test_upload_inspect_and_open_the_top_series(page: Page, server: Server, upload: Path) -> None:
    page.goto(server.url + "/")
    page.set_input_files("#file", str(upload))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#error")).to_contain_text("No API key yet")  # a readable message, not a blank page

    use_key(page, "dk_not-a-key")
    expect(page.locator("#error")).to_have_text("Unauthorized: unknown API key")  # the problem+json detail
    use_key(page, KEY)
    expect(page.locator("#key-state")).to_contain_text("✓")
    expect(page.locator("#error")).to_be_hidden()

    page.fill("#upload-form input[name=timezone]", "Asia/Tehran")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/jobs/*")
    page.wait_for_selector("body[data-ready=list]")
    expect(page.locator("#job-state")).to_contain_text("done: 4 series")
    assert page.locator("#progress").evaluate("p => p.value") == 1

    rows = page.locator("#list tbody tr")
    expect(rows).to_have_count(4)
    ids = rows.locator("td:nth-child(2)").all_inner_texts()
    scores = [float(s.split()[0]) for s in rows.locator("td:nth-child(3)").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)
    assert ids[0] in MINERS
    expect(rows.first.locator(".badge")).to_have_text("flagged")

    page.check("#filters input[name=flagged]")  # filter: the flagged ones are the two with rigs
    assert set(rows.locator("td:nth-child(2)").all_inner_texts()) == MINERS
    page.uncheck("#filters input[name=flagged]")
    page.fill("#filters input[name=q]", "0013")
    expect(rows).to_have_count(1)
    page.click("#filters button[type=reset]")
    expect(rows).to_have_count(4)
    page.click("#list th button[data-sort=series_id]")  # sort by name, ascending
    assert rows.locator("td:nth-child(2)").all_inner_texts() == sorted(ids)

    with page.expect_download() as dl:
        page.click("#download")
    text = Path(dl.value.path()).read_text()
    assert text.startswith("series_id,score,flagged,onset,end,excess_load")
    assert len(text.strip().splitlines()) == 5

    page.click("#list th button[data-sort=score]")  # back to the ranking, open the top series
    top = rows.first.locator("td:nth-child(2)").inner_text()
    rows.first.locator("a").click()
    page.wait_for_selector("body[data-ready=series]")
    assert page.locator("h1").inner_text().startswith(top)
    expect(page.locator("#verdict")).to_have_text("flagged for inspection")
    expect(page.locator("#headline")).to_contain_text(" MW (")  # excess load in MW and kW
    expect(page.locator("#headline")).to_contain_text("rig equivalents (90 % interval ")  # a count, with its spread
    evidence = page.locator("#evidence li").all_inner_texts()
    assert any(e.startswith("load rose by") for e in evidence), evidence
    expect(page.locator("#quality")).to_contain_text("coverage")

    # the chart: drawn (many coloured pixels), a year of hourly points, zooms to a week, shows values on hover
    canvas = page.locator("#chart canvas")
    expect(canvas).to_have_count(1)
    inked = canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
                  for (let i = 0; i < d.length; i += 4) if (d[i+3] > 0 && (d[i] < 200 || d[i+2] < 200)) n++;
                  return n; }"""
    )
    assert inked > 5000
    assert page.evaluate("chart.data[0].length") == 8760
    page.click("[data-zoom=onset]")
    assert page.evaluate("chart.scales.x.max - chart.scales.x.min") == 7 * 86400
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    value = page.locator(".u-legend .u-series").nth(1).locator(".u-value").inner_text()
    assert value.replace(".", "", 1).isdigit(), value

    # the inspection outcome goes to POST /v1/outcomes and is listed back
    expect(page.locator("#outcomes")).to_contain_text("no outcome recorded yet")
    page.check("#outcome-form input[value=mining]")
    page.fill("#outcome-form textarea[name=note]", "rigs behind the substation")
    page.click("#outcome-form button[type=submit]")
    expect(page.locator("#outcomes li[data-outcome=mining]")).to_contain_text("rigs behind the substation")
    job_id = page.url.split("/jobs/")[1].split("/")[0]
    stored = httpx.get(
        f"{server.url}/v1/outcomes", params={"series_id": top, "job_id": job_id}, headers={"X-API-Key": KEY}
    ).json()["items"]
    assert [(o["outcome"], o["note"]) for o in stored] == [("mining", "rigs behind the substation")]
    assert stored[0]["segment_start"] is not None  # the flagged segment is preselected


def solar_hijri_text(iso: str, tz: str) -> str:
    """How the Persian page writes a time (Chromium's ``fa-IR-u-ca-persian``): "17 آبان 1402 ساعت 14:00"."""
    local = jdatetime.datetime.fromgregorian(datetime=pd.Timestamp(iso).tz_convert(tz).to_pydatetime())
    return f"{local.day:02d} {FA_MONTHS[local.month - 1]} {local.year} ساعت {local.hour:02d}:{local.minute:02d}"


@pytest.fixture(scope="module")
def tehran_export(upload: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four feeders as an Iranian export: local Solar Hijri date-times in Persian digits (۱۴۰۲/۰۱/۰۱ ۰۰:۰۰)."""
    frame = pd.read_parquet(upload)
    stamps = pd.DatetimeIndex(frame.timestamp.unique())
    local = stamps.tz_convert("Asia/Tehran").tz_localize(None).to_pydatetime()
    text = [jdatetime.datetime.fromgregorian(datetime=t).strftime("%Y/%m/%d %H:%M") for t in local]
    written = dict(zip(stamps, [t.translate(PERSIAN_DIGITS) for t in text], strict=True))
    path = tmp_path_factory.mktemp("web-upload-fa") / "tehran_export.csv"
    frame.assign(timestamp=frame.timestamp.map(written)).to_csv(path, index=False)
    return path


def test_the_persian_page_upload_list_series_and_outcome(page: Page, server: Server, tehran_export: Path) -> None:
    """?lang=fa: right to left, the Persian catalogue, Solar Hijri dates in list, axis and outcome form."""
    page.goto(server.url + "/?lang=fa")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("h1")).to_have_text("امتیازدهی داده‌های بار")
    expect(page.locator("#upload-form button[type=submit]")).to_have_text("بارگذاری و امتیازدهی")
    page.set_input_files("#file", str(tehran_export))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#error")).to_have_text(
        "هنوز کلید API وارد نشده است: آن را در کادر بالای صفحه وارد کنید. "
        "(با `detector keys create NAME` بسازید؛ نخستین اجرای `detector serve` یکی چاپ کرده است.)"
    )
    use_key(page, KEY)
    expect(page.locator("#key-state")).to_have_text(f"کلید {KEY[:10]}… در حال استفاده ✓")

    page.select_option("#upload-form select[name=calendar]", "solar-hijri")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/jobs/*")  # no ?lang here: the cookie remembers the choice
    page.wait_for_selector("body[data-ready=list]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#job-state")).to_have_text("پایان: 4 سری، 2 نشان‌دار، 0 ناموفق")
    expect(page.locator("#list th button[data-sort=onset]")).to_have_text("آغاز (UTC)")
    rows = page.locator("#list tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first.locator(".badge")).to_have_text("نشان‌دار")
    job_id = page.url.split("/jobs/")[1].split("?")[0]
    api = httpx.Client(base_url=server.url, headers={"X-API-Key": KEY})
    results = {r["series_id"]: r for r in api.get(f"/v1/jobs/{job_id}/results").json()["items"]}
    top = rows.first.locator("td:nth-child(2)").inner_text()
    assert top in MINERS
    onset = solar_hijri_text(results[top]["onset"], "UTC")
    assert results[top]["onset_local"] is not None  # the job read the Solar Hijri export
    expect(rows.first.locator("td:nth-child(7)")).to_have_text(onset)

    page.click("#digits-switch")  # Persian digits, remembered too
    page.wait_for_selector("body[data-ready=list]")
    expect(page.locator("#job-state")).to_have_text("پایان: ۴ سری، ۲ نشان‌دار، ۰ ناموفق")
    expect(rows.first.locator("td:nth-child(7)")).to_have_text(onset.translate(PERSIAN_DIGITS))

    rows.first.locator("a").click()
    page.wait_for_selector("body[data-ready=series]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#verdict")).to_have_text("نشان‌دار برای بازرسی")
    expect(page.locator("#headline")).to_contain_text("دستگاه معادل")
    # the axis: one label per Solar Hijri month of 1402 (the data run Farvardin 1 to Esfand 29, 1402)
    assert page.evaluate("chart.axes[0]._values") == [f"۱۴۰۲ {m}" for m in FA_MONTHS]

    start = api.get(f"/v1/jobs/{job_id}/series/{top}").json()["report"]["segments"][0]["start"]
    segment = solar_hijri_text(start, "Asia/Tehran").translate(PERSIAN_DIGITS)
    expect(page.locator("#outcome-form select[name=segment_start] option:checked")).to_have_text(f"از {segment}")
    expect(page.locator("#outcomes")).to_have_text("هنوز نتیجه‌ای ثبت نشده")
    page.check("#outcome-form input[value=mining]")
    page.fill("#outcome-form textarea[name=note]", "دستگاه‌ها پشت پست")
    page.click("#outcome-form button[type=submit]")
    recorded = page.locator("#outcomes li[data-outcome=mining]")
    expect(recorded).to_contain_text(f"استخراج پیدا شد (بازه از {segment})، ثبت‌شده به دست ")
    expect(recorded).to_contain_text(": دستگاه‌ها پشت پست")
    stored = api.get("/v1/outcomes", params={"series_id": top, "job_id": job_id}).json()["items"]
    assert [(o["outcome"], o["segment_start"]) for o in stored] == [("mining", start)]


def test_errors_are_shown_as_the_problem_detail(page: Page, server: Server) -> None:
    page.goto(server.url + "/")
    use_key(page, KEY)
    expect(page.locator("#key-state")).to_contain_text("✓")
    page.goto(server.url + "/jobs/0123456789abcdef/series?id=feeder-0001")
    expect(page.locator("#error")).to_have_text("Not found: no job with id '0123456789abcdef'")
    page.goto(server.url + "/jobs/0123456789abcdef")
    expect(page.locator("#error")).to_have_text("Not found: no job with id '0123456789abcdef'")

    page.goto(server.url + "/")  # a file the worker cannot read: the job fails and says why
    page.set_input_files("#file", {"name": "wrong.csv", "mimeType": "text/csv", "buffer": b"meter,when,kwh\nm1,x,1\n"})
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/jobs/*")
    expect(page.locator("#error")).to_contain_text("The job failed: ")
    expect(page.locator("#error")).to_contain_text("series_id")
    expect(page.locator("#job-state")).to_have_text("failed")

    page.goto(server.url + "/")
    page.fill("#paste-form textarea", "timestamp,load\n2024-03-20T00:00:00+03:30,1.5\n2024-03-20T01:00:00+03:30,1.4\n")
    page.click("#paste-form button[type=submit]")  # two readings: the job runs, the series fails
    page.wait_for_selector("body[data-ready=list]")
    expect(page.locator("#job-state")).to_contain_text("1 failed")
    # Failed series are listed with their reason by default; the box hides them
    expect(page.locator("#filters input[name=errors]")).to_be_checked()
    expect(page.locator("#list tbody tr.failed")).to_contain_text("need")
    page.uncheck("#filters input[name=errors]")
    expect(page.locator("#list tbody tr.failed")).to_have_count(0)


def test_paste_one_series(page: Page, server: Server) -> None:
    """35 days of one feeder pasted as lines (with a header) become a one-series job and its page."""

    one = pd.read_parquet(SAMPLE / "tehran_feeders.parquet").query("series_id == 'feeder-0006'").head(35 * 24)
    lines = ["timestamp\tload\ttemperature"] + [
        f"{t.isoformat()}\t{v}\t{c}" for t, v, c in zip(one.timestamp, one.load, one.temperature, strict=True)
    ]
    page.goto(server.url + "/")
    use_key(page, KEY)
    expect(page.locator("#key-state")).to_contain_text("✓")
    page.fill("#paste-form textarea", "\n".join(lines))
    page.fill("#paste-form input[name=series_id]", "pasted-feeder")
    page.fill("#paste-form input[name=unit]", "MW")
    country = page.locator("#paste-form input[name=country]")  # optional: empty means the zone's country
    expect(country).to_have_value("")
    expect(country).to_have_attribute("placeholder", "from the zone")
    page.click("#paste-form button[type=submit]")
    page.wait_for_selector("body[data-ready=list]")
    expect(page.locator("#job-state")).to_contain_text("done: 1 series")
    page.locator("#list tbody tr a").first.click()
    page.wait_for_selector("body[data-ready=series]")
    assert page.evaluate("chart.data[0].length") == 35 * 24
    expect(page.locator("#quality")).to_contain_text("840 hours (35 days)")
    expect(page.locator("#quality")).to_contain_text("holiday calendar: IR, inferred from the zone Asia/Tehran")


def test_the_paste_form_sends_its_country(page: Page, server: Server) -> None:
    """A country typed in the paste form is the job's holiday calendar (no note: nothing was inferred)."""
    one = pd.read_parquet(SAMPLE / "tehran_feeders.parquet").query("series_id == 'feeder-0013'").head(35 * 24)
    page.goto(server.url + "/")
    use_key(page, KEY)
    expect(page.locator("#key-state")).to_contain_text("✓")
    lines = [f"{t.isoformat()},{v}" for t, v in zip(one.timestamp, one.load, strict=True)]
    page.fill("#paste-form textarea", "\n".join(lines))
    page.fill("#paste-form input[name=series_id]", "pasted-es")
    page.fill("#paste-form input[name=unit]", "MW")
    page.fill("#paste-form input[name=timezone]", "Europe/Madrid")
    page.fill("#paste-form input[name=country]", "es")
    page.click("#paste-form button[type=submit]")
    page.wait_for_selector("body[data-ready=list]")
    job_id = page.url.split("/jobs/")[1].split("?")[0]
    options = httpx.get(f"{server.url}/v1/jobs/{job_id}", headers={"X-API-Key": KEY}).json()["options"]
    assert (options["country"], options["timezone"]) == ("ES", "Europe/Madrid")


def test_the_upload_form_sends_a_false_alarm_budget(page: Page, server: Server) -> None:
    """A budget typed in the upload form is the job's max_false_alarm; with a threshold too, the page shows why
    the upload was refused."""
    one = pd.read_parquet(SAMPLE / "tehran_feeders.parquet").query("series_id == 'feeder-0001'")
    body = one[["series_id", "timestamp", "load"]].assign(unit="MW").to_csv(index=False).encode()
    page.goto(server.url + "/")
    use_key(page, KEY)
    expect(page.locator("#key-state")).to_contain_text("✓")
    page.set_input_files("#file", {"name": "one.csv", "mimeType": "text/csv", "buffer": body})
    page.fill("#upload-form input[name=threshold]", "0.5")
    page.fill("#upload-form input[name=max_false_alarm]", "0.05")
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#error")).to_contain_text("give threshold or max_false_alarm, not both")
    page.fill("#upload-form input[name=threshold]", "")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("body[data-ready=list]")
    job_id = page.url.split("/jobs/")[1].split("?")[0]
    options = httpx.get(f"{server.url}/v1/jobs/{job_id}", headers={"X-API-Key": KEY}).json()["options"]
    assert options["max_false_alarm"] == 0.05
    assert options["threshold"] is None


def test_a_running_job_shows_what_is_scored_so_far(page: Page, server: Server, tmp_path: Path) -> None:
    feeders = pd.read_parquet(SAMPLE / "tehran_feeders.parquet")
    big = pd.concat([feeders.assign(series_id=feeders.series_id + f"-{i}") for i in range(5)])  # 150 series
    path = tmp_path / "many.parquet"
    big.to_parquet(path, index=False)
    with path.open("rb") as f, httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=60) as http:
        job_id = http.post("/v1/jobs", files={"file": ("many.parquet", f)}, data={"timezone": "Asia/Tehran"}).json()[
            "id"
        ]
    page.goto(server.url + "/")
    use_key(page, KEY)
    page.goto(f"{server.url}/jobs/{job_id}?refresh=500")
    page.wait_for_selector("body[data-partial]")
    expect(page.locator("#partial")).to_be_visible()
    partial = int(page.locator("body").get_attribute("data-partial") or 0)
    assert 0 < partial < 150
    # Scoring 150 series takes ~10 s on a quiet machine and over 30 s (Playwright's default wait) on a busy one:
    # what is tested is that the page follows the job to the end, not how fast the job runs.
    page.wait_for_selector("body[data-ready=list]", timeout=180_000)
    expect(page.locator("#partial")).to_be_hidden()
    expect(page.locator("#job-state")).to_contain_text("done: 150 series")


@pytest.mark.parametrize(
    ("path", "selector", "operation"),
    [("/docs", ".opblock-summary-path", "/v1/score"), ("/redoc", "h2", "Score Series")],
)
def test_api_docs_render_with_the_network_cut_off(
    page: Page, server: Server, path: str, selector: str, operation: str
) -> None:
    """Swagger UI and ReDoc render the operations from the app's own assets; any other host is unreachable."""
    elsewhere: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(server.url + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    page.context.route("**/*", only_this_server)
    page.goto(server.url + path, wait_until="networkidle")  # everything the page would fetch has been asked for
    expect(page.locator(selector, has_text=operation).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert elsewhere == [], f"{path} tried to load from other hosts: {elsewhere}"
