/* The visualizer overlay: loaded by the tracker from the collector with a valid token.
 * Everything it draws lives in one shadow root on a host marked data-footfall-overlay; it
 * never selects inside that host. Elements the owner can drive are [data-ff=…]. */
var ffoToken = sessionStorage.getItem('_ffviz'),
  ffoBase = new URL((d.currentScript || {}).src || location.href).origin + '/footfall/v1/visualizer/definitions',
  ffoCss = ':host{all:initial}*{box-sizing:border-box;font:13px/1.4 system-ui,sans-serif}' +
    '.box{position:fixed;pointer-events:none;border:2px solid #f60;background:rgba(255,102,0,.12);z-index:1}' +
    '.hit{position:fixed;pointer-events:none;border:2px dashed #06c;background:rgba(0,102,204,.1)}' +
    '.panel{position:fixed;right:12px;bottom:12px;width:340px;max-height:80vh;overflow:auto;background:#fff;' +
    'color:#222;border:1px solid #999;border-radius:8px;padding:10px;box-shadow:0 4px 20px rgba(0,0,0,.3);z-index:2}' +
    'input,select,button{margin:2px 0;padding:3px}input[type=text]{width:100%}.warn{color:#b00}' +
    'h3{margin:6px 0 2px;font-weight:bold}li{margin:3px 0}ul{padding-left:16px;margin:2px 0}',
  ffoS = {picked: null, picking: true, editing: null, editingVisit: null, defs: []},
  ffoOps = [['EQ', 'is'], ['CONTAINS', 'contains'], ['STARTS_WITH', 'starts with'], ['REGEX', 'matches regex']],
  ffoOns = [['PATH', 'path'], ['URL', 'full URL'], ['BASE_URL', 'base URL'], ['DOMAIN', 'domain']],
  ffoHost, ffoRoot, ffoBox;

function ffoEl(tag, attrs, kids) {
  var el = d.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    if (k == 'text') el.textContent = attrs[k];
    else el.setAttribute(k, attrs[k]);
  });
  (kids || []).forEach(function (k) { el.appendChild(k); });
  return el;
}

function ffoQ(name) {
  return ffoRoot.querySelector('[data-ff="' + name + '"]');
}

function ffoApi(method, path, body) {
  return fetch(ffoBase + path, {method: method, headers: {'Content-Type': 'application/json',
    'X-Footfall-Visualizer': ffoToken}, body: body ? JSON.stringify(body) : undefined})
    .then(function (r) {
      return r.status == 204 ? {} : r.json().then(function (j) {
        // Each error's message names its field already ("label: must not be empty").
        if (!r.ok) throw new Error(j.errors && j.errors.length ? j.errors.map(function (e) { return e.message; }).join('; ') : j.message);
        return j;
      });
    });
}

// Browsers keep the tracking script up to 5 minutes (its Cache-Control): say so, or a
// reload that tracks nothing yet looks like a broken event.
function ffoSaved(j) {
  return 'Saved ' + j.fullyQualifiedName + ': pages load it with the tracking script within 5 minutes';
}

function ffoStatus(text) {
  ffoQ('status').textContent = text;
}

function ffoInside(e) {
  return e.composedPath().indexOf(ffoHost) > -1;
}

function ffoTarget(e) {
  var t = e.composedPath()[0];
  return t && t.nodeType == 1 ? ffsActionable(t) : null;
}

function ffoPlace(box, el) {
  var r = el.getBoundingClientRect();
  box.style.left = r.left + 'px';
  box.style.top = r.top + 'px';
  box.style.width = r.width + 'px';
  box.style.height = r.height + 'px';
}

function ffoRoots() {
  return ffoS.picked ? ffsRoot(ffoS.picked) : d;
}

