/* Footfall tracker core (SPEC section 5). Dependency-free; never throws into the page.
 *
 * This file is one function expression: the served script appends the single config slot,
 * "(window, document, CONFIG)". The minifier (rjsmin) does not rename and the core has a
 * 1,394-byte gzip budget, so names are one letter and statements are joined with commas
 * where that saves a brace or a semicolon; the legend:
 *
 *   config c: a portal id, u collect path, d debug script path, k cookieless,
 *             h where a tracked URL ends ('#', or ' ' with hash routing: no URL holds
 *             one), x owners' custom code (strings)
 *   Q  hits not acknowledged yet, also kept in localStorage under K: this page's own key
 *      (a new uuid + "_ffq" + portal id), so tabs never overwrite each other's. At load a
 *      page takes over (and removes) every key of the portal, a closed tab's or the last
 *      page's: a hit that failed is retried on the next page too (a tab still open may
 *      send it again as well; the collector stores each uuid once)
 *   B  hits in flight (one request at a time)   T  flush timer   W  retry back-off (ms)
 *   E  identified email (in cookieless mode the collector drops it)
 *   P  setPath's URL (resolved against the page's)
 *   F  last page URL tracked
 *   O  do not track: HubSpot's __hs_do_not_track cookie was there at load (what was kept
 *      unsent is dropped) or the page pushed doNotTrack (which sets the cookie for 13
 *      months, or with {track: true} removes it); no hit is made while it holds
 *   R  referrer of the current page   C  URL of the current page
 *   D  debug mode: each hit, and each command as it comes (wrapped: [command]), is also
 *      kept in window._ffd, which the debug script checks when it loads and from then on,
 *      so that commands queued or run before it loaded are checked too
 *   U  visitor token (cookie, Secure over https); none in cookieless mode or when the
 *      browser keeps no cookie (the collector then uses its daily hash)
 *   A  the page tracks its own page views (a trackPageView command, HubSpot's SPA way):
 *      history changes are then no page views of their own, nor is there an automatic one
 *   k  while the script loads, the custom events queued before it (and those the owners'
 *      code sends): they wait for the page view, so a timeline shows the view first; a
 *      queued setPath or identify still applies to the view (0 once loaded)
 *   J  time of the last history change, whose page view is pending: it is tracked once the
 *      URL has rested 1 s (a timer per change; only the last one's still matches J), with
 *      the title, setPath and identity the page has by then, but timed at the change (so
 *      it comes before the events of the new page, which already carry its referrer: R
 *      moves at the change). The page's own trackPageView within that second (HubSpot's
 *      SPA way: setPath, trackPageView) is that view instead; a page hidden (closed, left)
 *      within it tracks it at once. Navigations less than a second apart count once
 *   I  new uuid (a blob URL's random one, shorter than crypto.getRandomValues)
 *   G  keep a hit or a command for the debug script (debug mode; never throws)
 *   S  persist Q   X  send   Y  next chunk   Z  flush   V  track a hit (t its time if not
 *      now, n the event's name: none for a page view, p its properties)
 *   h  current URL (the hash counts with hash routing: popstate also fires on a hash
 *      change)   g  page view   n  navigation check   r  run one _hsq command
 *   y  take one command (from _hsq or footfall()): kept for the debug script, then run
 *      (a custom event that k holds runs again through r alone: it is kept once)
 *
 * The browser's Do Not Track / Global Privacy Control are honoured by the collector (DNT and
 * Sec-GPC headers) when the portal asks for it, and the language is its Accept-Language
 * header's. Hit keys are documented in collector/jsapi/hits.py.
 */
