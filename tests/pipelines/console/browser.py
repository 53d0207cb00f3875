"""Headless Chromium driven by Selenium: Debian's ``chromium`` and ``chromium-driver`` packages, which
scripts/install-browser installs (scripts/test calls it). Without them the browser tests skip on a
developer's machine and fail in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.conftest import ROOT, skip_unless_required

SHOTS = os.environ.get("WIREWATCH_SCREENSHOTS")  # a folder: the tests save each page there (docs/ for the README)


def chromium():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    if not browser or not driver:
        skip_unless_required("headless Chromium is missing: run scripts/install-browser (Debian's chromium and "
                             "chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,900", "--no-first-run", "--disable-extensions", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-default-apps"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=options)


def screenshot(driver, name: str, height: int | None = None) -> None:
    """Save the page as ``<name>.png`` in $WIREWATCH_SCREENSHOTS (the whole page, up to ``height``)."""
    if not SHOTS:
        return
    folder = Path(SHOTS) if Path(SHOTS).is_absolute() else ROOT / SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    full = driver.execute_script("return document.documentElement.scrollHeight")
    chrome = driver.execute_script("return window.outerHeight - window.innerHeight")
    driver.set_window_size(1280, min(max(full, 600), height or 1600) + chrome)
    driver.save_screenshot(str(folder / f"{name}.png"))
    driver.set_window_size(1280, 900)