// The live match count and highlights of the selector in the editor.
function ffoShowMatches() {
  var sel = ffoQ('selector').value, root = ffoRoots(), n = ffsCount(sel, root), warns;
  ffoRoot.querySelectorAll('.hit').forEach(function (h) { h.remove(); });
  ffoQ('count').textContent = n < 0 ? 'invalid selector' : n + (n == 1 ? ' element' : ' elements');
  warns = sel ? ffsWarnings(sel, root) : [];
  ffoQ('warnings').textContent = warns.map(function (w) {
    return {invalid: 'Not a valid selector', none: 'Matches nothing on this page',
      positional: 'Positional (:nth-child): breaks when the page changes',
      generated: 'Uses a generated class name or id: changes with every deploy',
      broad: 'Too broad: matches many elements'}[w];
  }).join(' · ');
  if (n > 0) [].slice.call(root.querySelectorAll(sel), 0, 200).forEach(function (el) {
    var h = ffoEl('div', {'class': 'hit', 'data-ff': 'match'});
    ffoRoot.appendChild(h);
    ffoPlace(h, el);
  });
}

function ffoUse(result) {
  ffoQ('selector').value = result.selector;
  ffoShowMatches();
}

function ffoPick(e) {
  if (!ffoS.picking || ffoInside(e)) return;
  var el = ffoTarget(e);
  if (!el) return;
  e.preventDefault();
  e.stopImmediatePropagation();
  ffoS.picked = el;
  ffoS.editing = null;
  ffoQ('save').textContent = 'Save click event';
  ffoUse(ffsGenerate(el));
  if (!ffoQ('label').value) ffoQ('label').value = 'Clicked ' + (ffText(el) || ffsTag(el)).slice(0, 60);
}

function ffoHover(e) {
  var el = ffoS.picking && !ffoInside(e) && ffoTarget(e);
  ffoBox.style.display = el ? 'block' : 'none';
  if (el) ffoPlace(ffoBox, el);
}

function ffText(el) {
  return /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) ? '' : (el.innerText || '').replace(/\s+/g, ' ').trim();
}

// The page scope to save; undefined (left out of the JSON) keeps an edited event's scope.
function ffoScope() {
  var kind = ffoQ('scope').value, path = location.pathname;
  return kind == 'keep' ? undefined : kind == 'all' ? null
    : kind == 'path' ? {operator: 'EQ', on: 'PATH', value: path}
    : {operator: 'REGEX', on: 'PATH', value: ffoQ('scope-value').value};
}

function ffoCapture() {
  return {text: ffoQ('cap-text').checked, href: ffoQ('cap-href').checked, pageUrl: ffoQ('cap-url').checked};
}

function ffoSaveClick() {
  var body = {label: ffoQ('label').value, selector: ffoQ('selector').value, capture: ffoCapture(),
    scope: ffoScope()};
  // What this browser cannot parse would never fire: refused here, where it is known.
  if (ffsCount(body.selector, d) < 0) return ffoStatus('Not saved: not a valid CSS selector');
  if (body.scope && body.scope.operator == 'REGEX') {
    try { new RegExp(body.scope.value); } catch (x) {
      return ffoStatus('Not saved: the page pattern is not a valid regular expression');
    }
  }
  var done = ffoS.editing ? ffoApi('PATCH', '/' + ffoS.editing, body)
    : ffoApi('POST', '', Object.assign(body, {trackingType: 'CLICKED_ELEMENT', page: location.pathname}));
  done.then(function (j) {
    ffoStatus(ffoSaved(j));
    ffoS.editing = null;
    ffoQ('label').value = '';
    ffoQ('scope').value = 'all';
    ffoScopeShown();
    ffoQ('save').textContent = 'Save click event';
    ffoLoad();
  })
    .catch(function (x) { ffoStatus('Not saved: ' + x.message); });
}

function ffoSaveVisit() {
  var rule = {operator: ffoQ('visit-op').value, on: ffoQ('visit-on').value, value: ffoQ('visit-value').value},
    body = {label: ffoQ('visit-label').value, rule: rule},
    done = ffoS.editingVisit ? ffoApi('PATCH', '/' + ffoS.editingVisit, body)
      : ffoApi('POST', '', Object.assign(body, {trackingType: 'VISITED_URL'}));
  done.then(function (j) {
    ffoStatus(ffoSaved(j));
    ffoS.editingVisit = null;
    ffoQ('save-visit').textContent = 'Save visit event';
    ffoLoad();
  })
    .catch(function (x) { ffoStatus('Not saved: ' + x.message); });
}

