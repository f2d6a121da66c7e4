"""course.py book: the executed notebooks as a static website that works offline, checked in a real browser
(headless Chromium, Debian's `chromium` package): pages load without errors, figures render, math typesets,
and the links between pages work."""
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gencore.course import book

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
PROBE = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  var t = e.target || {};
  window.__errors.push(e.message || ('failed to load ' + (t.src || t.href || t.tagName)));
}, true);
window.addEventListener('load', function () { setTimeout(function () {
  var imgs = Array.prototype.slice.call(document.images);
  var r = {errors: window.__errors, images: imgs.length,
           rendered: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,
           math: document.querySelectorAll('.MathJax, .MathJax_Display').length,
           links: Array.prototype.slice.call(document.querySelectorAll('nav.gencore-nav a, ol.gencore-contents a'))
                    .map(function (a) { return a.getAttribute('href'); }),
           title: document.title};
  var pre = document.createElement('pre'); pre.id = 'gencore-test'; pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
}, 4000); });
</script>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENCORE_HOME", str(tmp_path_factory.mktemp("home")))
        pages = book.build_book(out, notebooks=["00", "02"], dataset="sprites", progress=False)
    return out, pages


def _open(page: Path) -> dict:
    """Load ``page`` in headless Chromium (offline, from the folder) and return what the probe saw."""
    probe = page.with_name("_probe_" + page.name)
    probe.write_text(re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + PROBE, page.read_text(), count=1))
    try:
        done = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                               "--virtual-time-budget=20000", "--dump-dom", probe.resolve().as_uri()],
                              capture_output=True, text=True, timeout=180)
    finally:
        probe.unlink()
    m = re.search(r'<pre id="gencore-test">(.*?)</pre>', done.stdout, re.DOTALL)
    assert m, f"the page did not finish loading in the browser: {done.stderr[-1000:]}"
    return json.loads(html.unescape(m.group(1)))


def test_the_site_is_self_contained(site):
    out, pages = site
    assert [p.name for p in pages] == ["index.html", "00_generative_models.html", "02_variational_inference.html"]
    assert (out / "mathjax" / "MathJax.js").exists()
    for page in pages:
        text = page.read_text()
        assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', text), page.name   # no CDN
    assert 'href="02_variational_inference.html"' in (out / "00_generative_models.html").read_text()


@pytest.mark.skipif(BROWSER is None, reason="no Chromium here: `sudo apt-get install chromium` (Debian/Ubuntu) "
                                            "to run the browser test of the website")
def test_pages_load_in_a_browser_with_figures_math_and_working_links(site):
    out, _ = site
    index = _open(out / "index.html")
    assert index["errors"] == [] and index["title"].startswith("gencore")
    assert index["links"] == ["00_generative_models.html", "02_variational_inference.html"]
    page = _open(out / "02_variational_inference.html")
    assert page["errors"] == [], page["errors"]
    assert page["images"] >= 3 and page["rendered"] == page["images"]         # every figure has a size
    assert page["math"] > 20                                                   # MathJax typeset the formulas
    assert page["title"].startswith("02 ·")
    for href in set(page["links"]):                                            # previous, contents, next
        target = _open(out / href)
        assert target["errors"] == [] and target["title"], href


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
