// A ringing call is noticed (seed 003 §2(2)(1): answer within three rings). The console's own poll
// (#ringing_calls, every few seconds) brings the calls; this script only reacts to what it shows:
// a short chime (muted with a button, the choice remembered in this browser), the tab's title and icon,
// a desktop notification while the page is in the background (asked for once, from a click), and
// Alt+A to answer the call that has waited longest. Without it the list and its buttons work as before.
(function () {
  "use strict";

  var MUTE_KEY = "console.ringing.muted";
  var heard = {};          // call ids already announced, so each call chimes once
  var title = document.title;
  var chime = null;

  function panel() { return document.getElementById("ringing-notice"); }
  function muted() { return window.localStorage.getItem(MUTE_KEY) === "1"; }

  function ringingCalls() {
    return Array.prototype.slice.call(document.querySelectorAll("#ringing_calls li.call.ringing[data-call-id]"));
  }

  function setIcon(ringing) {
    var icon = document.getElementById("console-icon");
    var notice = panel();
    if (!icon || !notice) return;
    icon.href = ringing ? notice.dataset.iconRinging : notice.dataset.iconCalm;
  }

  function playChime() {
    var notice = panel();
    if (!notice || muted()) return;
    chime = chime || new Audio(notice.dataset.sound);
    chime.currentTime = 0;
    notice.dataset.chimes = String(Number(notice.dataset.chimes || 0) + 1);
    var playing = chime.play();
    if (playing && playing.catch) playing.catch(function () { /* the browser wants a click first */ });
  }

  function notifyDesktop(call) {
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
    var notice = panel();
    var note = new Notification(notice.dataset.notifyTitle, { body: call.dataset.caller, tag: "call-" + call.dataset.callId });
    note.onclick = function () { window.focus(); note.close(); };
  }

  function update() {
    var notice = panel();
    if (!notice) return;
    var calls = ringingCalls();
    var fresh = calls.filter(function (call) { return !heard[call.dataset.callId]; });
    fresh.forEach(function (call) { heard[call.dataset.callId] = true; });
    if (fresh.length) {
      playChime();
      notifyDesktop(fresh[0]);
    }
    document.title = calls.length ? notice.dataset.titleRinging.replace("{n}", calls.length) + " — " + title : title;
    document.documentElement.dataset.ringing = String(calls.length);
    setIcon(calls.length > 0);
  }

  function showButtons() {
    var notice = panel();
    if (!notice) return;
    var mute = notice.querySelector("[data-mute]");
    mute.hidden = false;
    mute.setAttribute("aria-pressed", muted() ? "true" : "false");
    mute.textContent = muted() ? mute.dataset.labelMuted : mute.dataset.labelSound;
    var ask = notice.querySelector("[data-notify]");
    ask.hidden = !("Notification" in window) || Notification.permission !== "default";
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-mute]")) {
      window.localStorage.setItem(MUTE_KEY, muted() ? "0" : "1");
      showButtons();
    } else if (event.target.closest("[data-notify]")) {
      Notification.requestPermission().then(showButtons);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.code !== "KeyA") return;
    var first = document.querySelector("#ringing_calls li.call.ringing [data-answer]");
    if (!first) return;
    event.preventDefault();
    first.click();
  });

  document.addEventListener("htmx:afterSettle", update);
  document.addEventListener("DOMContentLoaded", function () {
    showButtons();
    update();
    var notice = panel();
    if (notice) notice.dataset.ready = "true";
  });
})();
