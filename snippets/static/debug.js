/* Footfall debug companion (SPEC 12.2), loaded only when the tracking script has
 * data-debug or the page URL holds footfall_debug=1. It checks every hit the tracker queues
 * against the portal's definitions and warns in the console about unknown events, unknown
 * properties, wrong types and values that the collector will truncate, and about _hsq
 * commands that do nothing here. In debug mode the tracker keeps each hit and each command it
 * takes (as [command]) in window._ffd: this script checks what is there when it loads (what
 * the page queued before the tracker loaded, or pushed before this script did) and what comes
 * later, so a command is warned about alike whenever it was pushed.
 * The tracker runs the owners' saved code at load inside a try/catch, so code that fails
 * would do so silently: this script compiles (never runs) each one and reports a syntax
 * error, and reports what the code threw when it ran (each body the tracker runs keeps its
 * error in window._ffx as [event, error]; see custom_code in snippets/config.py). Errors
 * thrown later, in handlers the code set up, reach the browser's console as any script error
 * does.
 * The served script appends "(window, CONFIG)" (snippets/config.py:debug_config):
 *   portal        the portal id
 *   events        internal name -> {archived, object, properties: name -> {type, options}}
 *   code          [{event: fully qualified name, code}]: the saved code the tracker runs
 *   standard, limits, allowHeadless
 *   assetTypes    {names, pattern}: the standard properties that also take a custom event's
 *                 internal name, and the pattern of such a value (collector/properties.py)
 *   consent       the portal's consent mode: "none" (HubSpot's consent API does nothing),
 *                 "api" or "required" (snippets/static/consent.js answers it)
 *   cookieless    the portal is in cookieless mode (its consent mode is then "none")
 */
