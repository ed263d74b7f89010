/* Footfall debug companion (SPEC 12.2), loaded only when the tracking script has
 * data-debug or the page URL holds footfall_debug=1. It checks every hit the tracker queues
 * (window._ffd) against the portal's definitions and warns in the console about unknown
 * events, unknown properties, wrong types and values that the collector will truncate, and
 * about _hsq commands that do nothing here.
 * The served script appends "(window, CONFIG)"; see snippets/config.py for the keys.
 */
(function (w, config) {
  'use strict';
  var PREFIX = '[footfall debug]';
  var NUMBER = /^-?\d+(\.\d+)?$/;

  function warn(message, hit) {
    try { console.warn(PREFIX + ' ' + message, hit); } catch (e) { /* no console */ }
  }

  function typeProblem(prop, value) {
    var type = prop.type;
    if (value === null || typeof value === 'object') return 'must be a ' + type + ' value';
    if (type === 'number' && !(typeof value === 'number' || NUMBER.test(String(value)))) {
      return 'must be a number (at most one decimal point)';
    }
    if (type === 'bool' && ['true', 'false'].indexOf(String(value).toLowerCase()) < 0) {
      return 'must be true or false';
    }
    if ((type === 'datetime' || type === 'date') && isNaN(new Date(value).getTime())) {
      return 'must be an ISO 8601 date or epoch milliseconds';
    }
    if (type === 'enumeration') {
      var unknown = String(value).split(';').filter(function (v) {
        return prop.options.indexOf(v) < 0;
      });
      if (unknown.length) return unknown[0] + ' is not one of ' + prop.options.join(', ');
    }
    return null;
  }

  function checkValue(name, value, prop, hit) {
    var problem = typeProblem(prop, value);
    if (problem) {
      warn('property "' + name + '" ' + problem + '; the collector will drop it', hit);
      return;
    }
    var limits = config.limits;
    var max = limits.urlProperties.indexOf(name) >= 0 ? limits.url : limits.value;
    if (Array.from(String(value)).length > max) {
      warn('property "' + name + '" is longer than ' + max + ' characters and will be truncated', hit);
    }
  }

  function checkProperties(event, hit) {
    var props = hit.p || {};
    var names = Object.keys(props);
    if (names.length > config.limits.properties) {
      warn(names.length + ' properties: only the first ' + config.limits.properties + ' are kept', hit);
    }
    names.forEach(function (name) {
      var prop = event.properties[name];
      if (!prop && event.properties[name.toLowerCase()]) {
        warn('property "' + name + '" will be stored as "' + name.toLowerCase() + '"', hit);
        prop = event.properties[name.toLowerCase()];
      }
      if (!prop) {
        warn('unknown property "' + name + '" of ' + hit.n + '; the collector will drop it', hit);
        return;
      }
      checkValue(name, props[name], prop, hit);
    });
  }

  function check(hit) {
    try {
      hit = JSON.parse(JSON.stringify(hit)); // as sent: keys left undefined are not
      if (!hit.n) {
        console.info(PREFIX + ' page view', hit.u, hit);
        return;
      }
      var event = config.events[hit.n];
      if (!event) {
        warn('unknown event "' + hit.n + '" (defined: ' + Object.keys(config.events).join(', ') + ')', hit);
      } else if (event.archived) {
        warn('event "' + hit.n + '" is archived; completions go to the failed-events list', hit);
      } else {
        console.info(PREFIX + ' event ' + hit.n, hit);
        checkProperties(event, hit);
      }
    } catch (e) { /* debugging must not break the page either */ }
  }

  // The one warning a developer testing with a headless browser needs: its hits are
  // acknowledged and counted as bots, never stored, unless the collector allows automation.
  var N = w.navigator;
  if (!config.allowHeadless && (N.webdriver || /HeadlessChrome|PhantomJS/.test(N.userAgent))) {
    warn('this browser reports automation (navigator.webdriver or a headless user agent):'
         + ' the collector counts its hits as bots and stores none, unless it runs with'
         + ' FOOTFALL_ALLOW_HEADLESS=1 (for tests only)', N.userAgent);
  }

  // Commands the tracker does nothing with (pushed from now on: what was queued before this
  // script loaded has run already). HubSpot's page code often holds some of them.
  var KNOWN = ['trackCustomBehavioralEvent', 'trackPageView', 'setPath', 'identify', 'doNotTrack'];

  function checkCommand(command) {
    try {
      if (!Array.isArray(command)) {
        warn('_hsq takes arrays such as ["trackPageView"]; this does nothing', command);
      } else if (command[0] === 'trackEvent') {
        warn('trackEvent is deprecated by HubSpot and records nothing; use'
             + ' trackCustomBehavioralEvent with the event\'s fully qualified name', command);
      } else if (KNOWN.indexOf(command[0]) < 0) {
        warn('"' + command[0] + '" is not supported by the Footfall tracker and does nothing'
             + ' (supported: ' + KNOWN.join(', ') + ')', command);
      } else if (command[0] === 'setPath' && !/^\//.test(command[1])) {
        warn('setPath takes a path starting with "/"; this one is resolved against the page URL',
             command);
      } else if (command[0] === 'identify' && !(command[1] && command[1].email)) {
        warn('identify keeps only the email, and this one has none', command);
      }
    } catch (e) { /* debugging must not break the page either */ }
  }

  var hsq = w._hsq, push = hsq && hsq.push;
  if (typeof push === 'function') {
    hsq.push = function () {
      Array.prototype.forEach.call(arguments, checkCommand);
      return push.apply(hsq, arguments);
    };
  }
  // HubSpot's consent queue: what it holds now, and what is pushed later (a banner's click).
  function consentQueue(commands) {
    warn('HubSpot\'s consent API (_hsp) is not supported by Footfall: its commands do nothing;'
         + ' opt visitors out with _hsq.push(["doNotTrack"])', commands);
  }
  var hsp = w._hsp = w._hsp || [], hspPush = hsp.push;
  if (hsp.length) consentQueue(hsp);
  if (typeof hspPush === 'function') {
    hsp.push = function () {
      consentQueue(Array.prototype.slice.call(arguments));
      return hspPush.apply(hsp, arguments);
    };
  }

  var queue = w._ffd = w._ffd || [];
  queue.forEach(check);
  queue.push = function () {
    Array.prototype.forEach.call(arguments, check);
    return 0;
  };
})
