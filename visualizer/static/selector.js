/* The selector engine of the visualizer: pure functions of DOM elements, each result
 * verified with querySelectorAll on the element's own root (document or shadow root).
 * Preference: a unique stable attribute (data-track, data-testid, … then any data-*) →
 * a unique id that does not look generated → meaningful classes → the shortest unique path
 * of those pieces → a positional path (flagged as fragile). */
// A site can put its own hook attributes first: window.footfallSelectorAttributes = [...].
var FFS_ATTRS = (window.footfallSelectorAttributes || []).concat(['data-track', 'data-testid', 'data-test', 'data-test-id', 'data-cy', 'data-qa',
  'data-action', 'name', 'aria-label']);
var FFS_ACTIONABLE = 'a[href],button,input,select,textarea,summary,label,[role=button],' +
  '[role=link],[role=menuitem],[role=tab],[role=checkbox],[onclick]';

function ffsEsc(s) {
  return CSS.escape(s);
}

function ffsRoot(el) {
  var r = el.getRootNode();
  return r.querySelectorAll ? r : document;
}

function ffsCount(sel, root) {
  try {
    return (root || document).querySelectorAll(sel).length;
  } catch (e) {
    return -1;
  }
}

function ffsUniqueFor(sel, el) {
  var root = ffsRoot(el);
  return ffsCount(sel, root) == 1 && root.querySelector(sel) == el;
}

// Class names and ids made by build tools (css-1x2y3z, sc-bdVaJa, Button_root__3xYz1,
// :r1:, ember123, 7f9c…) change with every deploy: never rely on them.
function ffsGeneratedClass(c) {
  return /^(css|sc|jsx|emotion|styled|svelte|astro)-/i.test(c) || /__[\w-]{5,}$/.test(c) ||
    /^_/.test(c) || (c.length > 5 && /\d/.test(c) && /^[a-z]+[A-Z0-9][A-Za-z0-9]*$/.test(c) &&
    /[0-9].*[a-zA-Z]|[A-Z].*[0-9]/.test(c));
}

function ffsGeneratedId(id) {
  return /^[:\d]|:/.test(id) || /\d{3,}/.test(id) || /^(ember|react|mui|radix|headlessui|yui)[-_:]?/i.test(id) ||
    /[0-9a-f]{8}-?[0-9a-f]{4}/i.test(id) || ffsGeneratedClass(id);
}

function ffsClasses(el) {
  return [].filter.call(el.classList, function (c) { return !ffsGeneratedClass(c); });
}

function ffsTag(el) {
  return el.tagName.toLowerCase();
}

function ffsIsSvg(el) {
  return el.namespaceURI == 'http://www.w3.org/2000/svg' && ffsTag(el) != 'svg' || ffsTag(el) == 'svg';
}

// What a click on el would select: out of an <svg>, then the closest link/button/control,
// else the outermost ancestor in an unbroken chain of pointer cursors, else el.
function ffsActionable(el) {
  while (el && el.parentElement && ffsIsSvg(el)) el = el.parentElement;
  var found = el && el.closest ? el.closest(FFS_ACTIONABLE) : null;
  if (found) return found;
  var best = el, cur = el;
  while (cur && cur.parentElement && getComputedStyle(cur).cursor == 'pointer') {
    best = cur;
    cur = cur.parentElement;
  }
  return best;
}

function ffsAttrs(el) {
  var names = FFS_ATTRS.slice();
  [].forEach.call(el.attributes, function (a) {
    if (/^data-/.test(a.name) && names.indexOf(a.name) < 0) names.push(a.name);
  });
  return names.filter(function (n) {
    var v = el.getAttribute(n);
    return v && v.length < 80 && !/\d{4,}/.test(v);
  });
}

