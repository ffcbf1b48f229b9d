// The kiosk returns to its start screen after a while without a touch, so the next visitor starts clean.
(function () {
  "use strict";
  var marker = document.getElementById("kiosk-idle");
  if (!marker) return;
  var seconds = parseInt(marker.dataset.seconds, 10) || 90;
  var home = marker.dataset.home;
  var timer = null;
  function restart() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { window.location.assign(home); }, seconds * 1000);
  }
  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
    document.addEventListener(name, restart, { passive: true });
  });
  restart();
})();
