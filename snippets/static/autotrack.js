/* Footfall autotrack: clicked-element and visited-URL definitions, and the visualizer launch.
 * A part of the tracking script that runs before the core (visualizer/bundle.py wraps it in
 * "(function (w, d, c) {...})"; the functions of visualizer/static/urlrule.js are in scope).
 * Kept out of the core's byte budget; never throws into the page.
 *
 * config c: a portal id, o overlay script path, m "no match" report path,
 *   c clicked-element rules [{n event name, s selector, r page scope URL rule or null,
 *     g path the definition was made on, t capture text, h capture link href}],
 *   v visited-URL rules [{n event name, r URL rule}].
 * Hits go through the public queue (_hsq), so the core adds page and attribution fields.
 */
var ffKey = '_ffviz',
  ffScript = d.currentScript || d.documentElement,
  ffAbs = function (p) { return new URL(p, ffScript.src || location.href).href; },
  ffLast,
  ffChecked = {};

function ffPush(name, props) {
  (w._hsq = w._hsq || []).push(['trackCustomBehavioralEvent', {name: name, properties: props}]);
}

// The visualizer: a token in the hash is kept for this tab, removed from the address bar
// (before the core records the page URL), and the overlay loads from the collector, which
// serves it only for a valid token.
function ffLaunch() {
  var m = /[#&]footfall-visualizer=([\w.-]+)/.exec(location.hash), t;
  if (m) {
    sessionStorage.setItem(ffKey, m[1]);
    history.replaceState(history.state, '', location.href.split('#')[0]);
  }
  t = sessionStorage.getItem(ffKey);
  if (t && !w.footfallOverlay) {
    var s = d.createElement('script');
    s.src = ffAbs(c.o) + '?t=' + encodeURIComponent(t);
    s.onerror = function () { sessionStorage.removeItem(ffKey); };
    (d.head || d.documentElement).appendChild(s);
  }
}

function ffText(el) {
  var tag = el.tagName;
  if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) || el.isContentEditable) return '';
  return (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 256);
}

// A compact description (SPEC 12.4) of the element and two ancestors, e.g.
// 'button#buy.btn[data-track=buy]"Buy now" < a.card < div.cards'.
function ffDescribe(el) {
  var out = [], i, a, s;
  for (i = 0; el && el.nodeType == 1 && i < 3; i++, el = el.parentElement) {
    s = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
    s += [].map.call(el.classList, function (x) { return '.' + x; }).join('');
    for (a = 0; a < el.attributes.length; a++) {
      if (/^data-/.test(el.attributes[a].name)) s += '[' + el.attributes[a].name + '=' + el.attributes[a].value.slice(0, 40) + ']';
    }
    if (!i && ffText(el)) s += '"' + ffText(el).slice(0, 60) + '"';
    out.push(s);
  }
  return out.join(' < ').slice(0, 256);
}

function ffProps(el, rule) {
  var p = {ff_element: ffDescribe(el)}, link = el.closest('a[href]'), text = ffText(el);
  if (el.id) p.hs_element_id = el.id;
  if (el.classList.length) p.hs_element_class = [].join.call(el.classList, ' ');
  if (rule.t && text) p.hs_element_text = text;
  if (rule.h && link) p.hs_link_href = link.href;
  return p;
}

function ffInScope(rule) {
  return rule.r ? ffUrlMatches(rule.r, location.href) : location.pathname == rule.g;
}

// One delegated capture-phase listener; composedPath sees into open shadow roots.
function ffClick(e) {
  var path = e.composedPath ? e.composedPath() : [e.target];
  if (path.some(function (el) { return el.hasAttribute && el.hasAttribute('data-footfall-overlay'); })) return;
  c.c.forEach(function (rule) {
    try {
      if (rule.r && !ffUrlMatches(rule.r, location.href)) return;
      for (var i = 0; i < path.length; i++) {
        if (path[i].nodeType == 1 && path[i].matches(rule.s)) return ffPush(rule.n, ffProps(path[i], rule));
      }
    } catch (x) {}
  });
}

// Is anything matching sel on the page, open shadow roots included?
function ffFind(sel, root) {
  return root.querySelector(sel) || [].some.call(root.querySelectorAll('*'), function (el) {
    return el.shadowRoot && ffFind(sel, el.shadowRoot);
  });
}

function ffReportMisses() {
  var url = location.href.split('#')[0], missing = [];
  // Not for a visitor who opted out (HubSpot's cookie, the core's doNotTrack): the report
  // carries the page URL. (Reading the cookie throws in a sandboxed frame: no report.)
  if (ffChecked[url] || /(^|; )__hs_do_not_track=/.test(d.cookie)) return;
  ffChecked[url] = 1;
  c.c.forEach(function (rule) {
    if (!ffInScope(rule)) return;
    try {
      if (ffFind(rule.s, d)) return;
    } catch (x) {} // a selector the browser cannot parse finds nothing: reported as missing
    missing.push(rule.n);
  });
  if (missing.length) navigator.sendBeacon(ffAbs(c.m), JSON.stringify({a: c.a, u: url, m: missing}));
}

function ffVisit() {
  var url = location.href.split('#')[0];
  if (url == ffLast) return;
  ffLast = url;
  c.v.forEach(function (rule) {
    if (ffUrlMatches(rule.r, location.href)) ffPush(rule.n, {});
  });
  // Let the page render what the new URL shows before looking for the selectors.
  setTimeout(function () { try { ffReportMisses(); } catch (x) {} }, 1500);
}

// A few milliseconds after the change, once the core has timed its page view: the view
// comes first in a timeline, then the visit events of its URL.
function ffNavigated() {
  setTimeout(function () { try { ffVisit(); } catch (x) {} }, 5);
}

try {
  ffLaunch();
} catch (x) {}
try {
  if (w._ffat) throw 0; // loaded twice: the first copy tracks, as the core's own guard does
  w._ffat = 1;
  var ffPushState = history.pushState;
  history.pushState = function () {
    ffNavigated(); // it looks at the URL once the change is made
    return ffPushState.apply(history, arguments);
  };
  w.addEventListener('popstate', ffNavigated);
  d.addEventListener('click', ffClick, true);
  if (d.readyState == 'complete') ffNavigated();
  else w.addEventListener('load', ffNavigated);
} catch (x) {}