(function (w, config) {
  'use strict';
  var PREFIX = '[footfall debug]';
  var NUMBER = /^-?\d+(\.\d+)?$/;
  var OWN = 'pe' + config.portal + '_';
  var OTHER_PORTAL = /^pe\p{Nd}+_/u; // Python's \d: any Unicode decimal digit

  function warn(message, hit) {
    try { console.warn(PREFIX + ' ' + message, hit); } catch (e) { /* no console */ }
  }

  function note(message, hit) {
    try { console.info(PREFIX + ' ' + message, hit); } catch (e) { /* no console */ }
  }

  // The event name as the collector reads it: a string with NUL characters removed
  // (collector/jsapi/hits.py), then resolve_event_name (collector/completions.py): the
  // internal name after this portal's prefix, a bare name as it is (case-sensitive both),
  // null for another portal's prefix. Anything else sent as a name is never an event's.
  function resolve(raw) {
    if (typeof raw !== 'string') return null;
    raw = raw.replace(/\0/g, '');
    if (raw.indexOf(OWN) === 0) return raw.slice(OWN.length);
    return OTHER_PORTAL.test(raw) ? null : raw;
  }

  function own(object, key) {
    return key !== null && Object.prototype.hasOwnProperty.call(object, key) ? object[key] : null;
  }

  function unknownEvent(raw, hit) {
    var names = Object.keys(config.events);
    var defined = names.map(function (name) { return OWN + name; }).join(', ');
    var message = 'unknown event ' + JSON.stringify(raw) + '; the collector refuses it';
    if (typeof raw === 'string' && OTHER_PORTAL.test(raw) && raw.indexOf(OWN) !== 0) {
      message += ' (its prefix is another portal\'s: this is portal ' + config.portal + ')';
    } else if (typeof raw === 'string' && own(config.events, resolve(raw.toLowerCase()))) {
      message += ' (event names are case-sensitive: ' + OWN + resolve(raw.toLowerCase()) + ')';
    }
    warn(message + ' (defined: ' + (defined || 'none') + ')', hit);
  }

  function typeProblem(prop, value, name) {
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
      // An asset type may also be a custom event's internal name (as the collector reads it).
      var asset = config.assetTypes.names.indexOf(name) >= 0 && new RegExp(config.assetTypes.pattern);
      var unknown = String(value).split(';').filter(function (v) {
        return prop.options.indexOf(v) < 0 && !(asset && asset.test(v));
      });
      if (unknown.length) return unknown[0] + ' is not one of ' + prop.options.join(', ');
    }
    return null;
  }

  function checkValue(name, value, prop, hit) {
    var problem = typeProblem(prop, value, name);
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
      var prop = own(event.properties, name);
      if (!prop && own(event.properties, name.toLowerCase())) {
        warn('property "' + name + '" will be stored as "' + name.toLowerCase() + '"', hit);
        prop = own(event.properties, name.toLowerCase());
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
      var name = resolve(hit.n);
      var event = own(config.events, name);
      if (!event) {
        unknownEvent(hit.n, hit);
      } else if (event.archived) {
        warn('event "' + hit.n + '" is archived; completions go to the failed-events list', hit);
      } else if (event.object !== 'CONTACT') {
        warn('event "' + hit.n + '" is a ' + event.object + ' event: the JS API records contact'
             + ' events only (send it with the HTTP API); it goes to the failed-events list', hit);
      } else {
        note('event ' + hit.n, hit);
        if (hit.n.indexOf(OWN) !== 0) {
          note('"' + hit.n + '" is recorded as ' + OWN + name + '; the fully qualified name is'
               + ' preferred', hit);
        }
        checkProperties(event, hit);
      }
    } catch (e) { /* debugging must not break the page either */ }
  }

  // Owners' saved code: compiled here, never run (the tracker has run it already and
  // swallows what it throws, a syntax error included).
  (config.code || []).forEach(function (saved) {
    try {
      new Function(saved.code); // compiles the body; calling it would run it
    } catch (e) {
      try {
        console.error(PREFIX + ' the saved code of ' + saved.event + ' never runs: '
                      + e.name + ': ' + e.message, saved.code);
      } catch (ignored) { /* no console */ }
    }
  });

  // What the saved code threw when the tracker ran it, before this script loaded.
  (w._ffx || []).forEach(function (kept) {
    try {
      console.error(PREFIX + ' the saved code of ' + kept[0] + ' threw when it ran at load: '
                    + kept[1], kept[1]);
    } catch (ignored) { /* no console */ }
  });

  // The one warning a developer testing with a headless browser needs: its hits are
  // acknowledged and counted as bots, never stored, unless the collector allows automation.
  var N = w.navigator;
  if (!config.allowHeadless && (N.webdriver || /HeadlessChrome|PhantomJS/.test(N.userAgent))) {
    warn('this browser reports automation (navigator.webdriver or a headless user agent):'
         + ' the collector counts its hits as bots and stores none, unless it runs with'
         + ' FOOTFALL_ALLOW_HEADLESS=1 (for tests only)', N.userAgent);
  }

  // Commands the tracker does nothing with. HubSpot's page code often holds some of them.
  var KNOWN = ['trackCustomBehavioralEvent', 'trackPageView', 'setPath', 'identify', 'doNotTrack'];
  var CONSENT = ['addPrivacyConsentListener', 'setHubSpotConsent', 'revokeCookieConsent',
                 'showBanner'];

  function checkCommand(command) {
    try {
      if (!Array.isArray(command)) {
        warn('_hsq takes arrays such as ["trackPageView"]; this does nothing', command);
      } else if (CONSENT.indexOf(command[0]) >= 0) {
        consentQueue([command]); // HubSpot's newer pages push these to _hsq
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

  // HubSpot's consent queue: what it holds now, and what is pushed later (a banner's click).
  function consentQueue(commands) {
    if (config.consent !== 'none') { // the consent module answers it, but for one command
      commands.forEach(function (command) {
        if (command && command[0] === 'showBanner') {
          warn('showBanner does nothing: Footfall shows no consent banner of its own (your'
               + ' consent manager shows one and calls setHubSpotConsent)', command);
        }
      });
    } else if (config.cookieless) {
      warn('HubSpot\'s consent API (_hsp) does nothing for this portal: it is in cookieless'
           + ' mode, so there is no visitor cookie or identity to consent to', commands);
    } else {
      warn('HubSpot\'s consent API (_hsp) does nothing for this portal: set its tracking'
           + ' setting "consent" to "api" or "required" to answer it; opt visitors out with'
           + ' _hsq.push(["doNotTrack"])', commands);
    }
  }
  var hsp = w._hsp = w._hsp || [], hspPush = hsp.push;
  if (hsp.length) consentQueue(hsp);
  if (typeof hspPush === 'function') {
    hsp.push = function () {
      consentQueue(Array.prototype.slice.call(arguments));
      return hspPush.apply(hsp, arguments);
    };
  }

  // What the tracker kept: a hit, or a command it took (from _hsq or footfall()) as [command].
  function checkKept(kept) {
    if (Array.isArray(kept)) checkCommand(kept[0]);
    else check(kept);
  }

  var queue = w._ffd = w._ffd || [];
  queue.forEach(checkKept);
  queue.push = function () {
    Array.prototype.forEach.call(arguments, checkKept);
    return 0;
  };
})