((w, d, c) => {
  try {
    var L = location,
      s = d.currentScript || d.documentElement,
      u = p => new URL(p, s.src || L),
      q = w._hsq ||= [],
      K = '_ffq' + c.a,
      Q = [],
      B, T, W = 1e3, E, P, F, R, C = R = d.referrer, A, J,
      D = 'debug' in s.dataset || /footfall_debug=1/.test(L),
      U, m, O, k = [];
    if (q.ff) return; // loaded twice
    q.ff = 1;

    var I = (x = URL.createObjectURL(new Blob)) => (URL.revokeObjectURL(x), x.slice(-36)),
      G = x => { try { D && (w._ffd ||= []).push(x) } catch {} }, // a page's own _ffd may refuse it
      S = () => {
        try { localStorage[K] = JSON.stringify(Q) } catch {}
      },
      // text/plain POST (no preflight); at unload (z) by sendBeacon: what it refuses (over
      // its quota) stays in localStorage for the next page.
      X = (j, z) => {
        var b = JSON.stringify({a: c.a, k: U, w: navigator.webdriver, h: j});
        return z ? navigator.sendBeacon(u(c.u), b) : fetch(u(c.u), {method: 'POST', body: b, keepalive: b.length < 2e4})
      },
      // Whole hits from Q[f] on, below the 64 KiB keepalive quota even at 3 bytes a
      // character; a single larger hit goes alone (without keepalive).
      Y = f => {
        for (var n = 0, i = f; i < Q.length && (n += JSON.stringify(Q[i]).length) < 2e4 || i == f; i++);
        return Q.slice(f, i)
      },
      Z = z => {
        try {
          T = clearTimeout(T);
          if (z) for (var i = 0, b; i < Q.length; i += b.length) X(b = Y(i), 1);
          else if (!B && Q.length) {
            var j = B = Y(0);
            X(j).then(r => {
              if (r.status > 499) throw 0;
              Q = Q.filter(h => !j.includes(h)); // stored (or refused for good: a 4xx)
              S(), W = 1e3, B = 0, Z()
            }).catch(() => {
              B = 0, T = setTimeout(Z, W), W = W > 9e3 ? 3e4 : W * 2
            })
          }
        } catch {}
      },
      V = (t, n, p) => {
        if (O) return {};
        // Keys left undefined (n of a page view, e before identify) are not sent.
        var h = {i: I(), n, t: t || Date.now(), u: P || L.href, ti: d.title, r: R,
          sw: screen.width, sh: screen.height, e: E};
        try { h.p = JSON.parse(JSON.stringify(p)) } catch {} // cyclic, BigInt
        G(h); // the debug script checks these
        Q = [...Q, h].slice(-500); // a long outage keeps the newest
        S();
        T ||= setTimeout(Z, 99); // about 100 ms
        return h
      },
      h = () => L.href.split(c.h)[0],
      g = () => ( // returns F, a URL: truthy (for A)
        R = C, C = V(J).u, J = P = 0, F = h()
      ),
      n = () => {
        A || h() != F && setTimeout(x => x == J && g(), 1e3, J = Date.now(), R = C)
      },
      r = a => {
        try {
          var f = a[0], o = a[1] || {};
          f == 'trackPageView' ? A = g()
            : f == 'setPath' ? P = new URL(a[1] || L, L).href // none: the page's own; one that fails keeps the last
            : f == 'identify' ? E = o.email
            : f == 'doNotTrack' ? ((O = !o.track) && S(Q = []), // before a sandbox throws
              d.cookie = '__hs_do_not_track=1;path=/;max-age=' + O * 34128000)
            : /lEvent$/.test(f) && (f = o.name) && // trackCustomBehavioralEvent (HubSpot's
              // deprecated trackEvent records nothing there either)
              (k ? k.push(a) : V(0, f, o.properties || {}))
        } catch {}
      },
      y = a => r(a, G([a])), // kept before it runs
      M = history.pushState;

    try { // a sandboxed frame throws (on both); the old single key ("_ffq" + portal id)
      // ends in K too. What an opted-out visitor's pages left unsent is dropped.
      O = /(^|; )__hs_do_not_track=/.test(d.cookie);
      for (m in localStorage) m.endsWith(K) &&
        (O || Q.push(...JSON.parse(localStorage[m])), delete localStorage[m])
    } catch {}
    K = I() + K; // written by the page view below, with what was taken over
    if (D) d.head.appendChild(d.createElement('script')).src = u(c.d);
    w.footfall = (...a) => y(a);
    q.push = (...a) => a.map(y);
    [].splice.call(q, 0).map(y); // _hsq may be any array-like
    try { // after the queue, which may opt out. Opted out or cookieless, a visitor cookie
      // from before is removed and U stays unset (m() finds none: it throws, as it does
      // in a sandbox); a blocked cookie reads back as none
      m = () => d.cookie.match(/(^|; )footfallutk=([\w-]+)/);
      d.cookie = 'footfallutk=' + (m() || [, , I()])[2] + (/^https:/.test(L) ? ';secure' : '') +
        ';path=/;samesite=lax;max-age=' + !(O || c.k) * 34128000;
      U = m()[2]
    } catch {}
    c.x.map(x => { try { Function(x)() } catch {} });
    A || g(), k.map(r, k = 0); // k is read before the argument clears it
    history.pushState = (...a) => n(M.apply(history, a)); // it returns nothing
    w.addEventListener('popstate', n);
    d.addEventListener('visibilitychange', () => d.hidden && (J && g(), Z(1)));
    Z()
  } catch {}
})
