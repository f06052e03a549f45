"""The interactive report in a real headless browser: click a point, see its map and tables.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package; skipped with
a message saying so where they are missing. Set ``LANDALLOC_REPORT_SCREENSHOT=docs/report.png``
to refresh the README's screenshot from this test.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.report import report_html
from tests.test_report_fronts import county, county_folder, county_front

HEADLESS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync", "--window-size=1400,1900")


def _browser_paths() -> tuple[str, str]:
    browser = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        pytest.skip("no headless Chromium: install Debian's chromium and chromium-driver "
                    "(apt-get install -y chromium chromium-driver) to run the browser test")
    return browser, driver


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    binary, driver = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in HEADLESS:
        options.add_argument(flag)
    session = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    session.set_script_timeout(60)
    yield session
    session.quit()


def _wait(condition, timeout: float = 60.0, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _click_point(session, key: str) -> None:
    """A real mouse click on the front's marker of solution ``key`` (first series)."""
    from selenium.webdriver.common.action_chains import ActionChains

    index = session.execute_script(
        "const D = JSON.parse(document.getElementById('report-data').textContent);"
        "return D.series[0].points.findIndex(p => p.key === arguments[0]);", key)
    assert index >= 0, key
    marker = session.execute_script(
        "const trace = document.querySelectorAll('#front .scatterlayer .trace')[0];"
        "return trace.querySelectorAll('path.point')[arguments[0]];",
        index)
    # off the chart first, so that the hover label of the last click cannot cover this marker
    away = session.find_element("id", "versus")
    ActionChains(session).move_to_element(away).pause(0.2).move_to_element(marker).pause(0.2).click().perform()


def _state(session, panel: str) -> dict:
    return session.execute_script(
        "const p = arguments[0];"
        "const map = document.getElementById('map-' + p);"
        "const image = (map.layout.images || [])[0];"
        "return {solution: map.dataset.painted,"
        "        map: image ? image.source : '',"
        "        legend: map.querySelector('.legend').textContent,"
        "        tables: document.getElementById('tables-' + p).innerHTML,"
        "        title: document.getElementById('title-' + p).textContent,"
        "        versus: document.getElementById('versus').textContent};", panel)


