/* Chart tooltips for the server-drawn SVG bar charts (collector/ui/chart.py): first-party,
   no dependencies. Each bar group carries its text in data-tip (and a <title>, the
   browser's own tooltip, which still works without this script). */
(function () {
  "use strict";
  document.querySelectorAll("[data-chart]").forEach(function (wrap) {
    var svg = wrap.querySelector("svg");
    if (!svg) { return; }
    var tip = document.createElement("div");
    tip.className = "chart-tip";
    tip.hidden = true;
    tip.setAttribute("aria-hidden", "true");
    wrap.appendChild(tip);
    var active = null;

    function show(bar) {
      if (active) { active.classList.remove("active"); }
      active = bar;
      bar.classList.add("active");
      tip.textContent = bar.getAttribute("data-tip");
      var box = bar.getBoundingClientRect();
      var frame = wrap.getBoundingClientRect();
      var x = box.left + box.width / 2 - frame.left;
      tip.hidden = false;
      var half = tip.offsetWidth / 2;
      tip.style.left = Math.min(Math.max(x, half), frame.width - half) + "px";
      tip.style.top = (box.top - frame.top + 12) + "px";
    }

    function hide() {
      if (active) { active.classList.remove("active"); }
      active = null;
      tip.hidden = true;
    }

    svg.addEventListener("mouseover", function (event) {
      var bar = event.target instanceof Element ? event.target.closest(".bar") : null;
      if (bar) { show(bar); }
    });
    svg.addEventListener("mouseleave", hide);
  });
})();