function ffoEditVisit(def) {
  ffoS.editingVisit = def.name;
  ffoQ('visit-label').value = def.label;
  ffoQ('visit-op').value = def.rule.operator;
  ffoQ('visit-on').value = def.rule.on;
  ffoQ('visit-value').value = def.rule.value;
  ffoQ('save-visit').textContent = 'Update ' + def.label;
}

function ffoRelevant(def) {
  if (def.trackingType == 'VISITED_URL') return ffUrlMatches(def.rule, location.href);
  return def.scope ? ffUrlMatches(def.scope, location.href) : true;
}

function ffoEdit(def) {
  ffoS.editing = def.name;
  ffoQ('label').value = def.label;
  ffoQ('selector').value = def.selector;
  ffoQ('save').textContent = 'Update ' + def.label;
  ffoQ('scope').value = 'keep';
  ffoScopeShown();
  ffoQ('cap-text').checked = def.capture.text;
  ffoQ('cap-href').checked = def.capture.href;
  ffoQ('cap-url').checked = def.capture.pageUrl;
  ffoShowMatches();
}

// A URL rule in the words of the visit form's selects: "path contains shop".
function ffoRule(rule) {
  var word = function (list, key) {
    var found = list.filter(function (o) { return o[0] == key; })[0];
    return found ? found[1] : key;
  };
  return word(ffoOns, rule.on) + ' ' + word(ffoOps, rule.operator) + ' ' + rule.value;
}

function ffoRow(def) {
  var edit = ffoEl('button', {text: 'Edit', 'data-ff': 'edit'}), del = ffoEl('button', {text: 'Delete', 'data-ff': 'delete'});
  edit.onclick = function () { (def.trackingType == 'VISITED_URL' ? ffoEditVisit : ffoEdit)(def); };
  del.setAttribute('aria-label', 'Delete ' + def.label);
  edit.setAttribute('aria-label', 'Edit ' + def.label);
  del.onclick = function () {
    // Archives the event: it stops tracking on the whole site, so ask first.
    if (!w.confirm('Delete ' + def.label + '? It stops tracking on every page.')) return;
    ffoApi('DELETE', '/' + def.name).then(ffoLoad)
      .catch(function (x) { ffoStatus('Not deleted: ' + x.message); });
  };
  return ffoEl('li', {'data-ff': 'definition', 'data-name': def.name}, [
    ffoEl('span', {text: def.label + ' — ' + (def.selector || ffoRule(def.rule)) + ' '}), edit, del]);
}

function ffoList() {
  var q = ffoQ('search').value.toLowerCase(), list = ffoQ('definitions');
  list.textContent = '';
  ffoS.defs.filter(ffoRelevant).filter(function (def) {
    return (def.label + ' ' + (def.selector || def.rule.value)).toLowerCase().indexOf(q) > -1;
  }).forEach(function (def) { list.appendChild(ffoRow(def)); });
}

function ffoLoad() {
  return ffoApi('GET', '').then(function (j) { ffoS.defs = j.results; ffoList(); })
    .catch(function (x) { ffoStatus('Cannot load definitions: ' + x.message); });
}

function ffoField(name, attrs) {
  return ffoEl('input', Object.assign({type: 'text', 'data-ff': name}, attrs || {}));
}

function ffoButton(name, text, action) {
  var b = ffoEl('button', {'data-ff': name, text: text});
  b.onclick = action;
  return b;
}

function ffoCheck(name, text) {
  return ffoEl('label', {}, [ffoEl('input', {type: 'checkbox', 'data-ff': name, checked: ''}), d.createTextNode(text + ' ')]);
}

function ffoSelect(name, label, options) {
  return ffoEl('select', {'data-ff': name, 'aria-label': label}, options.map(function (o) { return ffoEl('option', {value: o[0], text: o[1]}); }));
}

// The path pattern is asked for only when "Pages whose path matches" is chosen.
function ffoScopeShown() {
  ffoQ('scope-value').hidden = ffoQ('scope').value != 'regex';
}

