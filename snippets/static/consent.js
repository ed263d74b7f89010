/* Footfall consent module (SPEC 12.9, consent-based identity). Served only for portals whose
 * tracking setting `consent` is "api" or "required", outside the core's byte budget. The
 * served script is CONSENT(window, document, s, c, core): it decides whether this page may
 * carry an identity, runs the core with its config c (k set: cookieless, no visitor cookie,
 * no token), then answers HubSpot's consent API.
 *
 *   s: {r: 1 when the visitor must consent first ("required"); 0 when tracking starts
 *      with the visitor cookie and a visitor may decline ("api")}
 *
 * The decision is kept in the first-party cookie footfall_consent, one digit per category
 * (analytics, advertisement, functionality; 1 granted, 0 refused), for 13 months; Footfall's
 * tracking is the analytics category. HubSpot's consent API is answered on window._hsp
 * (commands queued before the script loaded run when it loads) and, as HubSpot's newer pages
 * push them, on _hsq:
 *   addPrivacyConsentListener(fn)  fn({allowed, categories: {necessary, analytics,
 *                                  advertisement, functionality}}) once the visitor's
 *                                  choice is known (at once in "api" mode, or after an
 *                                  earlier decision), and again on every decision
 *   setHubSpotConsent({analytics, advertisement, functionality})  a consent manager's
 *                                  decision; a category left out keeps its value
 *   revokeCookieConsent            the decision and the visitor cookie are removed: the
 *                                  visitor is undecided again, as on HubSpot
 *   showBanner                     nothing (Footfall shows no banner of its own)
 * A visitor opted out with doNotTrack is reported as not allowed.
 *
 * The core reads its config once: a grant counts from the next page on. A refusal or a
 * revocation counts at once: the visitor cookie is removed, and this page's later requests
 * to the collector leave out the visitor token and any email (the module filters what the
 * page's fetch and sendBeacon send there). A page that starts without consent makes no
 * identify at all. Never throws into the page; if it fails, the page stays cookieless in
 * "required" mode.
 */
(w, d, s, c, core) => {
  var N = 'footfall_consent',
    KEYS = ['analytics', 'advertisement', 'functionality'],
    q, p, first, target, // _hsq, _hsp, the first copy on the page, the collect URL
    state, // the decision, [analytics, advertisement, functionality] as 1/0; none yet
    anonymous, // this page runs without a visitor cookie: no identify either
    forgotten, // refused or revoked on this page: requests leave out token and email
    listeners = [],
    jar = () => { try { return d.cookie } catch (e) { return '' } },
    write = v => {
      try {
        d.cookie = v + (/^https:/.test(location) ? ';secure' : '') + ';path=/;samesite=lax'
      } catch (e) {}
    },
    optedOut = () => /(?:^|; )__hs_do_not_track=/.test(jar()),
    allowed = () => !optedOut() && (state ? !!state[0] : !s.r),
    tell = fn => {
      if (!state && s.r) return; // undecided: HubSpot's banner would still be pending
      var a = allowed(), each = state || [a, a, a];
      try {
        fn({allowed: a, categories: {necessary: true, analytics: a,
          advertisement: !optedOut() && !!each[1], functionality: !optedOut() && !!each[2]}})
      } catch (e) {}
    },
    forget = () => { // no identity from now on, this page included
      write('footfallutk=;max-age=0');
      if (forgotten) return;
      forgotten = 1;
      var ours = u => { try { return new URL(u, location).href == target } catch (e) {} },
        scrub = b => {
          try {
            var o = JSON.parse(b);
            delete o.k;
            o.h.map(h => delete h.e);
            return JSON.stringify(o)
          } catch (e) { return b }
        },
        F = w.fetch, B = navigator.sendBeacon;
      w.fetch = function (r, o) {
        if (o && typeof o.body == 'string' && ours(r)) o = Object.assign({}, o, {body: scrub(o.body)});
        return F.call(this, r, o)
      };
      navigator.sendBeacon = function (u, b) {
        return B.call(navigator, u, typeof b == 'string' && ours(u) ? scrub(b) : b)
      }
    },
    run = a => {
      try {
        var f = a[0], o = a[1];
        if (f == 'addPrivacyConsentListener' && typeof o == 'function') listeners.push(o), tell(o);
        if (f == 'setHubSpotConsent' && o) {
          var was = state || [+allowed(), +allowed(), +allowed()];
          state = KEYS.map((k, i) => k in o ? +!!o[k] : was[i]);
          write(N + '=' + state.join('') + ';max-age=34128000');
          state[0] || forget();
          listeners.map(tell)
        }
        if (f == 'revokeCookieConsent') state = 0, write(N + '=;max-age=0'), forget()
      } catch (e) {}
    },
    keep = a => !((anonymous || forgotten) && a && a[0] == 'identify');
  if (s.r) c.k = 1; // fails closed
  try {
    q = w._hsq = w._hsq || [];
    p = w._hsp = w._hsp || [];
    first = !p.ff; // pasted twice, the second copy leaves the answering to the first
    target = new URL(c.u, (d.currentScript || {}).src || location).href; // as the core's
    var found = jar().match(/(?:^|; )footfall_consent=([01])([01])([01])/);
    state = found && found.slice(1).map(Number);
    if (first) {
      p.ff = 1;
      p.push = function () { [].map.call(arguments, run) };
      // Queued before the script loaded: a consent manager that answered first decides
      // for this page already.
      [].splice.call(p, 0).map(run);
      [].map.call(q, run);
    }
    anonymous = !allowed();
    if (anonymous) c.k = 1; else delete c.k;
    for (var i = q.length; i--;) keep(q[i]) || [].splice.call(q, i, 1);
  } catch (e) {}
  core(c);
  try {
    if (first) {
      var push = q.push, call = w.footfall;
      q.push = function () {
        var a = [].filter.call(arguments, keep);
        a.map(run);
        return push.apply(q, a)
      };
      if (call) w.footfall = (...a) => keep(a) && (run(a), call(...a))
    }
  } catch (e) {}
}
