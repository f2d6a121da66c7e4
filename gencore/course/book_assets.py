"""The website's own parts (`gencore.course.book`): MathJax's set-up, the pages' style and the search's script."""
from __future__ import annotations

import json

__all__ = ["MATHJAX_SETUP", "MATHJAX_FONTS", "STYLE", "SEARCH_JS"]

# The packaged MathJax ships the STIX-Web fonts only: say so before MathJax loads, or it asks for TeX fonts; and
# keep its other font faces from asking for files that are not there (the TeX fonts of the hidden MathML it writes
# for screen readers; the blank font at about:blank with which it probes web fonts, refused to a page opened
# from a folder). No fast preview: it draws with the TeX fonts.
_FACES = [("Caligraphic", ""), ("Caligraphic", "bold"), ("AMS", ""), ("Script", ""), ("Fraktur", ""),
          ("Fraktur", "bold")]
MATHJAX_SETUP = {
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None,
                 "styles": {"@font-face": {"font-family": "MathJax_Blank", "src": "local('MathJax_Blank')"}}},
    "NativeMML": {"styles": {f"@font-face /*{i}*/": {"font-family": f"MathJax_{name}-WEB",
                                                     "src": f"local('MathJax_{name}')",
                                                     **({"font-weight": weight} if weight else {})}
                             for i, (name, weight) in enumerate(_FACES, 1)}},
    "menuSettings": {"FastPreview": False}, "fast-preview": {"disabled": True},
}
MATHJAX_FONTS = f"<script>window.MathJax = {json.dumps(MATHJAX_SETUP)};</script>\n"
STYLE = """<style>
  .gencore-sidebar, .gencore-toc, .gencore-nav, .gencore-index { font-family: system-ui, -apple-system, "Segoe UI",
      "DejaVu Sans", sans-serif; font-size: 14px; line-height: 1.45; color: #1f2328; }
  .gencore-sidebar a, .gencore-toc a, .gencore-nav a, .gencore-index a { color: #1a5fb4; text-decoration: none; }
  .gencore-sidebar a:hover, .gencore-toc a:hover, .gencore-nav a:hover, .gencore-index a:hover {
      text-decoration: underline; }
  .gencore-sidebar { background: #f6f8fa; border-right: 1px solid #d8dde5; padding: 1em; box-sizing: border-box; }
  .gencore-sidebar .home { display: block; font-weight: 600; font-size: 1.1em; color: #1f2328; }
  .gencore-edition { font-size: 0.85em; color: #57606a; margin: 0.2em 0 0.8em 0; }
  .gencore-sidebar ol { list-style: none; padding: 0; margin: 0.8em 0; }  .gencore-sidebar li { margin: 0.3em 0; }
  .gencore-sidebar a[aria-current="page"] { font-weight: 600; color: #1f2328; }
  .gencore-sidebar .unbuilt { color: #8c959f; }
  #gencore-search { width: 100%; box-sizing: border-box; padding: 0.35em 0.5em; font: inherit;
      border: 1px solid #afb8c1; border-radius: 4px; }
  .gencore-results { list-style: none; padding: 0; margin: 0.4em 0; }  .gencore-results li { margin: 0.5em 0; }
  .gencore-results .snippet { display: block; color: #57606a; font-size: 0.9em; }
  .gencore-toc { padding: 1em; box-sizing: border-box; }  .gencore-toc h2 { font-size: 1em; margin: 0 0 0.5em 0; }
  .gencore-toc ol { list-style: none; padding: 0; margin: 0; }  .gencore-toc li { margin: 0.25em 0; }
  .gencore-toc li.level-3 { padding-left: 1em; font-size: 0.95em; }
  .gencore-toc .gencore-download { display: block; margin: 0 0 1em 0; }
  .gencore-nav { display: flex; justify-content: space-between; gap: 1em; padding: 0.6em 1em; margin: 0 0 1em 0;
      background: #f3f5f8; border-bottom: 1px solid #d8dde5; }
  .gencore-nav.bottom { margin: 2em 0 0 0; border-top: 1px solid #d8dde5; border-bottom: none; }
  .gencore-index { max-width: 62em; margin: 0 auto; padding: 1em 2em; } .gencore-index table {border-collapse: collapse}
  .gencore-index td, .gencore-index th { border: 1px solid #d0d7de; padding: 0.3em 0.6em; vertical-align: top; }
  @media (min-width: 1000px) {
    body.gencore-page { margin-left: 17rem; }
    .gencore-sidebar { position: fixed; top: 0; bottom: 0; left: 0; width: 17rem; overflow-y: auto; }
  }
  @media (min-width: 1400px) {
    body.gencore-page.with-toc { margin-right: 16rem; }
    .gencore-toc { position: fixed; top: 0; bottom: 0; right: 0; width: 16rem; overflow-y: auto;
        border-left: 1px solid #d8dde5; background: #fff; }
  }
</style>
"""
# The search: the sections of every page (search-index.js, a script so that it loads from file:// too); a
# section matches when it holds every word typed.
SEARCH_JS = r"""(function () {
  var box = document.getElementById('gencore-search'), list = document.getElementById('gencore-results');
  if (!box || !list || !window.GENCORE_SEARCH) return;
  var sections = [];
  window.GENCORE_SEARCH.forEach(function (page) {
    page.sections.forEach(function (s) {
      sections.push({href: page.href + (s.anchor ? '#' + s.anchor : ''), page: page.title, heading: s.heading,
                     text: s.text, low: (s.heading + '\n' + s.text).toLowerCase(),
                     lowHeading: s.heading.toLowerCase()});
    });
  });
  function snippet(s, word) {
    var i = Math.max(0, s.text.toLowerCase().indexOf(word) - 60);
    return (i > 0 ? '\u2026' : '') + s.text.slice(i, i + 160) + (i + 160 < s.text.length ? '\u2026' : '');
  }
  function search() {
    var words = box.value.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
    list.textContent = '';
    if (!words.length) return;
    var hits = sections.filter(function (s) { return words.every(function (w) { return s.low.indexOf(w) >= 0; }); });
    hits.sort(function (a, b) {
      function score(s) { return words.filter(function (w) { return s.lowHeading.indexOf(w) >= 0; }).length; }
      return score(b) - score(a);
    });
    hits.slice(0, 30).forEach(function (s) {
      var li = document.createElement('li'), a = document.createElement('a'), p = document.createElement('span');
      a.href = s.href;
      var number = s.page.split(' \u00b7 ')[0];
      a.textContent = s.heading.indexOf(number + ' ') === 0 ? s.heading : number + ' \u00b7 ' + s.heading;
      p.className = 'snippet';
      p.textContent = snippet(s, words[0]);
      li.appendChild(a); li.appendChild(p); list.appendChild(li);
    });
    if (!hits.length) { var li = document.createElement('li'); li.textContent = 'No section has every word.';
                        list.appendChild(li); }
    else if (hits.length > 30) { var more = document.createElement('li');
                                 more.textContent = (hits.length - 30) + ' more: add a word.'; list.appendChild(more); }
  }
  box.addEventListener('input', search);
  if (box.value) search();
})();
"""
