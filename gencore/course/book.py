"""The course as a static website: `python3 course.py book [--full] [--out site]`.

Executes the solution notebooks (quick mode unless ``--full``; trained models come from the model cache in
GENCORE_HOME, so a pre-trained cache makes the full book fast) and writes a folder that works offline:

    site/index.html            the syllabus (`gencore.course.syllabus`) with a link to every notebook
    site/NN_name.html          each notebook: text, math, code, figures; links to the previous and the next one
    site/mathjax/              MathJax 2.7 (from the jupyter-server-mathjax package): math without a CDN

Figures are embedded in the pages (PNG data); interactive widgets are dropped (each notebook draws a static
version next to them). Open ``site/index.html`` in a browser, or publish the folder as it is (GitHub Pages,
any web server).
"""
from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import sys
import time
from pathlib import Path

from .syllabus import markdown as syllabus_markdown

__all__ = ["build_book", "main"]

ROOT = Path(__file__).resolve().parents[2]
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
STYLE = """
<style>
  .gencore-nav { font-family: system-ui, sans-serif; display: flex; justify-content: space-between; gap: 1em;
                 padding: 0.6em 1em; margin: 0 0 1em 0; background: #f3f5f8; border-bottom: 1px solid #d8dde5; }
  .gencore-nav a { text-decoration: none; color: #1a5fb4; }
  .gencore-nav.bottom { margin: 2em 0 0 0; border-top: 1px solid #d8dde5; border-bottom: none; }
</style>
"""


def _mathjax_dir() -> Path:
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise RuntimeError("The book needs MathJax for offline math: pip install jupyter-server-mathjax "
                           "(python3 course.py test installs it with the course's tools).") from None
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.MULTILINE)
            if m:
                return m.group(1).strip()
    return "notebook"


def _nav(prev: tuple[str, str] | None, nxt: tuple[str, str] | None, where: str) -> str:
    left = f'<a class="prev" href="{prev[0]}">&larr; {html.escape(prev[1])}</a>' if prev else "<span></span>"
    right = f'<a class="next" href="{nxt[0]}">{html.escape(nxt[1])} &rarr;</a>' if nxt else "<span></span>"
    return (f'<nav class="gencore-nav {where}">{left}<a class="index" href="index.html">Contents</a>{right}</nav>')


# The packaged MathJax ships the STIX-Web fonts only: say so before MathJax loads, or it asks for TeX fonts.
MATHJAX_FONTS = ('<script>window.MathJax = {"HTML-CSS": {availableFonts: [], preferredFont: null, '
                 'webFont: "STIX-Web", imageFont: null}};</script>\n')


def _offline(page: str) -> str:
    """Drop the scripts the exporter loads from the internet and does not need here (require.js serves
    live widgets, which a static page cannot run); point MathJax at its packaged fonts."""
    page = page.replace('<script src="mathjax/MathJax.js', MATHJAX_FONTS + '<script src="mathjax/MathJax.js', 1)
    page = re.sub(r'<script[^>]*src="https?://[^"]*require[^"]*"[^>]*>\s*</script>', "", page)
    return re.sub(r'<script[^>]*src="https?://unpkg\.com[^"]*"[^>]*>\s*</script>', "", page)


def _execute(path: Path, timeout: int):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    return nb


def _index(pages: list[tuple[str, str]], mode: str) -> str:
    import mistune

    syllabus = mistune.html(syllabus_markdown())
    for href, _ in pages:
        stem = href[:-len(".html")]
        syllabus = syllabus.replace(f"<code>{stem}</code>", f'<a href="{href}"><code>{stem}</code></a>')
    items = "\n".join(f'<li><a href="{href}">{html.escape(title)}</a></li>' for href, title in pages)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gencore: deep generative models</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 64em; margin: 2em auto; padding: 0 1em; line-height: 1.45; }}
  table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; }}
</style></head>
<body>
<h1>gencore: deep generative models, a course you run</h1>
<p>The notebooks of the course, executed ({mode}), with their text, math, code and figures. To run them yourself,
see the README of the repository: <code>python3 course.py lab</code>.</p>
<h2>Notebooks</h2>
<ol class="gencore-contents">
{items}
</ol>
<h2>Syllabus</h2>
{syllabus}
</body></html>
"""


def build_book(out: str | Path = "site", *, full: bool = False, notebooks: list[str] | None = None,
               dataset: str | None = None, timeout: int = 1800, progress: bool = True) -> list[Path]:
    """Execute the solution notebooks and write the website into ``out``. ``notebooks``: numbers ("03") or
    stems to include (default: all); ``dataset``: the data they run on (default: GENCORE_DATASET, else
    mnist). Returns the pages written (index first)."""
    from nbconvert import HTMLExporter

    out = Path(out)
    sources = sorted((ROOT / "solutions").glob("*.ipynb"))
    if notebooks:
        wanted = {n.zfill(2) if n.isdigit() else n for n in notebooks}
        sources = [p for p in sources if p.stem[:2] in wanted or p.stem in wanted]
        if not sources:
            raise ValueError(f"No solution notebook matches {', '.join(notebooks)}; they are "
                             f"{', '.join(p.stem for p in sorted((ROOT / 'solutions').glob('*.ipynb')))}.")
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
    exporter = HTMLExporter(template_name="lab", mathjax_url=f"mathjax/MathJax.js?config={MATHJAX_CONFIG}")
    pages = [(f"{stem}.html", _title(nb)) for stem, nb in executed]
    written = []
    for i, (stem, nb) in enumerate(executed):
        body, _ = exporter.from_notebook_node(nb)
        body = _offline(body)
        body = re.sub(r"<title>.*?</title>", f"<title>{html.escape(_title(nb))}</title>", body, count=1,
                      flags=re.DOTALL)
        prev = pages[i - 1] if i > 0 else None
        nxt = pages[i + 1] if i + 1 < len(pages) else None
        body = body.replace("</head>", STYLE + "</head>", 1)
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + _nav(prev, nxt, "top"), body, count=1)
        body = body.replace("</body>", _nav(prev, nxt, "bottom") + "</body>", 1)
        (out / f"{stem}.html").write_text(body)
        written.append(out / f"{stem}.html")
    (out / "index.html").write_text(_index(pages, "full mode" if full else "quick mode: small subsets, few epochs"))
    return [out / "index.html", *written]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="course.py book", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="site", help="the folder to write (default: ./site)")
    p.add_argument("--full", action="store_true", help="execute in full mode (trained models come from the cache)")
    p.add_argument("--notebooks", nargs="+", default=None, help="only these notebooks (numbers, e.g. 00 03)")
    p.add_argument("--dataset", default=None, help="mnist, fashion-mnist or sprites (default: GENCORE_DATASET)")
    p.add_argument("--timeout", type=int, default=1800, help="seconds per cell (default 1800)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    try:
        pages = build_book(args.out, full=args.full, notebooks=args.notebooks, dataset=args.dataset,
                           timeout=args.timeout)
    except (ValueError, RuntimeError) as e:
        print(f"course.py book: {e}", file=sys.stderr)
        return 2
    print(f"wrote {len(pages)} pages into {args.out}/ in {time.perf_counter() - start:.0f} s; open "
          f"{Path(args.out) / 'index.html'} in a browser, or publish the folder as it is")
    return 0


if __name__ == "__main__":
    sys.exit(main())