def test_clicking_a_point_shows_its_map_and_tables(browser, tmp_path):
    folder = county_folder(tmp_path, ("efficiency", "ecology"), seed=1, method="nsga2")
    front = ParetoFront.read(folder)
    page = folder / "report.html"
    page.write_text(report_html(front, county()[1]), encoding="utf-8")
    browser.get(page.resolve().as_uri())
    _wait(lambda: browser.execute_script("return document.body.dataset.ready === 'true'"), what="the report")

    before = _state(browser, "a")
    ids = front.points["id"].astype(str).tolist()
    target = next(i for i in ids if i != before["solution"])
    _click_point(browser, target)
    _wait(lambda: _state(browser, "a")["solution"] == target, what=f"map A to show {target}")
    assert before["map"].startswith("data:image/png;base64,") and "cropland 耕地" in before["legend"]
    after = _state(browser, "a")
    assert after["map"] != before["map"], "the map redraws with the clicked layout"
    assert after["tables"] != before["tables"], "the tables follow the clicked layout"
    assert after["title"].startswith(target) and target in after["versus"]
    assert "Area by use against quotas" in after["tables"] and "cropland 耕地" in after["tables"]

    # clicks into B: side by side, A stays
    b_before = _state(browser, "b")
    browser.find_element("id", "target-b").click()
    other = next(i for i in ids if i != target)
    _click_point(browser, other)
    _wait(lambda: _state(browser, "b")["solution"] == other, what=f"map B to show {other}")
    assert _state(browser, "b")["map"] != b_before["map"]
    assert _state(browser, "a")["solution"] == target

    # the change view redraws the map; the page fetched nothing from the network
    browser.find_element("id", "change-a").click()
    _wait(lambda: _state(browser, "a")["solution"] == f"{target}:change", what="the change map")
    assert _state(browser, "a")["map"] != after["map"] and "unchanged" in _state(browser, "a")["legend"]
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.startsWith('http'));")
    assert fetched == []

    browser.find_element("id", "change-a").click()
    shot = Path(os.environ.get("LANDALLOC_REPORT_SCREENSHOT") or tmp_path / "report.png")
    browser.execute_script("window.scrollTo(0, 0);")
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_clicking_the_scatter_matrix_of_three_objectives(browser, tmp_path):
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    front = county_front(("efficiency", "equity", "ecology"))
    page = tmp_path / "report.html"
    page.write_text(report_html(front, county()[1]), encoding="utf-8")
    browser.get(page.resolve().as_uri())
    _wait(lambda: browser.execute_script("return document.body.dataset.ready === 'true'"), what="the report")
    assert browser.find_elements("css selector", "#parallel .parcoords")
    before = _state(browser, "a")
    target = next(i for i in front.points["id"].astype(str) if i != before["solution"])
    # the lower-left panel of the matrix plots efficiency (x) against ecology (y)
    x, y = browser.execute_script(
        "const gd = document.getElementById('front'), full = gd._fullLayout, box = gd.getBoundingClientRect();"
        "const D = JSON.parse(document.getElementById('report-data').textContent);"
        "const p = D.series[0].points.find(q => q.key === arguments[0]);"
        "return [box.left + full.xaxis._offset + full.xaxis.l2p(p.values[0]),"
        "        box.top + full.yaxis3._offset + full.yaxis3.l2p(p.values[2])];", target)
    click = ActionBuilder(browser)
    click.pointer_action.move_to_location(int(x), int(y)).click()
    click.perform()
    _wait(lambda: _state(browser, "a")["solution"] == target, what=f"map A to show {target}")
    assert _state(browser, "a")["tables"] != before["tables"]


def _downloaded(session, button: str) -> tuple[str, bytes]:
    """Click a download button and read back the file the page built (its name and bytes)."""
    session.execute_script(
        "window.__files = [];"
        "if (!window.__realCreate) {"
        "  window.__realCreate = URL.createObjectURL;"
        "  URL.createObjectURL = function (blob) { window.__files.push(blob); return window.__realCreate(blob); };"
        "  HTMLAnchorElement.prototype.click = function () { window.__name = this.download; };"
        "}")
    session.find_element("id", button).click()
    name, data = session.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.__files[0].arrayBuffer().then(b => done([window.__name, Array.from(new Uint8Array(b))]));")
    return name, bytes(data)


def test_downloading_the_shown_layout(browser, tmp_path):
    front = county_front(("efficiency", "ecology"))
    page = tmp_path / "report.html"
    page.write_text(report_html(front, county()[1]), encoding="utf-8")
    browser.get(page.resolve().as_uri())
    _wait(lambda: browser.execute_script("return document.body.dataset.ready === 'true'"), what="the report")
    shown = _state(browser, "a")["solution"]
    index = front.points["id"].astype(str).tolist().index(shown)
    codes = [front.uses[k].code for k in front.layouts[index]]
    ids = front.parcels["parcel_id"].astype(str).tolist()

    name, data = _downloaded(browser, "download-csv-a")
    assert name == f"{shown}.csv" and data.startswith("\ufeffparcel_id,use".encode())  # a BOM for Excel
    table = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig")
    assert table["parcel_id"].tolist() == ids and table["use"].tolist() == codes

    name, data = _downloaded(browser, "download-geojson-a")
    assert name == f"{shown}.geojson"
    path = tmp_path / name
    path.write_bytes(data)
    read = gpd.read_file(path, engine="pyogrio")
    assert read.crs.to_epsg() == 4326 and read["parcel_id"].astype(str).tolist() == ids
    assert read["use"].tolist() == codes and json.loads(data)["type"] == "FeatureCollection"
    areas = read.to_crs(front.parcels.crs).area.to_numpy()
    assert areas == pytest.approx(front.parcels.area.to_numpy(), rel=1e-4)
