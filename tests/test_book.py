"""course.py book: the executed notebooks as a static website that works offline, checked as
docs/instructors.md ("The course as a website") states it: the student edition by default and the instructor's
with --solutions; no progress bar and no folder of the building machine on the pages; a sidebar with the
syllabus, the page's contents, a download link (the student notebook) and an offline search; the site loads in
a real browser (headless Chromium, Debian's `chromium` package, driven through the DevTools protocol) from the
folder and from a static web server, where every request it makes is recorded and any that is not local fails
the test; figures render, math typesets, links work and notebook 05's animation plays."""
import fcntl
import functools
import html
import http.server
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from gencore.course import book

ROOT = Path(__file__).resolve().parents[1]
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
NEEDS_BROWSER = pytest.mark.skipif(BROWSER is None, reason="no Chromium here: `sudo apt-get install chromium` "
                                   "(Debian/Ubuntu) to run the browser tests of the website")
STUDENT = ["index.html", "00_generative_models.html", "02_variational_inference.html", "05_draw.html"]
BAR = re.compile(r"\d+%\|[^|<\n]*\|\s*\d+/\d+|\[\d\d:\d\d<")          # what a tqdm bar leaves on a page


# ---- the sites, built once for the module (the integration tier: tests/conftest.py and the marks below)

@pytest.fixture(scope="module")
def builder_home(tmp_path_factory):
    return tmp_path_factory.mktemp("building-machine-home")


@pytest.fixture(scope="module")
def site(tmp_path_factory, builder_home):
    """The student edition (the default) of notebooks 00, 02 and 05, written over an earlier instructor's page."""
    out = tmp_path_factory.mktemp("site")
    (out / "03_vae.html").write_text("<p>### BEGIN SOLUTION</p>")          # left by an earlier build
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENCORE_HOME", str(builder_home))
        pages = book.build_book(out, notebooks=["00", "02", "05"], dataset="sprites", progress=False)
    return out, pages


@pytest.fixture(scope="module")
def instructor_site(tmp_path_factory, builder_home):
    out = tmp_path_factory.mktemp("instructor-site")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENCORE_HOME", str(builder_home))
        pages = book.build_book(out, solutions=True, notebooks=["02"], dataset="sprites", progress=False)
    return out, pages


# ---- headless Chromium through the DevTools protocol (on a pipe: fds 3 and 4 of the browser)

