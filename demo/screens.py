"""Screenshots for a person to look at: Debian's headless Chromium, driven by playwright.

Optional in the demo: without chromium (or playwright) it says so and goes on.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def screenshot(url: str, path: Path, width: int = 1400, height: int = 900, wait_for_text: str | None = None) -> bool:
    """Open ``url`` and save a full-page PNG; False (and a note) when no browser is at hand."""
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print(f"(no chromium: skipped the screenshot {path.name})", flush=True)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=width < 500)
            page.goto(url)
            if wait_for_text:
                page.get_by_text(wait_for_text).first.wait_for(timeout=60_000)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(path), full_page=True)
        finally:
            browser.close()
    return True
