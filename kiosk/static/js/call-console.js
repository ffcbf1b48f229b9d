// The call screen's standard phrases: a click (or Alt+digit) puts the phrase into the notes at the
// cursor and records its use on the call. Without this script the buttons post the record form and
// the server puts the phrase in the notes instead. Alt+Shift+digit chooses an outcome (处理结果).
(function () {
  "use strict";

  function insertAtCursor(area, text) {
    var start = area.selectionStart, end = area.selectionEnd, value = area.value;
    if (typeof start !== "number") { start = end = value.length; }
    var before = value.slice(0, start), after = value.slice(end);
    var glue = before && !/\n$/.test(before) ? "\n" : "";
    area.value = before + glue + text + after;
    var caret = (before + glue + text).length;
    area.setSelectionRange(caret, caret);
    area.focus();
  }

  function usePhrase(button) {
    var form = button.form;
    var notes = form.querySelector("textarea[name=notes]");
    if (notes) insertAtCursor(notes, button.dataset.phraseText);
    var body = new FormData();
    body.append("phrase_id", button.value);
    var token = form.querySelector("input[name=csrf_token]");
    fetch(button.getAttribute("formaction"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      if (response.ok) button.classList.add("used");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-phrase-text]");
    if (!button) return;
    event.preventDefault();
    usePhrase(button);
  });

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return;
    var digit = /^Digit([1-9])$/.exec(event.code);
    var choice = digit && document.querySelector('input[data-outcome-key="' + digit[1] + '"]');
    if (!choice) return;
    event.preventDefault();
    choice.checked = true;
    choice.focus();
  });

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.shiftKey || event.ctrlKey || event.metaKey || !/^[0-9]$/.test(event.key)) return;
    var button = document.querySelector('button[data-shortcut="' + event.key + '"]');
    if (!button) return;
    event.preventDefault();
    usePhrase(button);
  });
})();