function ffoClickSection() {
  var sel = ffoField('selector', {'aria-label': 'CSS selector'}),
    scope = ffoSelect('scope', 'Pages', [['all', 'On every page'], ['path', 'Only on this page'],
      ['regex', 'Pages whose path matches'], ['keep', 'Keep the saved pages']]);
  sel.oninput = ffoShowMatches;
  scope.onchange = ffoScopeShown;
  return [ffoEl('h3', {text: 'Click event'}), ffoButton('picking', 'Pause picking', function () {
    ffoS.picking = !ffoS.picking;
    this.textContent = ffoS.picking ? 'Pause picking' : 'Pick elements';
  }), sel, ffoEl('div', {'data-ff': 'count'}), ffoEl('div', {'class': 'warn', 'data-ff': 'warnings'}),
  ffoButton('widen', 'All similar elements', function () { if (ffoS.picked) ffoUse(ffsWiden(ffoS.picked)); }),
  ffoButton('narrow', 'Narrow', function () { if (ffoS.picked) ffoUse(ffsNarrow(ffoQ('selector').value, ffoS.picked)); }),
  ffoField('label', {placeholder: 'Event name', 'aria-label': 'Click event name'}), ffoCheck('cap-text', 'element text'), ffoCheck('cap-href', 'link'),
  ffoCheck('cap-url', 'page URL'),
  scope, ffoField('scope-value', {placeholder: 'regular expression on the path', 'aria-label': 'Pages whose path matches',
    hidden: ''}), ffoButton('save', 'Save click event', ffoSaveClick)];
}

function ffoVisitSection() {
  return [ffoEl('h3', {text: 'Page visit event'}), ffoField('visit-label', {placeholder: 'Event name', 'aria-label': 'Visit event name'}),
    ffoSelect('visit-op', 'URL rule', ffoOps), ffoSelect('visit-on', 'Part of the URL', ffoOns),
    ffoField('visit-value', {value: location.pathname, 'aria-label': 'URL rule value'}), ffoButton('save-visit', 'Save visit event', ffoSaveVisit)];
}

function ffoPanel() {
  var search = ffoField('search', {placeholder: 'Search events on this page', 'aria-label': 'Search events on this page'});
  search.oninput = ffoList;
  return ffoEl('div', {'class': 'panel', 'data-ff': 'panel', role: 'dialog', 'aria-label': 'Footfall visualizer'}, [ffoEl('strong', {text: 'Footfall visualizer '}),
    ffoButton('exit', 'Exit', ffoExit)].concat(ffoClickSection(), ffoVisitSection(), [
    ffoEl('div', {'data-ff': 'status', role: 'status'}), ffoEl('h3', {text: 'Events on this page'}), search,
    ffoEl('ul', {'data-ff': 'definitions'})]));
}

function ffoExit() {
  sessionStorage.removeItem('_ffviz');
  w.removeEventListener('click', ffoPick, true);
  w.removeEventListener('mousemove', ffoHover, true);
  ffoHost.remove();
  w.footfallOverlay = 0;
}

function ffoStyle(root) {
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(ffoCss);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    root.appendChild(ffoEl('style', {text: ffoCss}));
  }
}

function ffoStart() {
  w.footfallOverlay = 1;
  ffoHost = ffoEl('div', {'data-footfall-overlay': ''});
  ffoRoot = ffoHost.attachShadow({mode: 'open'});
  ffoStyle(ffoRoot);
  ffoBox = ffoEl('div', {'class': 'box', 'data-ff': 'hover'});
  ffoRoot.appendChild(ffoBox);
  ffoRoot.appendChild(ffoPanel());
  d.documentElement.appendChild(ffoHost);
  w.addEventListener('click', ffoPick, true);
  w.addEventListener('mousemove', ffoHover, true);
  w.addEventListener('scroll', function () { if (ffoQ('selector').value) ffoShowMatches(); }, true);
  ffoLoad();
}

try {
  if (ffoToken && !w.footfallOverlay) ffoStart();
} catch (e) {}
