/* Footfall consent module (SPEC 12.9, consent-based identity). Served only for portals whose
 * tracking setting `consent` is "api" or "required", outside the core's byte budget; the
 * served script calls it inside the core's call, CORE(window, document, CONSENT(window,
 * document, s, c)), and it returns the core's config c, with k (cookieless: no visitor
 * cookie, no visitor token) set while this visitor's hits may not carry an identity.
 *
 *   s: {r: 1 when the visitor must consent first ("required"); 0 when tracking starts
 *      with the visitor cookie and a visitor may decline ("api")}
 *
 * The decision lives in the first-party cookie footfall_consent: 1 granted, 0 declined,
 * for 13 months. HubSpot's consent API is answered on window._hsp (commands queued before
 * the script loaded run when it loads) and, as HubSpot's newer pages push them, on _hsq:
 *   addPrivacyConsentListener(fn)  fn({allowed, categories: {necessary, analytics,
 *                                  advertisement, functionality}}) now, and again on every
 *                                  decision; Footfall's tracking is the analytics category
 *   setHubSpotConsent({analytics}) a consent manager's decision (analytics true or false)
 *   revokeCookieConsent            the visitor cookie is removed and a decline recorded
 *   showBanner                     nothing: Footfall shows no banner of its own
 * The core reads its config once, when the page loads: a decision made on a page counts
 * from the next page on (a removed visitor cookie is gone at once, but the page that
 * removed it still sends its token). Never throws into the page.
 */
(w, d, s, c) => {
  try {
    var listeners = [],
      decision = () => (d.cookie.match(/(?:^|; )footfall_consent=([01])/) || [])[1],
      allowed = () => { var v = decision(); return v ? v == '1' : !s.r },
      tell = fn => {
        var a = allowed();
        try {
          fn({allowed: a, categories: {necessary: true, analytics: a, advertisement: a, functionality: a}})
        } catch (e) {}
      },
      decide = v => {
        d.cookie = 'footfall_consent=' + v + (/^https:/.test(location) ? ';secure' : '') +
          ';path=/;samesite=lax;max-age=34128000';
        listeners.map(tell)
      },
      run = a => {
        try {
          var f = a[0], o = a[1];
          if (f == 'addPrivacyConsentListener' && typeof o == 'function') listeners.push(o), tell(o);
          if (f == 'setHubSpotConsent') decide(o && o.analytics ? 1 : 0);
          if (f == 'revokeCookieConsent') d.cookie = 'footfallutk=;path=/;max-age=0', decide(0)
        } catch (e) {}
      },
      p = w._hsp = w._hsp || [],
      q = w._hsq = w._hsq || [];
    if (!p.ff) { // not when the script is pasted twice
      p.ff = 1;
      p.push = function () { [].map.call(arguments, run) };
      [].splice.call(p, 0).map(run);
      [].map.call(q, run); // the core passes these over
      // Once the core has taken _hsq over (it does so synchronously, right after this
      // returns), consent commands pushed there later come here too.
      setTimeout(() => {
        var push = q.push;
        q.push = function () { [].map.call(arguments, run); return push.apply(q, arguments) }
      })
    }
    if (!allowed()) c.k = 1
  } catch (e) {}
  return c
}