function ffsAttrPiece(el, name) {
  return ffsTag(el) + '[' + name + '="' + el.getAttribute(name).replace(/["\\]/g, '\\$&') + '"]';
}

// The best piece naming el alone (no ancestors): stable attribute, id, classes, or tag.
function ffsPiece(el) {
  var i, names = ffsAttrs(el), cls = ffsClasses(el), tag = ffsTag(el);
  for (i = 0; i < names.length; i++) {
    if (ffsUniqueFor(ffsAttrPiece(el, names[i]), el)) return ffsAttrPiece(el, names[i]);
  }
  if (el.id && !ffsGeneratedId(el.id)) return '#' + ffsEsc(el.id);
  return tag + cls.slice(0, 3).map(function (c) { return '.' + ffsEsc(c); }).join('');
}

function ffsClassCombos(el) {
  var cls = ffsClasses(el).slice(0, 6), tag = ffsTag(el), out = [], i, j;
  for (i = 0; i < cls.length; i++) out.push(tag + '.' + ffsEsc(cls[i]));
  for (i = 0; i < cls.length; i++) {
    for (j = i + 1; j < cls.length; j++) out.push(tag + '.' + ffsEsc(cls[i]) + '.' + ffsEsc(cls[j]));
  }
  return out;
}

function ffsPositional(el) {
  var path = [], cur = el;
  while (cur && cur.nodeType == 1 && ffsTag(cur) != 'html') {
    var n = 1, s = cur;
    while ((s = s.previousElementSibling)) n++;
    path.unshift(ffsTag(cur) + ':nth-child(' + n + ')');
    if (ffsUniqueFor(path.join(' > '), el)) break;
    cur = cur.parentElement;
  }
  return path.join(' > ');
}

// A unique selector for el; {selector, count} with count from querySelectorAll.
function ffsGenerate(el) {
  var i, names = ffsAttrs(el), tries = [];
  for (i = 0; i < names.length; i++) tries.push('[' + names[i] + '="' + el.getAttribute(names[i]).replace(/["\\]/g, '\\$&') + '"]');
  if (el.id && !ffsGeneratedId(el.id)) tries.push('#' + ffsEsc(el.id));
  tries = tries.concat(ffsClassCombos(el));
  for (i = 0; i < tries.length; i++) {
    if (ffsUniqueFor(tries[i], el)) return {selector: tries[i], count: 1};
  }
  var sel = ffsPiece(el), cur = el.parentElement;
  while (cur && ffsTag(cur) != 'html' && !ffsUniqueFor(sel, el)) {
    var piece = ffsPiece(cur);
    if (piece != ffsTag(cur) || !cur.parentElement) sel = piece + ' ' + sel;
    cur = cur.parentElement;
  }
  if (!ffsUniqueFor(sel, el)) sel = ffsPositional(el);
  return {selector: sel, count: ffsCount(sel, ffsRoot(el))};
}

// "All similar elements": drop what makes el unique, keep its kind; the first candidate
// that matches el and more than one element.
function ffsWiden(el) {
  var tag = ffsTag(el), cls = ffsClasses(el), root = ffsRoot(el), tries = [], i;
  if (cls.length) tries.push(tag + cls.map(function (c) { return '.' + ffsEsc(c); }).join(''));
  ffsClassCombos(el).forEach(function (s) { tries.push(s); });
  ffsAttrs(el).forEach(function (n) { tries.push(tag + '[' + n + ']'); });
  var parent = el.parentElement && ffsPiece(el.parentElement);
  if (parent) tries.push(parent + ' > ' + tag);
  for (i = 0; i < tries.length; i++) {
    var n = ffsCount(tries[i], root);
    if (n > 1 && [].indexOf.call(root.querySelectorAll(tries[i]), el) > -1) return {selector: tries[i], count: n};
  }
  return ffsGenerate(el);
}

// Fewer matches, still including el: add the closest ancestor piece that reduces the
// count; at the end, el's own unique selector.
function ffsNarrow(sel, el) {
  var root = ffsRoot(el), now = ffsCount(sel, root), cur = el.parentElement;
  for (; cur && ffsTag(cur) != 'html'; cur = cur.parentElement) {
    var next = ffsPiece(cur) + ' ' + sel, n = ffsCount(next, root);
    if (n > 0 && n < now && [].indexOf.call(root.querySelectorAll(next), el) > -1) return {selector: next, count: n};
  }
  return ffsGenerate(el);
}

// Quality warnings of a selector: invalid, none, positional, generated, broad.
function ffsWarnings(sel, root) {
  var out = [], n = ffsCount(sel, root || document);
  if (n < 0) return ['invalid'];
  if (n == 0) out.push('none');
  if (/:nth-(child|of-type|last-child)|:(first|last)-(child|of-type)/.test(sel)) out.push('positional');
  var names = (sel.match(/[.#](-?[_a-zA-Z][\w-]*)/g) || []).map(function (t) { return t.slice(1); });
  if (names.some(function (c) { return ffsGeneratedClass(c) || ffsGeneratedId(c); })) out.push('generated');
  if (n > 25 || /^[a-z]+$/i.test(sel.trim())) out.push('broad');
  return out;
}
