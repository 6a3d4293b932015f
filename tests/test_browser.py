"""The page `autodiff run --html` writes, driven in a real browser: headless Chromium through Playwright.

Playwright's own browser downloads are not used: the tests drive the system's Chromium (Debian's `chromium`
package; `.ci/run` installs it) through its executable path, with a fresh profile. Without the `playwright`
package or a Chromium they are skipped, saying which is missing.

Each page is opened from disk; every request it makes is recorded (only the page's own file may be read) and
every console message kept (none may be an error or a warning).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_pictures import EXAMPLES, PROGRAMS, explain_checks, explain_factors, page_of  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "images" / "leaf_tensors_page.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("AUTODIFF_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def unavailable(reason: str) -> None:
    """Skip, or fail where the browser tests must run (.ci/run sets AUTODIFF_REQUIRE_BROWSER=1)."""
    if os.environ.get("AUTODIFF_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright import sync_api
    except ImportError:
        unavailable("the playwright package is not installed (pip install '.[test]')")
    executable = find_chromium()
    if executable is None:
        unavailable("no Chromium found (apt-get install -y chromium, or set AUTODIFF_CHROMIUM to its path)")
    profile = tempfile.mkdtemp(prefix="autodiff-chromium-")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1280, "height": 900}, service_workers="block")
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


class Opened:
    """A page opened from disk, with what it asked for and what it logged."""

    def __init__(self, context, path: Path, *, width: int, scheme: str):
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.messages: list[str] = []
        self.page = context.new_page()
        self.page.set_viewport_size({"width": width, "height": 900})
        self.page.emulate_media(color_scheme=scheme)
        self.page.on("console", lambda message: self.messages.append(f"{message.type}: {message.text}"))
        self.page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))
        self.page.route("**/*", self._route)
        self.page.goto(self.url)

    def _route(self, route) -> None:
        self.requests.append(route.request.url)
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def check_clean(self) -> None:
        assert self.requests == [self.url], "the page asked for something besides itself"
        assert not [m for m in self.messages if m.split(":")[0] in ("error", "warning", "pageerror")], self.messages


@pytest.fixture
def open_page(browser, tmp_path):
    """open_page(program, width=, scheme=): the program's page (written by `run --html`), opened in Chromium."""
    opened: list[Opened] = []

    def open_(program: Path, *, width: int = 1280, scheme: str = "light") -> Opened:
        path = tmp_path / f"{program.stem}.html"
        if not path.exists():
            page_of(program, tmp_path)
        opened.append(Opened(browser, path, width=width, scheme=scheme))
        return opened[-1]

    yield open_
    for page in opened:
        page.page.close()


def node_with_text(page, container: str, *lines: str):
    for node in page.locator(f"{container} .node").all():
        texts = node.locator("text").all_text_contents()
        if texts[:len(lines)] == list(lines):
            return node
    raise AssertionError(f"no node {lines} in {container}")


def test_page_shows_the_table_and_the_graph(open_page):
    opened = open_page(EXAMPLES / "leaf_tensors.ad")
    page = opened.page
    assert page.locator("#tensor-table tbody tr").count() == 8
    assert page.locator("#tensor-table tbody tr[data-name=x1] td").last.inner_text() == "[[-30, -30], [-30, -30]]"
    assert "non-leaf: call retain_grad()" in page.locator("#tensor-table tbody tr[data-name=y]").inner_text()
    assert page.locator("#main-graph svg .node").count() == 7
    assert page.locator("#main-graph svg path.edge").count() == 6
    assert page.locator("#L12 + li.out").inner_text().startswith("L = tensor([[-50., -50.],")
    opened.check_clean()


def test_clicking_a_node_shows_its_grad_and_line(open_page):
    opened = open_page(EXAMPLES / "leaf_tensors.ad")
    page = opened.page
    node_with_text(page, "#main-graph", "AccumulateGrad", "x1 [2, 2]").click()
    assert page.locator("#node-grad").inner_text().startswith("[[-30, -30], [-30, -30]]")
    assert page.locator("ol.code li.src.hl").get_attribute("id") == "L5"
    # a grad_fn node: the local derivative it applies, as explain writes it
    node_with_text(page, "#main-graph", "MulBackward0", "y [2, 2]").click()
    factors = page.locator("#node-details [data-role=factor]").all_inner_texts()
    assert factors == ["dy/dx2 = w2 = 6", "dy/dw2 = x2 = 10"]
    assert page.locator("ol.code li.src.hl").get_attribute("id") == "L9"
    # by keyboard: focus a node and press Enter
    node_with_text(page, "#main-graph", "AccumulateGrad", "w1 [2, 2]").focus()
    page.keyboard.press("Enter")
    assert page.locator("#node-grad").inner_text().startswith("[[-12, -12], [-12, -12]]")
    opened.check_clean()


