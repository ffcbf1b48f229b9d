// The butler's checklist: one touch marks every check "正常" (the usual case); problems are then picked one by
// one. Without JavaScript the button stays hidden and each check is answered by hand.
(function () {
  "use strict";
  function wire(root) {
    root.querySelectorAll("[data-all-ok]").forEach(function (button) {
      if (button.dataset.wired) return;
      button.dataset.wired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var form = button.closest("form");
        form.querySelectorAll('input[type=radio][value="ok"]').forEach(function (radio) { radio.checked = true; });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSettle", function (event) { wire(event.target); });
})();
