// The 3-minute call timer (seed 003 §2(11)). It counts from the server's answer time in
// data-started-at, so a reload or a second tab shows the same time. The thresholds come from the
// server's rule (data-amber-from, data-red-after); this script only computes the elapsed seconds.
(function () {
  "use strict";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function colourFor(el, seconds) {
    if (seconds < Number(el.dataset.amberFrom)) return "calm";
    if (seconds <= Number(el.dataset.redAfter)) return "amber";
    return "red";
  }

  function tick() {
    document.querySelectorAll("[data-started-at]").forEach(function (el) {
      var started = Date.parse(el.dataset.startedAt);
      if (isNaN(started)) return;
      var seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
      var colour = colourFor(el, seconds);
      if (el.dataset.colour !== colour) {
        el.classList.remove("timer-calm", "timer-amber", "timer-red");
        el.classList.add("timer-" + colour);
        el.dataset.colour = colour;
      }
      var value = el.querySelector(".timer-value");
      if (value) value.textContent = Math.floor(seconds / 60) + ":" + pad(seconds % 60);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
  });
})();