class Chromium:
    """One headless Chromium; `open(url)` loads a page in a new tab and records every request it makes."""

    def __init__(self, profile: Path):
        commands, self._to_browser = os.pipe()
        self._from_browser, events = os.pipe()

        def pipes():                                   # in the child: the protocol's fds 3 (read) and 4 (write)
            a, b = fcntl.fcntl(commands, fcntl.F_DUPFD, 10), fcntl.fcntl(events, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
             f"--user-data-dir={profile}", "--window-size=1500,1000",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=False, preexec_fn=pipes)
        os.close(commands)
        os.close(events)
        self._buffer, self._id, self.events = b"", 0, []

    def close(self):
        try:
            os.write(self._to_browser, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            self.proc.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium exited (code {self.proc.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: str | None = None, timeout: float = 90, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params, **({"sessionId": session} if session else {})}
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._message(deadline)
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_for(self, method: str, session: str, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for m in self.events:
                if m.get("method") == method and m.get("sessionId") == session:
                    return m
            self.events.append(self._message(deadline))

    def open(self, url: str) -> "Tab":
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Network", "Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session)
        self.call("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired", session)
        return Tab(self, target, session)


class Tab:
    def __init__(self, browser: Chromium, target: str, session: str):
        self.browser, self.target, self.session = browser, target, session

    def evaluate(self, expression: str, timeout: float = 90):
        """The value of a JavaScript expression (a promise is awaited)."""
        r = self.browser.call("Runtime.evaluate", self.session, timeout=timeout, expression=expression,
                              awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(r["exceptionDetails"])
        return r["result"].get("value")

    def _events(self, method: str) -> list[dict]:
        return [m["params"] for m in self.browser.events if m.get("sessionId") == self.session
                and m.get("method") == method]

    @property
    def requests(self) -> list[str]:
        """Every URL the page asked for: the page, its scripts, styles, fonts, images, and whatever they asked for."""
        return [p["request"]["url"] for p in self._events("Network.requestWillBeSent")]

    @property
    def errors(self) -> list[str]:
        """Uncaught exceptions, console errors, resources that failed to load."""
        return ([str(p["exceptionDetails"].get("exception", {}).get("description") or p["exceptionDetails"]["text"])
                 for p in self._events("Runtime.exceptionThrown")]
                + [f"{p['entry']['text']} {p['entry'].get('url', '')}" for p in self._events("Log.entryAdded")
                   if p["entry"]["level"] == "error"]
                + [str(p["args"]) for p in self._events("Runtime.consoleAPICalled") if p["type"] == "error"]
                + [f"{p['errorText']} ({p['requestId']})" for p in self._events("Network.loadingFailed")])

    def close(self):
        self.browser.call("Target.closeTarget", targetId=self.target)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


def _local(url: str, origin: str | None = None) -> bool:
    return urlsplit(url).scheme in ("file", "data", "blob", "about") or bool(origin and url.startswith(origin + "/"))


# What a page shows once its math is typeset and its images decoded.
PROBE = """(async function () {
  if (window.MathJax && MathJax.Hub) await new Promise(function (done) { MathJax.Hub.Queue(done); });
  var imgs = Array.prototype.slice.call(document.images);
  await Promise.all(imgs.map(function (i) { return i.decode().catch(function () {}); }));
  function hrefs(selector) { return Array.prototype.map.call(document.querySelectorAll(selector),
                                                             function (a) { return a.getAttribute('href'); }); }
  var current = document.querySelector('.gencore-syllabus a[aria-current="page"]');
  return {images: imgs.length, rendered: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,
          math: document.querySelectorAll('.MathJax, .MathJax_Display').length, title: document.title,
          links: hrefs('nav.gencore-nav a, ol.gencore-contents > li > a:first-child'),
          syllabus: hrefs('.gencore-syllabus a'),
          unbuilt: document.querySelectorAll('.gencore-syllabus .unbuilt').length,
          current: current && current.getAttribute('href'), toc: hrefs('.gencore-toc ol a'),
          tocMissing: hrefs('.gencore-toc ol a').filter(function (h) { return !document.getElementById(h.slice(1)); }),
          downloads: hrefs('a.gencore-download'),
          sidebarVisible: document.querySelector('.gencore-sidebar').getBoundingClientRect().width > 100};
})()"""


def _search(tab: Tab, words: str) -> list[list[str]]:
    """Type ``words`` in the search box; the results as [link, text]."""
    return tab.evaluate(f"""(function () {{
      var box = document.getElementById('gencore-search');
      box.value = {json.dumps(words)};
      box.dispatchEvent(new Event('input'));
      return Array.prototype.map.call(document.querySelectorAll('#gencore-results li'), function (li) {{
        var a = li.querySelector('a'); return [a ? a.getAttribute('href') : null, li.textContent]; }});
    }})()""")


# ---- without a browser

def test_the_index_shows_the_syllabus_from_its_one_source_with_links_to_the_pages_built():
    from gencore.course import syllabus

    index = book._index([("00_generative_models.html", "00 · Deep generative models are distribution transformers"),
                         ("02_variational_inference.html", "02 · Variational inference")], "quick mode")
    for nb in syllabus.NOTEBOOKS:                                              # every notebook, built or not
        assert f"<code>{nb.stem}</code>" in index
        assert html.escape(nb.exercises, quote=False) in index, nb.stem
    assert '<a href="00_generative_models.html"><code>00_generative_models</code></a>' in index
    assert 'href="03_vae.html"' not in index                                   # no link to a page not built
    assert "Companion reading" in index and "<table>" in index
    assert 'href="notebooks/02_variational_inference.ipynb" download' in index and "student edition" in index


def test_clean_outputs_drops_widgets_progress_bars_and_the_building_machines_folders(tmp_path):
    home = tmp_path / "builder" / "home"
    new = nbformat.v4
    bar = "forward:   0%|          | 0/150 [00:00<?, ?it/s]"
    widget = new.new_output("display_data", data={"text/plain": bar,
                                                  "application/vnd.jupyter.widget-view+json": {"model_id": "x"}})
    text_bars = new.new_output("stream", name="stderr", text="\rMC KL:  50%|##   | 1/2 [00:00<00:00, 5.0it/s]"
                               "\rMC KL: 100%|#####| 2/2 [00:00<00:00, 5.0it/s]\n9it [00:00, 42.0it/s]\n")
    said = new.new_output("stream", name="stdout", text=f"gencore: home={home}, mode=quick\nSaved {home}/models/v.pt.\n"
                          f"warning in {book.ROOT}/gencore/train.py and {Path.home()}/x\n")
    figure = new.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    todo = new.new_output("error", ename="NotImplementedError", evalue="", traceback=["NotImplementedError"])
    crash = new.new_output("error", ename="ValueError", evalue=f"{home}/models", traceback=[f"File {home}/x.py"])
    nb = new.new_notebook(cells=[new.new_code_cell("fit()", outputs=[widget, text_bars, said, figure]),
                                 new.new_code_cell("raise NotImplementedError()", outputs=[todo],
                                                   metadata={"tags": ["exercise", "raises-exception"]}),
                                 new.new_code_cell("oops()", outputs=[crash])])
    book.clean_outputs(nb, home)
    first, exercise, other = (cell.outputs for cell in nb.cells)
    assert [o.output_type for o in first] == ["stream", "display_data"]       # the bars are gone, the figure kept
    assert first[0].text == (f"gencore: home={book.HOME_SHOWN}, mode=quick\nSaved {book.HOME_SHOWN}/models/v.pt.\n"
                             "warning in ./gencore/train.py and ~/x\n")
    assert first[1].data["image/png"] == "iVBORw0KGgo="
    assert exercise == []                                         # the student's stub: the check after it says so
    assert other[0].evalue == f"{book.HOME_SHOWN}/models" and other[0].traceback == [f"File {book.HOME_SHOWN}/x.py"]


def test_the_animation_player_makes_no_request_to_the_internet():
    import matplotlib.pyplot as plt
    from matplotlib import animation

    from gencore.viz import animation_html

    fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
    image = ax.imshow([[0.0, 1.0]])
    movie = animation.FuncAnimation(fig, lambda t: [image], frames=3)
    page = animation_html(movie)
    plt.close(fig)
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/|<link|fa fa-", page)     # no CDN, no icon font
    labels = re.findall(r"<button[^>]*>\s*([^<]*?)\s*</button>", page)
    assert len(labels) == 9 and all(labels) and len(set(labels)) == 9          # every button has its own label
    assert page.count("data:image/png;base64") == 3                          # the frames are in the page


def test_the_site_and_grades_folders_are_ignored_by_git():
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    paths = ["site/index.html", "site-solutions/index.html", "grades/grades.csv", "grades/report.md"]
    done = subprocess.run(["git", "check-ignore", *paths], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.split() == paths


def test_the_commands_of_the_website_section_are_the_books():
    guide = (ROOT / "docs" / "instructors.md").read_text()
    section = guide.split("## The course as a website", 1)[1].split("\n## ", 1)[0]
    commands = [line.split("#")[0].split() for line in section.splitlines()
                if line.startswith("python3 course.py book")]
    assert len(commands) >= 3
    folders = {}
    for command in commands:
        args = book.parser().parse_args(command[3:])                            # an unknown option exits
        folders[" ".join(command[3:])] = (args.solutions, book._out_folder(args))
    assert folders[""] == (False, "site") and folders["--solutions"] == (True, "site-solutions")
    assert "GitHub Pages" in section and "gh-pages" in section


# ---- the built sites

@pytest.mark.integration
def test_the_site_is_self_contained(site):
    out, pages = site
    assert [p.name for p in pages] == STUDENT
    assert not (out / "03_vae.html").exists()                  # no page of an earlier build is published with it
    assert (out / "mathjax" / "MathJax.js").exists() and (out / ".nojekyll").exists()
    for page in pages + [out / "search-index.js", out / "gencore.js"]:
        text = page.read_text()
        assert not re.search(r'<(script|link|img|iframe)\b[^>]+(src|href)="?(https?:)?//', text), page.name  # no CDN
        assert not re.search(r'import\(\s*["\']https?://|url\(["\']?https?://', text), page.name
    assert 'href="02_variational_inference.html"' in (out / "00_generative_models.html").read_text()
    for name in STUDENT[1:]:                                   # the download: the student notebook, as it is
        stem = name[:-len(".html")]
        assert (out / "notebooks" / f"{stem}.ipynb").read_bytes() == (ROOT / "notebooks" / f"{stem}.ipynb").read_bytes()
        assert f'href="notebooks/{stem}.ipynb" download' in (out / name).read_text()


@pytest.mark.integration
def test_the_default_is_the_student_edition_and_solutions_builds_the_instructors(site, instructor_site):
    out, _ = site
    for name in STUDENT:
        page = (out / name).read_text()
        assert "BEGIN SOLUTION" not in page and "END SOLUTION" not in page, name
    for stem in ("00_generative_models", "02_variational_inference", "05_draw"):
        page = (out / f"{stem}.html").read_text()
        stubs = sum(c.source.count("raise NotImplementedError()") for c in
                    nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4).cells)
        assert stubs >= 2 and page.count("# YOUR CODE HERE</span>") == stubs, stem     # every exercise's stub
        assert page.count("not implemented yet") == stubs, stem        # and after it, the check's fallback
        assert "NotImplementedError</span>:" not in page and "Traceback" not in page, stem
    assert "student edition" in (out / "index.html").read_text()
    out, pages = instructor_site
    page = (out / "02_variational_inference.html").read_text()
    assert page.count("BEGIN SOLUTION") >= 3 and "YOUR CODE HERE" not in page and "not implemented yet" not in page
    assert "instructor edition" in page and "instructor edition" in (out / "index.html").read_text()
    assert 'href="notebooks/02_variational_inference.ipynb" download' in page           # the student's version
    assert (out / "notebooks" / "02_variational_inference.ipynb").read_bytes() == \
        (ROOT / "notebooks" / "02_variational_inference.ipynb").read_bytes()


@pytest.mark.integration
def test_no_progress_bar_and_no_folder_of_the_building_machine_is_on_the_pages(site, instructor_site, builder_home):
    folders = {str(builder_home), str(builder_home.resolve()), str(ROOT), str(Path.home()), tempfile.gettempdir()}
    for out, pages in (site, instructor_site):
        for page in pages + [out / "search-index.js"]:
            text = page.read_text()
            assert not BAR.search(text), (page.name, BAR.search(text))
            assert not [f for f in folders if f in text], page.name
            if page.name != "index.html" and page.suffix == ".html":
                assert f"home={book.HOME_SHOWN}, " in text, page.name                    # the set-up line
    draw = (site[0] / "05_draw.html").read_text()
    assert re.search(rf"Saved {re.escape(book.HOME_SHOWN)}/models/draw-\w+\.pt\.", draw)


@NEEDS_BROWSER
@pytest.mark.integration
def test_pages_load_in_a_browser_with_figures_math_and_working_links(site, browser):
    out, _ = site
    seen = []
    for name in STUDENT:
        tab = browser.open((out / name).resolve().as_uri())
        page = tab.evaluate(PROBE)
        seen += tab.requests
        assert tab.errors == [], (name, tab.errors)
        assert [u for u in tab.requests if not _local(u)] == [], name            # offline: nothing but the folder
        assert page["rendered"] == page["images"], name                          # every figure has a size
        assert page["sidebarVisible"] and page["syllabus"] == STUDENT[1:] and page["unbuilt"] == 9 - 3, name
        for href in set(page["links"] + page["syllabus"] + page["downloads"]):
            assert (out / href).is_file(), (name, href)                           # every link reaches a file
        if name == "index.html":
            assert page["title"].startswith("gencore") and page["current"] is None
            assert page["links"] == STUDENT[1:]
            tab.close()
            continue
        assert page["current"] == name and page["downloads"] == [f"notebooks/{name[:-5]}.ipynb"]
        assert page["images"] >= 3 and page["math"] > 10, name                   # MathJax typeset the formulas
        assert len(page["toc"]) >= 4 and page["tocMissing"] == [], name          # the contents reach their headings
        assert page["title"].startswith(name[:2] + " ·")
        tab.close()
    assert any(u.endswith("/mathjax/MathJax.js?config=" + book.MATHJAX_CONFIG) for u in seen)
    assert any("/mathjax/" in u and "STIX-Web" in u for u in seen)            # its fonts, from the folder


@NEEDS_BROWSER
@pytest.mark.integration
def test_the_search_finds_sections_of_every_page_offline(site, browser):
    out, _ = site
    tab = browser.open((out / "index.html").resolve().as_uri())
    hits = _search(tab, "reparameterization trick")
    assert hits and all(href for href, _ in hits)
    pages = {href.split("#")[0] for href, _ in hits}
    assert "02_variational_inference.html" in pages
    for href, _ in hits:                                                       # each result is a section's heading
        name, anchor = href.split("#")
        assert f'id="{anchor}"' in (out / name).read_text(), href
    assert {h.split("#")[0] for h, _ in _search(tab, "filterbank")} == {"05_draw.html"}
    assert "02_variational_inference.html" in {h.split("#")[0] for h, _ in _search(tab, "kl_to_standard_normal(")}
    assert _search(tab, "filterbank zebra-crossing") == [[None, "No section has every word."]]
    assert [u for u in tab.requests if not _local(u)] == [] and tab.errors == []
    tab.close()
    tab = browser.open((out / "00_generative_models.html").resolve().as_uri())   # the same box on every page
    assert any(h.startswith("05_draw.html#") for h, _ in _search(tab, "attention"))
    tab.close()


@NEEDS_BROWSER
@pytest.mark.integration
def test_the_animation_of_notebook_05_plays_offline_with_labelled_buttons(site, browser):
    out, _ = site
    tab = browser.open((out / "05_draw.html").resolve().as_uri())
    player = tab.evaluate("""(async function () {
      var box = document.querySelector('.animation'), img = box.querySelector('img');
      var slider = box.querySelector('input[type=range]');
      var buttons = Array.prototype.map.call(box.querySelectorAll('.anim-buttons button'), function (b) {
        var r = document.createRange(); r.selectNodeContents(b);
        return {title: b.title, label: b.textContent.trim(), width: r.getBoundingClientRect().width}; });
      await new Promise(function (done) { setTimeout(done, 200); });
      var first = img.src;
      box.querySelector('button[title="Play"]').click();
      await new Promise(function (done) { setTimeout(done, 1500); });
      return {buttons: buttons, frames: +slider.max + 1, moved: +slider.value, changed: img.src !== first,
              shown: img.complete && img.naturalWidth > 0};
    })()""")
    assert len(player["buttons"]) == 9
    assert all(b["label"] and b["width"] > 4 for b in player["buttons"]), player["buttons"]   # no blank button
    assert player["frames"] > 3 and player["moved"] > 0 and player["changed"] and player["shown"]
    assert [u for u in tab.requests if not _local(u)] == [] and tab.errors == []
    tab.close()


@NEEDS_BROWSER
@pytest.mark.integration
def test_the_site_works_from_a_static_web_server(site, browser):
    out, _ = site
    handler = functools.partial(QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for name in ("index.html", "02_variational_inference.html"):
            tab = browser.open(f"{origin}/{name}")
            page = tab.evaluate(PROBE)
            assert tab.errors == [] and page["rendered"] == page["images"], name
            assert [u for u in tab.requests if not _local(u, origin)] == [], name    # only the server's files
            downloaded = tab.evaluate("fetch('notebooks/02_variational_inference.ipynb').then(r => r.json())")
            assert downloaded["nbformat"] == 4 and "raise NotImplementedError()" in json.dumps(downloaded)
            tab.close()
        assert page["math"] > 10
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
