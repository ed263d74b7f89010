/* URL rules of clicked-element scopes and visited-URL definitions (the same rule in Python:
 * collector/autotrack/rules.py). rule = {operator: EQ|CONTAINS|STARTS_WITH|REGEX,
 * on: URL|BASE_URL|DOMAIN|PATH, value}. Never throws: a bad rule matches nothing. */
function ffUrlPart(url, on) {
  var u = new URL(url);
  return on == 'DOMAIN' ? u.hostname : on == 'PATH' ? u.pathname
    : on == 'BASE_URL' ? u.origin + u.pathname : url;
}

function ffUrlMatches(rule, url) {
  try {
    var t = ffUrlPart(url, rule.on), v = rule.value, o = rule.operator;
    return o == 'EQ' ? t == v : o == 'CONTAINS' ? t.indexOf(v) > -1
      : o == 'STARTS_WITH' ? t.indexOf(v) == 0 : new RegExp(v).test(t);
  } catch (e) {
    return false;
  }
}
