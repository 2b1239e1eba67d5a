"""The page at GET /, in real headless Chromium (Debian's chromium and chromedriver, through selenium)."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)",
)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # no Selenium Manager: offline
    yield driver
    driver.quit()


def score_in_page(browser, port: int, review: str) -> tuple[float, str, dict[str, float]]:
    """Type ``review``, press Score, wait for the answer; read back the score, label and shading."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"http://127.0.0.1:{port}/")
    box = browser.find_element(By.ID, "review")
    box.clear()
    box.send_keys(review)
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 30).until(expected_conditions.visibility_of_element_located((By.ID, "result")))
    words = browser.find_elements(By.CSS_SELECTOR, "#words .word")
    shading = {word.text: float(word.get_attribute("data-weight")) for word in words}
    backgrounds = {word.text: word.value_of_css_property("background-color") for word in words}
    assert browser.find_element(By.ID, "words").text == review  # the review itself, every character kept
    for text, weight in shading.items():  # green for positive, red for negative
        red, green = (int(part) for part in backgrounds[text].split("(")[1].split(",")[:2])
        assert (green > red) if weight > 0 else (red > green) if weight < 0 else True, (text, backgrounds[text])
    probability = float(browser.find_element(By.ID, "probability").text)
    return probability, browser.find_element(By.ID, "label").text, shading


def test_the_page_scores_and_shades_a_positive_and_a_negative_review(browser, served_model: int) -> None:
    probability, label, shading = score_in_page(
        browser, served_model, "A wonderful film: the acting is brilliant and I love the story."
    )
    assert probability > 0.5 and label == "positive"
    assert shading["wonderful"] > 0 and shading["brilliant"] > 0 and shading["love"] > 0

    probability, label, shading = score_in_page(browser, served_model, "Boring and awful. The worst plot, a waste.")
    assert probability < 0.5 and label == "negative"
    assert shading["Boring"] < 0 and shading["awful"] < 0 and shading["worst"] < 0


def test_the_page_shows_the_servers_error(browser, served_model: int) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"http://127.0.0.1:{served_model}/")
    box = browser.find_element(By.ID, "review")
    box.clear()
    browser.execute_script("arguments[0].value = 'x'.repeat(100001)", box)  # over the per-review limit
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 30).until(lambda driver: driver.find_element(By.ID, "error").text)
    assert "at most 100000 characters" in browser.find_element(By.ID, "error").text


def test_the_page_refuses_a_review_without_known_words(browser, served_model: int) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"http://127.0.0.1:{served_model}/")
    box = browser.find_element(By.ID, "review")
    box.clear()
    box.send_keys("<br /><br />")
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 30).until(lambda driver: driver.find_element(By.ID, "error").text)
    assert "has no word the model knows" in browser.find_element(By.ID, "error").text


def test_the_api_docs_render_offline(browser, served_model: int) -> None:
    """Swagger UI's script and styles come from the server itself: with no internet (as here and in
    CI) FastAPI's default /docs, which loads them from a CDN, stays blank."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"http://127.0.0.1:{served_model}/docs")
    title = WebDriverWait(browser, 30).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title")
    )
    assert title[0].text.startswith("Sentiment — trained on IMDB movie reviews")
    operations = browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
    assert {op.text.replace("\u200b", "") for op in operations} >= {"/predict", "/health"}
    scripts = [s.get_attribute("src") for s in browser.find_elements(By.TAG_NAME, "script") if s.get_attribute("src")]
    assert scripts and all(src.startswith(f"http://127.0.0.1:{served_model}/") for src in scripts)
