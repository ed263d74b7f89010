/* Footfall UI: compiles an owner's event code without running it, in a worker.
   The tracker runs saved code as Function(code)(); a syntax error there is swallowed and
   the code silently never runs, so the code form asks this worker first. Pages forbid eval
   (CSP); this script alone is served with script-src 'unsafe-eval' and nothing else (no
   fetch, no imports): it builds the function and never calls it. */
"use strict";
self.onmessage = function (event) {
  var reply = {id: event.data.id, error: null};
  try {
    new Function(event.data.code);
  } catch (e) {
    reply.error = e instanceof SyntaxError ? e.message : null;
  }
  self.postMessage(reply);
};
