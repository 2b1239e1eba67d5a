"""The README's picture of the page: serve the default model, score a review in headless Chromium.

    uv run python bench/screenshot.py        # needs data/ensemble.zip and Debian's chromium + chromium-driver

Writes docs/serve.png.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from serve import free_port, start_server  # bench/serve.py

REPO = Path(__file__).resolve().parents[1]
REVIEW = (
    "Not the masterpiece some claim, but a wonderful little film. The acting is brilliant, "
    "although the plot drags in the middle and the ending felt rushed and predictable."
)


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or sys.exit("needs Debian's chromium")
    for flag in ("--headless=new", "--no-sandbox", "--window-size=1000,1000", "--hide-scrollbars"):
        options.add_argument(flag)
    port = free_port()
    server = start_server("data/ensemble.zip", port)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(f"http://127.0.0.1:{port}/")
        box = driver.find_element(By.ID, "review")
        box.clear()
        box.send_keys(REVIEW)
        driver.find_element(By.ID, "submit").click()
        WebDriverWait(driver, 30).until(expected_conditions.visibility_of_element_located((By.ID, "result")))
        driver.save_screenshot(str(REPO / "docs" / "serve.png"))
    finally:
        driver.quit()
        server.terminate()


if __name__ == "__main__":
    main()
