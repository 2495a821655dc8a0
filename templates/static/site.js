// Progressive enhancement only: every page works without this file (Tor Browser's safest mode).
// It adds a "copy" button next to handles and shows an event's time in the reader's own zone.
"use strict";

(function () {
  function enableCopyButtons() {
    if (!navigator.clipboard || !window.isSecureContext) {
      return;
    }
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) {
        return;
      }
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = source.value !== undefined ? source.value : source.textContent;
        navigator.clipboard.writeText(text.trim()).then(function () {
          button.textContent = button.getAttribute("data-copied") || label;
          window.setTimeout(function () {
            button.textContent = label;
          }, 2000);
        });
      });
    });
  }

  function showLocalTimes() {
    if (!window.Intl || !Intl.DateTimeFormat) {
      return;
    }
    var lang = document.documentElement.lang || undefined;
    document.querySelectorAll("[data-local-start]").forEach(function (row) {
      var start = new Date(row.getAttribute("data-local-start"));
      var end = new Date(row.getAttribute("data-local-end"));
      if (isNaN(start.getTime()) || isNaN(end.getTime())) {
        return;
      }
      var format = new Intl.DateTimeFormat(lang, {
        weekday: "short",
        year: "numeric",
        month: "short",
        day: "numeric",
        hour: "numeric",
        minute: "2-digit",
      });
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      var text = format.formatRange ? format.formatRange(start, end) : format.format(start);
      var output = row.querySelector("dd");
      output.textContent = text + (zone ? " (" + zone + ")" : "");
      row.hidden = false;
    });
  }

  enableCopyButtons();
  showLocalTimes();
})();
