"""The course as a static website: `python3 course.py book [--solutions] [--full] [--out site]`.

Executes the notebooks (quick mode unless ``--full``; trained models come from the model cache in GENCORE_HOME,
so a pre-trained cache makes the full book fast) and writes a folder that works offline:

    site/index.html            the syllabus (`gencore.course.syllabus`) with a link to every notebook
    site/NN_name.html          each notebook: text, math, code, figures; a sidebar with the syllabus and the
                               search, the page's contents, links to the previous and the next notebook
    site/notebooks/            the student notebooks (.ipynb), one download link on each page
    site/search-index.js       the text of every section, for the offline search (site/gencore.js)
    site/mathjax/              MathJax 2.7 (from the jupyter-server-mathjax package): math without a CDN

The default is the student edition, built from ``notebooks/``: exercise cells show the student's stub, and the
outputs after them come from the checks' fallback to gencore, as in a student's notebook. ``--solutions``
builds the instructor's edition from ``solutions/`` (the answers on the pages: do not publish it), into
``site-solutions/`` unless ``--out`` says otherwise.

Figures are embedded in the pages (PNG data); interactive widgets and progress bars are dropped (each notebook
draws a static version next to its widgets); the building machine's folders are shown as a student's
(GENCORE_HOME as ~/.cache/gencore). Open ``site/index.html`` in a browser, or publish the folder as it is
(GitHub Pages, any web server).
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

from ..config import default_home
from ..validate import flags
from .book_assets import MATHJAX_FONTS, SEARCH_JS, STYLE
from .syllabus import NOTEBOOKS
from .syllabus import markdown as syllabus_markdown

__all__ = ["build_book", "clean_outputs", "main"]

ROOT = Path(__file__).resolve().parents[2]
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
HOME_SHOWN = "~/.cache/gencore"            # GENCORE_HOME as the pages show it: a student's default


# ---- the executed notebook: what its outputs keep

# a tqdm bar's line ends in its timing, "[00:01<00:02, 50.0it/s]", "[00:00<?, ?it/s]" or "9it [00:00, 42.0it/s]"
_BAR = re.compile(r"\[(?:\d+:)?\d\d:\d\d(?:<[^,\]]*)?,[^\]]*\]\s*$")


def _drop_bars(text: str) -> str:
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]      # what a terminal shows of each line
    return "\n".join(line for line in lines if not _BAR.search(line))


def _neutral_paths(home: str | Path | None) -> list[tuple[str, str]]:
    """(a folder of the building machine, how the pages show it), the longest first."""
    pairs = []
    if home:
        pairs += [(str(Path(home).expanduser()), HOME_SHOWN), (str(Path(home).expanduser().resolve()), HOME_SHOWN)]
    pairs += [(prefix, "[python]") for prefix in (sys.prefix, sys.base_prefix)      # a venv in the course: ./.venv
              if not Path(prefix).resolve().is_relative_to(ROOT)]
    pairs += [(str(ROOT), "."), (str(Path.home()), "~")]
    pairs = [(folder, shown) for folder, shown in pairs if len(folder) > 1]
    return sorted(dict(pairs).items(), key=lambda pair: -len(pair[0]))


def _scrub(value, paths):
    if isinstance(value, list):
        return [_scrub(v, paths) for v in value]
    if isinstance(value, str):
        for folder, shown in paths:
            value = value.replace(folder, shown)
    return value


def clean_outputs(nb, home: str | Path | None = None):
    """Keep what a static page can show of an executed notebook (in place; returns it): no widgets (their
    text is a repr such as a progress bar's first state, "forward: 0%| | 0/150"), no progress bars written
    as text, no NotImplementedError of an exercise left to the student (the check after it says so), and
    no folder of the building machine (``home``, the GENCORE_HOME, shown as ~/.cache/gencore; the course's
    folder as "."; Python's, outside it, as [python]; the user's home as ~)."""
    paths = _neutral_paths(home)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        exercise = "exercise" in cell.get("metadata", {}).get("tags", [])
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue
            if out.output_type == "error" and exercise and out.get("ename") == "NotImplementedError":
                continue
            if out.output_type == "stream":
                out.text = _drop_bars(out.text)
                if not out.text.strip():
                    continue
            for key in list(data):
                if not key.startswith("image/"):
                    data[key] = _scrub(data[key], paths)
            for key in ("text", "evalue", "traceback"):
                if key in out:
                    out[key] = _scrub(out[key], paths)
            kept.append(out)
        cell.outputs = kept
    return nb


def _execute(path: Path, timeout: int):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return clean_outputs(nb, default_home())


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.MULTILINE)
            if m:
                return m.group(1).strip()
    return "notebook"


# ---- the pages

class _Sections(HTMLParser):
    """The headings (with the ids nbconvert gives them) and the text under each, of an exported notebook."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections = [{"level": 0, "anchor": "", "heading": "", "text": []}]
        self.heading = None        # the heading being read
        self.skip = 0              # inside <script>, <style> or a heading's anchor link
        self.prompt = False        # inside a cell's prompt, "In [3]:"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style") or (tag == "a" and "anchor-link" in (attrs.get("class") or "")):
            self.skip += 1
        elif tag == "div" and "Prompt" in (attrs.get("class") or ""):
            self.prompt = True
        elif re.fullmatch(r"h[1-6]", tag) and attrs.get("id") and self.heading is None:
            self.heading = {"level": int(tag[1]), "anchor": attrs["id"], "heading": "", "text": []}

    def handle_endtag(self, tag):
        if tag in ("script", "style") or (tag == "a" and self.skip):
            self.skip = max(0, self.skip - 1)
        elif tag == "div":
            self.prompt = False
        elif self.heading is not None and tag == f"h{self.heading['level']}":
            self.heading["heading"] = " ".join(self.heading["heading"].split())
            self.sections.append(self.heading)
            self.heading = None

    def handle_data(self, data):
        if self.skip or self.prompt:
            return
        if self.heading is not None:
            self.heading["heading"] += data
        else:
            self.sections[-1]["text"].append(data)


def _sections(page: str, title: str) -> list[dict]:
    """The page's sections: level, anchor, heading and text (of a page exported without its outputs)."""
    reader = _Sections()
    reader.feed(page[page.find("<body"):])
    sections = []
    for s in reader.sections[1:]:                  # what comes before the title: the student's notice
        sections.append({"level": s["level"], "anchor": s["anchor"], "heading": s["heading"] or title,
                         "text": " ".join("".join(s["text"]).split())})
    return sections


def _sidebar(built: dict[str, str], current: str | None, edition: str) -> str:
    items = []
    for nb in NOTEBOOKS:
        label = html.escape(f"{nb.number} · {nb.title}")
        if nb.stem in built:
            here = ' aria-current="page"' if nb.stem == current else ""
            items.append(f'<li><a href="{nb.stem}.html"{here}>{label}</a></li>')
        else:
            items.append(f'<li class="unbuilt" title="not in this build">{label}</li>')
    return (f'<aside class="gencore-sidebar"><a class="home" href="index.html">gencore: deep generative models</a>'
            f'<div class="gencore-edition">{edition}</div>'
            '<input id="gencore-search" type="search" placeholder="Search the course" aria-label="Search the course">'
            '<ol id="gencore-results" class="gencore-results" aria-live="polite"></ol>'
            f'<nav aria-label="Syllabus"><ol class="gencore-syllabus">{"".join(items)}</ol></nav></aside>')


def _download(stem: str, label: str = "Download the notebook (student version, .ipynb)") -> str:
    return f'<a class="gencore-download" href="notebooks/{stem}.ipynb" download>{label}</a>'



def _toc(stem: str, sections: list[dict]) -> str:
    items = "".join(f'<li class="level-{s["level"]}"><a href="#{html.escape(s["anchor"])}">'
                    f'{html.escape(s["heading"])}</a></li>' for s in sections if s["level"] in (2, 3))
    return (f'<nav class="gencore-toc" aria-label="On this page">{_download(stem)}<h2>On this page</h2>'
            f'<ol>{items}</ol></nav>')


def _nav(prev: tuple[str, str] | None, nxt: tuple[str, str] | None, where: str) -> str:
    left = f'<a class="prev" href="{prev[0]}">&larr; {html.escape(prev[1])}</a>' if prev else "<span></span>"
    right = f'<a class="next" href="{nxt[0]}">{html.escape(nxt[1])} &rarr;</a>' if nxt else "<span></span>"
    return f'<nav class="gencore-nav {where}">{left}<a class="index" href="index.html">Contents</a>{right}</nav>'


def _offline(page: str) -> str:
    """Drop the scripts the exporter loads from the internet and does not need here (require.js serves
    live widgets, which a static page cannot run; mermaid.js draws diagrams, which the notebooks have none of);
    point MathJax at its packaged fonts."""
    page = page.replace('<script src="mathjax/MathJax.js', MATHJAX_FONTS + '<script src="mathjax/MathJax.js', 1)
    page = re.sub(r'<script[^>]*src="https?://[^"]*require[^"]*"[^>]*>\s*</script>', "", page)
    page = re.sub(r'<script[^>]*src="https?://unpkg\.com[^"]*"[^>]*>\s*</script>', "", page)
    return re.sub(r'<script type="module">(?:(?!</script>).)*?import\(\s*"https?://(?:(?!</script>).)*</script>',
                  "", page, flags=re.DOTALL)


SCRIPTS = '<script src="search-index.js"></script><script src="gencore.js"></script>'


def _page(body: str, stem: str, title: str, sections: list[dict], prev, nxt, built: dict[str, str],
          edition: str) -> str:
    body = _offline(body)
    body = re.sub(r"<title>.*?</title>", lambda m: f"<title>{html.escape(title)}</title>", body, count=1,
                  flags=re.DOTALL)
    body = body.replace("</head>", STYLE + "</head>", 1)
    top = _sidebar(built, stem, edition) + _nav(prev, nxt, "top") + _toc(stem, sections)
    body = re.sub(r"<body([^>]*)>", lambda m: _body_tag(m.group(1)) + top, body, count=1)
    return body.replace("</body>", _nav(prev, nxt, "bottom") + SCRIPTS + "</body>", 1)


def _body_tag(attrs: str) -> str:
    if 'class="' in attrs:
        return "<body" + attrs.replace('class="', 'class="gencore-page with-toc ', 1) + ">"
    return f'<body class="gencore-page with-toc"{attrs}>'


def _index(pages: list[tuple[str, str]], mode: str, edition: str = "student edition") -> str:
    import mistune

    syllabus = mistune.html(syllabus_markdown())
    for href, _ in pages:
        stem = href[:-len(".html")]
        syllabus = syllabus.replace(f"<code>{stem}</code>", f'<a href="{href}"><code>{stem}</code></a>')
    items = "\n".join(f'<li><a href="{href}">{html.escape(title)}</a> &middot; '
                      f'{_download(href[:-len(".html")], "download the student notebook")}</li>'
                      for href, title in pages)
    built = {href[:-len(".html")]: title for href, title in pages}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>gencore: deep generative models</title>
{STYLE}</head>
<body class="gencore-page">{_sidebar(built, None, edition)}
<main class="gencore-index">
<h1>gencore: deep generative models, a course you run</h1>
<p>The notebooks of the course, executed ({html.escape(mode)}; {html.escape(edition)}), with their text, math, code
and figures. To run them yourself, download a notebook, or clone the course's repository and run
<code>python3 course.py lab</code> (see its README).</p>
<h2>Notebooks</h2>
<ol class="gencore-contents">
{items}
</ol>
<h2>Syllabus</h2>
{syllabus}
</main>
{SCRIPTS}</body></html>
"""


@flags("solutions", "full", "progress")
def build_book(out: str | Path = "site", *, solutions: bool = False, full: bool = False,
               notebooks: list[str] | None = None, dataset: str | None = None, timeout: int = 1800,
               progress: bool = True) -> list[Path]:
    """Execute the course's notebooks and write the website into ``out``: the student edition from
    ``notebooks/``, or with ``solutions=True`` the instructor's from ``solutions/``. ``notebooks``: numbers
    ("03") or stems to include (default: all); ``dataset``: the data they run on (default: GENCORE_DATASET,
    else mnist). Returns the pages written (index first)."""
    from nbconvert import HTMLExporter

    out = Path(out)
    folder = ROOT / ("solutions" if solutions else "notebooks")
    sources = sorted(folder.glob("*.ipynb"))
    if notebooks:
        wanted = {n.zfill(2) if n.isdigit() else n for n in notebooks}
        sources = [p for p in sources if p.stem[:2] in wanted or p.stem in wanted]
        if not sources:
            raise ValueError(f"No notebook in {folder.name}/ matches {', '.join(notebooks)}; they are "
                             f"{', '.join(p.stem for p in sorted(folder.glob('*.ipynb')))}.")
    mathjax = _mathjax_dir()
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "mathjax" / "MathJax.js").exists():
        shutil.copytree(mathjax, out / "mathjax", dirs_exist_ok=True)
    saved = {k: os.environ.get(k) for k in ("GENCORE_QUICK", "MPLBACKEND", "GENCORE_DATASET")}
    os.environ["GENCORE_QUICK"] = "0" if full else "1"
    if dataset:
        os.environ["GENCORE_DATASET"] = dataset
    os.environ.pop("MPLBACKEND", None)                      # figures through the inline backend
    executed = []
    try:
        for path in sources:
            start = time.perf_counter()
            nb = _execute(path, timeout)
            executed.append((path.stem, nb))
            if progress:
                print(f"  executed {path.stem} in {time.perf_counter() - start:.0f} s", flush=True)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    edition = "instructor edition: the solutions shown" if solutions else "student edition"
    exporter = HTMLExporter(template_name="lab", mathjax_url=f"mathjax/MathJax.js?config={MATHJAX_CONFIG}")
    sources_only = HTMLExporter(template_name="lab", exclude_output=True)     # the words the search finds
    pages = [(f"{stem}.html", _title(nb)) for stem, nb in executed]
    built = {stem: _title(nb) for stem, nb in executed}
    for nb in NOTEBOOKS:             # a page left by an earlier build (another edition, say) would be published
        if nb.stem not in built:
            (out / f"{nb.stem}.html").unlink(missing_ok=True)
    (out / "notebooks").mkdir(exist_ok=True)
    written, index = [], []
    for i, (stem, nb) in enumerate(executed):
        body, _ = exporter.from_notebook_node(nb)
        sections = _sections(sources_only.from_notebook_node(nb)[0], _title(nb))
        prev = pages[i - 1] if i > 0 else None
        nxt = pages[i + 1] if i + 1 < len(pages) else None
        (out / f"{stem}.html").write_text(_page(body, stem, _title(nb), sections, prev, nxt, built, edition),
                                          encoding="utf-8")
        shutil.copyfile(ROOT / "notebooks" / f"{stem}.ipynb", out / "notebooks" / f"{stem}.ipynb")
        index.append({"href": f"{stem}.html", "title": _title(nb),
                      "sections": [{k: s[k] for k in ("anchor", "heading", "text")} for s in sections]})
        written.append(out / f"{stem}.html")
    (out / "search-index.js").write_text("window.GENCORE_SEARCH = " + json.dumps(index, ensure_ascii=False)
                                         + ";\n", encoding="utf-8")
    (out / "gencore.js").write_text(SEARCH_JS, encoding="utf-8")
    (out / ".nojekyll").write_text("")            # GitHub Pages: serve the folder as it is
    mode = "full mode" if full else "quick mode: small subsets, few epochs"
    (out / "index.html").write_text(_index(pages, mode, edition), encoding="utf-8")
    return [out / "index.html", *written]


def _mathjax_dir() -> Path:
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise RuntimeError("The book needs MathJax for offline math: pip install jupyter-server-mathjax "
                           "(python3 course.py test installs it with the course's tools).") from None
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="course.py book", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=None,
                   help="the folder to write (default: ./site; with --solutions, ./site-solutions)")
    p.add_argument("--solutions", action="store_true",
                   help="the instructor's edition, from solutions/ (default: the student edition, from notebooks/)")
    p.add_argument("--full", action="store_true", help="execute in full mode (trained models come from the cache)")
    p.add_argument("--notebooks", nargs="+", default=None, help="only these notebooks (numbers, e.g. 00 03)")
    p.add_argument("--dataset", default=None, help="mnist, fashion-mnist or sprites (default: GENCORE_DATASET)")
    p.add_argument("--timeout", type=int, default=1800, help="seconds per cell (default 1800)")
    return p


def _out_folder(args) -> str:
    """--out, else ./site; the instructor's edition never goes into the student's site by default."""
    return args.out or ("site-solutions" if args.solutions else "site")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.out = _out_folder(args)
    start = time.perf_counter()
    try:
        pages = build_book(args.out, solutions=args.solutions, full=args.full, notebooks=args.notebooks,
                           dataset=args.dataset, timeout=args.timeout)
    except (ValueError, RuntimeError) as e:
        print(f"course.py book: {e}", file=sys.stderr)
        return 2
    edition = "the instructor's edition (solutions shown: do not publish it)" if args.solutions else \
        "the student edition"
    print(f"wrote {len(pages)} pages of {edition} into {args.out}/ in {time.perf_counter() - start:.0f} s; open "
          f"{Path(args.out) / 'index.html'} in a browser, or publish the folder as it is")
    return 0


if __name__ == "__main__":
    sys.exit(main())
