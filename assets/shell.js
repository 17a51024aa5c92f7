/* The shell's live clock: every element with data-clock-tz shows the time in that zone.
 * Runs in the browser only (no Dash callback, no server request), once a second. */
(function () {
  "use strict";
  var formats = {};

  function formatter(tz, lang) {
    var key = tz + "|" + lang;
    if (!formats[key]) {
      formats[key] = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "vi-VN", {
        timeZone: tz,
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        day: "2-digit",
        month: "2-digit",
        year: "numeric",
        hour12: false,
      });
    }
    return formats[key];
  }

  function pad(part) {
    return part.length === 1 ? "0" + part : part;
  }

  function tick() {
    var now = new Date();
    var clocks = document.querySelectorAll("[data-clock-tz]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var parts = {};
      formatter(el.getAttribute("data-clock-tz"), el.getAttribute("data-clock-lang") || "vi")
        .formatToParts(now)
        .forEach(function (p) { parts[p.type] = p.value; });
      // One layout in both languages: HH:MM:SS DD/MM/YYYY, as the server renders it.
      el.textContent = pad(parts.hour === "24" ? "00" : parts.hour) + ":" + pad(parts.minute) +
        ":" + pad(parts.second) + " " + pad(parts.day) + "/" + pad(parts.month) + "/" + parts.year;
    }
  }

  // Mark the navigation link of the page on screen (Dash navigates without reloading).
  function markActive() {
    var links = document.querySelectorAll(".shell-nav a");
    for (var i = 0; i < links.length; i++) {
      var here = links[i].pathname === window.location.pathname;
      links[i].classList.toggle("active", here);
      if (here) { links[i].setAttribute("aria-current", "page"); }
      else { links[i].removeAttribute("aria-current"); }
    }
  }

  window.setInterval(function () { tick(); markActive(); }, 1000);
})();
