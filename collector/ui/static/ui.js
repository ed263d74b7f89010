/* Footfall UI enhancements: first-party, no dependencies, loaded with defer.
   Everything works without it (forms post and re-render on the server); it adds copy
   buttons, confirmations, instant option-row editing and the enumeration toggle.
   Hooks are data-* attributes: the CSP forbids inline code. */
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

  function onCopy(button) {
    var source = doc.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.tagName === "PRE" ? source.textContent : source.value;
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    copyText(text).then(function () {
      button.textContent = "Copied";
      button.classList.add("copied");
    }, function () {
      button.textContent = "Select and copy";
      var range = doc.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }).then(function () {
      window.setTimeout(function () {
        button.textContent = label;
        button.classList.remove("copied");
      }, 2000);
    });
  }

  /* Option rows of the property editor: the same actions the server applies without JS. */
  function renumber(container) {
    var rows = container.querySelectorAll("[data-option-row]");
    rows.forEach(function (row, index) {
      var n = index + 1;
      row.querySelectorAll("label").forEach(function (label) {
        var part = label.htmlFor.indexOf("option-label") === 0 ? "label" : "value";
        label.htmlFor = "option-" + part + "-" + index;
        label.textContent = "Option " + n + " " + part;
      });
      row.querySelector("[name=option_label]").id = "option-label-" + index;
      row.querySelector("[name=option_value]").id = "option-value-" + index;
      row.querySelectorAll("[data-option-action]").forEach(function (button) {
        var verb = button.getAttribute("data-option-action");
        var words = {up: "Move option " + n + " up", down: "Move option " + n + " down",
                     remove: "Remove option " + n};
        button.value = verb + ":" + index;
        button.setAttribute("aria-label", words[verb]);
        button.disabled = (verb === "up" && index === 0) || (verb === "down" && index === rows.length - 1);
      });
    });
  }

  function onOptionAction(button) {
    var verb = button.getAttribute("data-option-action");
    var editor = button.closest("fieldset");
    var container = editor && editor.querySelector("[data-option-rows]");
    if (!container) { return false; }
    var row = button.closest("[data-option-row]");
    var focusTarget = null;
    if (verb === "add") {
      var template = container.querySelector("[data-option-row]");
      var fresh = template.cloneNode(true);
      fresh.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      container.appendChild(fresh);
      focusTarget = fresh.querySelector("[name=option_label]");
    } else if (verb === "remove") {
      if (container.querySelectorAll("[data-option-row]").length > 1) {
        container.removeChild(row);
      } else {
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      }
    } else if (verb === "up" && row.previousElementSibling) {
      container.insertBefore(row, row.previousElementSibling);
      focusTarget = button;
    } else if (verb === "down" && row.nextElementSibling) {
      container.insertBefore(row.nextElementSibling, row);
      focusTarget = button;
    }
    renumber(container);
    if (focusTarget && !focusTarget.disabled) { focusTarget.focus(); }
    return true;
  }

  /* Fields shown only while the select they name holds one value: a property's options
     (type "enumeration"), an import column's new-property name and type (target
     "Create event property"; without JS they always show, and count only then). */
  function showWhile(attribute, value) {
    doc.querySelectorAll("[" + attribute + "]").forEach(function (fields) {
      var select = doc.getElementById(fields.getAttribute(attribute));
      if (!select) { return; }
      var update = function () { fields.hidden = select.value !== value; };
      select.addEventListener("change", update);
      update();
    });
  }

  doc.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    var copy = target.closest("[data-copy]");
    if (copy) { onCopy(copy); return; }
    var option = target.closest("[data-option-action]");
    if (option && onOptionAction(option)) { event.preventDefault(); return; }
    var confirmButton = target.closest("[data-confirm-button]");
    if (confirmButton && !window.confirm(confirmButton.getAttribute("data-confirm-button"))) {
      event.preventDefault();
    }
  });

  doc.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  /* Event code: compile it in a worker (syntax-check.js) before it is saved, because the
     tracker swallows a syntax error and the code would silently never run. Only "save"
     waits for the check; if the worker cannot answer, the form posts as it would without JS. */
  function syntaxCheck(form) {
    var field = form.elements.namedItem(form.getAttribute("data-syntax-field"));
    var message = form.querySelector("[data-syntax-error]");
    var worker = null;
    var pending = null;
    var checked = null;
    var asked = 0;

    function show(text) {
      message.textContent = text ? "This code has a syntax error and would never run: " + text : "";
      var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== message.id;
      });
      if (text) { ids.push(message.id); field.setAttribute("aria-invalid", "true"); }
      else if (!field.closest(".has-error")) { field.removeAttribute("aria-invalid"); }
      if (ids.length) { field.setAttribute("aria-describedby", ids.join(" ")); }
      else { field.removeAttribute("aria-describedby"); }
    }

    function finish(id, submitter, code, error) {
      if (!pending || pending.id !== id) { return; }
      window.clearTimeout(pending.timer);
      pending = null;
      show(error);
      if (error) { field.focus(); return; }
      checked = code;
      form.requestSubmit(submitter);
    }

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter || null;
      var code = field.value;
      if (submitter && submitter.value === "remove") { return; }
      if (!code.trim() || code === checked) { checked = null; return; }
      event.preventDefault();
      if (pending) { return; }
      try {
        worker = worker || new Worker(form.getAttribute("data-syntax-check"));
      } catch (e) {
        checked = code;
        form.requestSubmit(submitter);
        return;
      }
      var id = ++asked;
      pending = {id: id, timer: window.setTimeout(function () { finish(id, submitter, code, null); }, 3000)};
      worker.onmessage = function (reply) { finish(reply.data.id, submitter, code, reply.data.error); };
      worker.onerror = function () { worker = null; finish(id, submitter, code, null); };
      worker.postMessage({id: id, code: code});
    });
  }

  /* A running import: poll its status, move the progress bar, reload when it ends. */
  function pollProgress() {
    var box = doc.querySelector("[data-poll]");
    if (!box || !window.fetch) { return; }
    var url = box.getAttribute("data-poll");
    var bar = box.querySelector("[data-progress]");
    var label = box.querySelector("[data-progress-text]");
    var tick = function () {
      fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) {
          var type = response.headers.get("content-type") || "";
          if (!response.ok || type.indexOf("json") < 0) { throw new Error("status unavailable"); }
          return response.json();
        })
        .then(function (job) {
          if (job.state !== "running") { window.location.reload(); return; }
          var done = job.processedRows || 0;
          var total = job.rows || 0;
          if (bar) { bar.max = total || 1; bar.value = done; }
          if (label) { label.textContent = done.toLocaleString() + " of " + total.toLocaleString() + " rows"; }
          window.setTimeout(tick, 700);
        })
        .catch(function () { window.setTimeout(function () { window.location.reload(); }, 2000); });
    };
    window.setTimeout(tick, 300);
  }

  showWhile("data-options-for", "enumeration");
  showWhile("data-new-property-for", "new-event-property");
  pollProgress();
  doc.querySelectorAll("form[data-syntax-check]").forEach(function (form) {
    if (window.Worker && form.requestSubmit) { syntaxCheck(form); }
  });
  window.FootfallUI = {copyText: copyText};
})();
