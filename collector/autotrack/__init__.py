"""Point-and-click tracking on the server side: visualizer tokens, clicked-element and
visited-URL rules, and selector health. The browser side lives in ``visualizer/`` (overlay,
selector engine, URL rules) and ``snippets/static/autotrack.js`` (the tracker's matcher)."""
