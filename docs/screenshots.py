"""Regenerate the screenshots of the web page (docs/*.png, shown in docs/web.md) in headless system Chromium.

Starts ``detector serve`` on a free loopback port with a temporary data directory, uploads
``sample_data/tehran_feeders.parquet`` through the page and photographs each page, in English and then in
Persian (``*-fa.png``: right to left, Solar Hijri dates, Persian digits); the progress bar is photographed on a
larger simulated upload (400 feeders) while it is being scored.

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "web"))
from harness import KEY, Server, launch  # noqa: E402

DOCS = ROOT / "docs"
SAMPLE = ROOT / "sample_data" / "tehran_feeders.parquet"


def upload(page: Page, path: Path) -> None:
    """Upload ``path`` from the page's form (zone Asia/Tehran) and land on its job page."""
    page.set_input_files("#file", str(path))
    page.fill("#upload-form input[name=timezone]", "Asia/Tehran")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/jobs/*")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "feeders_400.parquet"
        detector_cli = str(Path(sys.executable).with_name("detector"))
        subprocess.run([detector_cli, "simulate", "--out", str(big), "--n-series", "400", "--seed", "3"], check=True)
        server = Server(Path(tmp))
        server.start()
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                page.goto(server.url + "/")
                page.fill("#api-key", KEY)
                page.click("#key-form button")
                page.wait_for_selector("#key-state:has-text('✓')")

                upload(page, big)  # the progress bar, mid-way
                page.wait_for_function("document.querySelector('#progress').value > 0.15", timeout=120_000)
                page.screenshot(path=DOCS / "job-progress.png")
                page.wait_for_selector("body[data-ready=list]", timeout=300_000)

                page.goto(server.url + "/")
                upload(page, SAMPLE)
                page.wait_for_selector("body[data-ready=list]", timeout=120_000)
                page.goto(server.url + "/")  # the upload page, now with recent jobs
                pasted = "2024-03-20T00:00:00+03:30,1.71,12.5\n2024-03-20T01:00:00+03:30,1.64,11.9\n…"
                page.fill("#paste-form textarea", pasted)
                page.screenshot(path=DOCS / "upload.png")
                page.go_back()
                page.wait_for_selector("body[data-ready=list]")
                job_url = page.url
                page.screenshot(path=DOCS / "inspection-list.png")

                page.locator("#list tbody tr a").first.click()
                page.wait_for_selector("body[data-ready=series]")
                time.sleep(0.3)
                page.screenshot(path=DOCS / "series.png", full_page=True)
                page.click("[data-zoom=onset]")
                box = page.locator("#chart canvas").bounding_box()
                assert box is not None
                page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.4)
                page.locator("#chart").screenshot(path=DOCS / "series-week.png")

                page.goto(server.url + "/?lang=fa&digits=fa")  # the same pages in Persian, with Persian digits
                page.fill("#paste-form textarea", pasted)
                page.screenshot(path=DOCS / "upload-fa.png")
                page.goto(job_url)  # no ?lang: the cookie keeps the page Persian
                page.wait_for_selector("body[data-ready=list]")
                page.screenshot(path=DOCS / "inspection-list-fa.png")
                page.locator("#list tbody tr a").first.click()
                page.wait_for_selector("body[data-ready=series]")
                time.sleep(0.3)
                page.screenshot(path=DOCS / "series-fa.png", full_page=True)
                browser.close()
        finally:
            server.stop()
    names = ("upload", "job-progress", "inspection-list", "series", "series-week")
    names += ("upload-fa", "inspection-list-fa", "series-fa")
    sys.stdout.write("".join(f"{DOCS / name}.png\n" for name in names))


if __name__ == "__main__":
    main()