def test_stepping_through_backward_shows_explains_numbers(open_page):
    program = EXAMPLES / "leaf_tensors.ad"
    from make_views import run_view

    explained, _, _ = run_view(program, "explain")
    factors, checks = explain_factors(explained), explain_checks(explained)
    opened = open_page(program)
    page = opened.page
    seen = []
    for number in range(1, 7):
        assert page.locator("#step-count").inner_text() == f"Step {number} of 6"
        title = page.locator("#step-title").inner_text()
        seen.append(title)
        for send in page.locator("#step-details [data-role=send]").all():
            derivative, factor = (send.locator("code").nth(1).inner_text(), send.locator("code.factor").inner_text())
            assert factors[derivative] == factor
            target = send.get_attribute("data-to-label")
            value = send.locator("code.send-value").inner_text()
            if target in checks:  # the gradient sent into a leaf is the leaf's gradient (one path each here)
                assert value == checks[target]
        if title.startswith("AccumulateGrad"):
            leaf = title.split()[1]
            assert checks[leaf] in page.locator("#step-details [data-role=leaf-grad]").inner_text()
        assert page.locator("#pass-graphs svg .node.current").count() == 1
        if number < 6:
            (page.keyboard.press("ArrowRight") if number % 2 else page.click("#step-next"))
    assert seen == ["SubBackward0 L", "MulBackward0 y", "AccumulateGrad w2", "MulBackward0 x2", "AccumulateGrad w1",
                    "AccumulateGrad x1"]
    assert page.locator("#step-next").is_disabled()
    page.keyboard.press("ArrowLeft")
    assert page.locator("#step-count").inner_text() == "Step 5 of 6"
    page.click("#step-prev")
    assert page.locator("#step-title").inner_text() == "MulBackward0 x2"
    # the edges of the current step are marked with what they carry
    assert page.locator("#pass-graphs svg .edge.active").count() == 2
    assert sorted(page.locator("#pass-graphs svg .edge-label").all_text_contents()) == ["-12", "-30"]
    opened.check_clean()


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_every_page_works(open_page, program):
    opened = open_page(program)
    page = opened.page
    assert page.locator("#tensor-table").count() == 1
    passes = page.locator("#pass-select option").count()
    for index in range(passes):
        page.select_option("#pass-select", index=index)
        total = int(re.search(r"of (\d+)", page.locator("#step-count").inner_text() + " of 0").group(1))
        for _ in range(total - 1):
            page.keyboard.press("ArrowRight")
        if total:
            assert page.locator("#step-count").inner_text() == f"Step {total} of {total}"
    for node in page.locator("#main-graph .node").all()[:12]:
        node.click()
        assert page.locator("#node-details h3").count() == 1
    if "bad_gradient" in program.stem:
        assert page.locator("#script-error").inner_text().startswith("RuntimeError: Mismatch in shape")
        assert page.locator("#run-status").inner_text() == "The script stopped at line 7 with RuntimeError."
    opened.check_clean()


def test_page_fits_a_phone_and_has_dark_colours(open_page):
    light = open_page(EXAMPLES / "leaf_tensors.ad", width=390)
    width = light.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone (its wide parts must scroll inside their boxes)"
    background = light.page.evaluate("getComputedStyle(document.body).backgroundColor")
    dark = open_page(EXAMPLES / "leaf_tensors.ad", scheme="dark")
    dark_background = dark.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(255, 255, 255)" and dark_background == "rgb(15, 23, 42)"
    dark.page.click("#theme-toggle")
    assert dark.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    light.check_clean()
    dark.check_clean()


def test_screenshot_for_the_readme(open_page, request, tmp_path):
    """The README's picture of the page: the graph with x1 selected and backward at its fourth step."""
    opened = open_page(EXAMPLES / "leaf_tensors.ad", width=1100)
    page = opened.page
    node_with_text(page, "#main-graph", "AccumulateGrad", "x1 [2, 2]").click()
    for _ in range(3):
        page.click("#step-next")
    target = SCREENSHOT if request.config.getoption("--update-screenshots") else tmp_path / "page.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.locator("#graph").screenshot(path=str(tmp_path / "graph.png"))
    page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    opened.check_clean()
