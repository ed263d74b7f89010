"""The browser scripts of the visualizer, assembled from ``visualizer/static`` parts.

Each part is a plain script of function declarations (so ``node --check`` lints it and a
test page can load it alone); a bundle wraps its parts in one IIFE and minifies it once:

- the overlay: ``urlrule.js`` + ``selector.js`` + ``overlay.js``, served on a valid token;
- the tracker's autotrack module: ``urlrule.js`` + ``snippets/static/autotrack.js``, a
  function expression the tracking script calls with its own JSON config slot.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import rjsmin


def part(package: str, name: str) -> str:
    return resources.files(package).joinpath("static", name).read_text("utf-8")


def _minify(source: str) -> str:
    return str(rjsmin.jsmin(source)).rstrip(";\n ")


@lru_cache(maxsize=1)
def overlay_script() -> str:
    body = "\n".join(part("visualizer", n) for n in ("urlrule.js", "selector.js", "overlay.js"))
    return _minify(f"(function(w,d){{\n{body}\n}})(window,document)") + ";\n"


@lru_cache(maxsize=1)
def autotrack_core() -> str:
    body = part("visualizer", "urlrule.js") + "\n" + part("snippets", "autotrack.js")
    return _minify(f"(function(w,d,c){{\n{body}\n}})")
