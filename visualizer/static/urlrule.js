/* URL rules of clicked-element scopes and visited-URL definitions (the same rule in Python:
 * collector/autotrack/rules.py). rule = {operator: EQ|CONTAINS|STARTS_WITH|REGEX,
 * on: URL|BASE_URL|DOMAIN|PATH, value}. BASE_URL and DOMAIN are read in HubSpot's forms
 * (base URL without protocol or query, www.hubspot.com/search; domain without "www.",
 * hubspot.com) and in the full ones (https://www.hubspot.com/search, www.hubspot.com): a rule
 * matching either matches. Never throws: a bad rule matches nothing. */
function ffUrlParts(url, on) {
  var u = new URL(url), h = u.hostname;
  return on == 'DOMAIN' ? [h.replace(/^www\./, ''), h] : on == 'PATH' ? [u.pathname]
    : on == 'BASE_URL' ? [u.host + u.pathname, u.origin + u.pathname] : [url];
}

function ffUrlMatches(rule, url) {
  try {
    var v = rule.value, o = rule.operator;
    return ffUrlParts(url, rule.on).some(t => o == 'EQ' ? t == v : o == 'CONTAINS' ? t.indexOf(v) > -1
      : o == 'STARTS_WITH' ? t.indexOf(v) == 0 : new RegExp(v).test(t));
  } catch (e) {
    return false;
  }
}
