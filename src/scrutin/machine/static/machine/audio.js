// Voter terminal, audio mode (RT 61–64): a blind voter votes alone with headphones and a keypad.
// Off until the voter (or the president for them) presses key 5 or the « Mode audio » button:
// sighted voters see and use the same pages unchanged (RT 64). In audio mode every screen, choice,
// recap and confirmation is spoken by playing, in order, the WAV prompts prepared with the
// election package (GET /son/<key>.wav); nothing is synthesised here. Keys (docs/fr/machine.md):
//   2 / ArrowUp, 8 / ArrowDown      previous / next choice        5        repeat
//   4 / ArrowLeft, 6 / ArrowRight   previous / next question      0        help
//   # / Enter                       choose, or validate           * / Backspace   back
//   + / -                           volume                        7 / 9    slower / faster
//   3                               on a list: its candidates, ten at a time (RT 30); any other
//                                   key stops the reading
// The mode and its settings live in sessionStorage and are erased on the waiting screen and at
// the end of the vote: every setting resets after each voter. window.scrutinAudio.played lists
// the prompts played on this page (their keys), for the page's own tests; it dies with the page.
(function () {
  "use strict";
  var STORE = "scrutin-audio";
  var RATES = [0.6, 0.8, 1, 1.25, 1.5, 2, 2.5, 3];
  var root = document.documentElement;
  var player = document.getElementById("voix");
  var button = document.getElementById("mode-audio");
  var live = document.getElementById("annonce");
  var api = { on: false, played: [] };
  window.scrutinAudio = api;
  if (!player) return;

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }
  function save() { sessionStorage.setItem(STORE, JSON.stringify(settings)); }
  function reset() { sessionStorage.removeItem(STORE); }

  if (document.querySelector("[data-audio-reset]")) reset();
  var settings = load();
  api.on = !!(settings && settings.on);

  // --- the player: one queue of prompt keys, interrupted by every new key press -----------
  var queue = [];
  var playing = null;
  var whenSilent = null;
  var reading = false;  // a list's candidates are being read (key 3)
  function state(s) { root.dataset.audio = s; }
  function next() {
    if (!queue.length) {
      playing = null;
      reading = false;
      state("silence");
      if (whenSilent) { var f = whenSilent; whenSilent = null; f(); }
      return;
    }
    playing = { key: queue.shift(), logged: false };
    player.src = "/son/" + encodeURIComponent(playing.key) + ".wav";
    player.defaultPlaybackRate = RATES[settings.rate];
    player.playbackRate = RATES[settings.rate];
    player.volume = settings.volume / 10;
    state("parle");
    var p = player.play();
    if (p && p.catch) p.catch(function () { if (player.paused) next(); });
  }
  player.addEventListener("playing", function () {
    if (playing && !playing.logged) { playing.logged = true; api.played.push(playing.key); }
  });
  player.addEventListener("ended", next);
  player.addEventListener("error", next);
  function speak(keys) {
    reading = false;
    queue = keys.filter(function (k) { return !!k; });
    player.pause();
    next();
  }

  // --- what the page says ------------------------------------------------------------------
  function words(el, attr) {
    var v = el && el.getAttribute(attr);
    return v ? v.split(/\s+/).filter(Boolean) : [];
  }
  var screen = document.querySelector("[data-screen]");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-item]"));
  var current = -1;
  function group(el) { return el ? el.closest("fieldset[data-voice]") : null; }
  function itemVoice(i) {
    var el = items[i];
    if (!el) return [];
    var out = [el.getAttribute("data-item")];
    if ((el.type === "radio" || el.type === "checkbox") && el.checked) out.push("choisi");
    if (el.hasAttribute("data-members")) out.push("membres-touche");
    return out;
  }
  function focus(i) {
    var el = items[i];
    if (!el) return;
    current = i;
    try { el.focus({ preventScroll: false }); } catch (e) { /* hidden: the voice still moves */ }
    var label = el.closest("label") || el;
    if (live) live.textContent = label.textContent.replace(/\s+/g, " ").trim();
  }
  function arrival() {
    var out = words(screen, "data-screen");
    var start = items.findIndex(function (el) { return el.hasAttribute("data-initial") || el.checked; });
    if (start < 0 && items.length && group(items[0])) start = 0;
    if (start >= 0) {
      focus(start);
      if (group(items[start])) out = out.concat(words(group(items[start]), "data-voice"), itemVoice(start));
    }
    return out;
  }
  function move(to, before) {
    var from = items[current];
    focus(to);
    var g = group(items[to]);
    var prefix = g && g !== group(from) ? words(g, "data-voice") : [];
    speak((before || []).concat(prefix, itemVoice(to)));
  }
  function step(delta) {
    if (!items.length) return speak(words(screen, "data-screen"));
    var to = current + delta;
    if (to < 0) return move(0, ["debut-liste"]);
    if (to >= items.length) return move(items.length - 1, ["fin-liste"]);
    move(to);
  }
  function groupStep(delta) {
    var groups = Array.prototype.slice.call(document.querySelectorAll("fieldset[data-voice]"));
    var here = groups.indexOf(group(items[current]));
    var target = groups[here + delta];
    if (target) return move(items.indexOf(target.querySelector("[data-item]")));
    if (delta > 0) {
      var after = items.findIndex(function (el) { return !group(el) && items.indexOf(el) > current; });
      if (after >= 0) return move(after);
      return move(current, ["fin-liste"]);
    }
    move(current, ["debut-liste"]);
  }
  function choose() {
    var el = items[current];
    if (!el) return speak(words(screen, "data-screen"));
    if (el.type === "radio" || el.type === "checkbox") {
      var key = el.getAttribute("data-item");
      var g = group(el);
      if (el.type === "checkbox" && el.checked) {
        el.checked = false;
        el.dispatchEvent(new Event("change", { bubbles: true }));
        return speak([key, "retire"]);
      }
      if (el.type === "checkbox" && el.value !== "blanc" && g) {
        var max = Number(g.getAttribute("data-max") || "1");
        var chosen = g.querySelectorAll("input:checked:not([value=blanc])").length;
        if (chosen >= max) return speak(["erreur-trop"]);
      }
      el.checked = true;
      el.dispatchEvent(new Event("change", { bubbles: true }));
      if (el.type === "radio") {
        // One choice here: on to the next question, or to « Continuer ».
        var groups = Array.prototype.slice.call(document.querySelectorAll("fieldset[data-voice]"));
        var nextGroup = groups[groups.indexOf(g) + 1];
        var to = nextGroup ? items.indexOf(nextGroup.querySelector("[data-item]"))
          : items.findIndex(function (x) { return !group(x) && items.indexOf(x) > current; });
        if (to >= 0) {
          focus(to);
          var pre = nextGroup ? words(nextGroup, "data-voice") : [];
          return speak([key, "choisi"].concat(pre, itemVoice(to)));
        }
      }
      return speak([key, "choisi"]);
    }
    speak([]);
    el.click();
  }
  function members() {
    // A list's candidates, prompt after prompt, as a sighted voter sees them (RT 30).
    var keys = words(items[current], "data-members");
    if (!keys.length) return speak(["membres-aucun"]);
    speak(keys.concat(["membres-fin"]));
    reading = true;
  }
  function back() {
    var target = document.querySelector("[data-back]");
    if (target) { speak([]); target.click(); } else speak(words(screen, "data-screen").concat(itemVoice(current)));
  }

  // --- the keypad ----------------------------------------------------------------------------
  function start() {
    settings = { on: true, volume: 8, rate: 2 };
    api.on = true;
    save();
    if (button) button.setAttribute("aria-pressed", "true");
    speak(["accueil"].concat(arrival()));
  }
  var KEYS = {
    "ArrowUp": function () { step(-1); }, "2": function () { step(-1); },
    "ArrowDown": function () { step(1); }, "8": function () { step(1); },
    "ArrowLeft": function () { groupStep(-1); }, "4": function () { groupStep(-1); },
    "ArrowRight": function () { groupStep(1); }, "6": function () { groupStep(1); },
    "5": function () { speak(words(screen, "data-screen").concat(itemVoice(current))); },
    "0": function () { speak(["aide"]); },
    "3": members,
    "Enter": choose, "#": choose,
    "Backspace": back, "*": back,
    "+": function () { settings.volume = Math.min(10, settings.volume + 2); save(); speak(["volume-plus"]); },
    "-": function () { settings.volume = Math.max(2, settings.volume - 2); save(); speak(["volume-moins"]); },
    "9": function () { settings.rate = Math.min(RATES.length - 1, settings.rate + 1); save(); speak(["vitesse-plus"]); },
    "7": function () { settings.rate = Math.max(0, settings.rate - 1); save(); speak(["vitesse-moins"]); }
  };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    var typing = e.target && e.target.tagName === "INPUT" && e.target.type !== "radio" && e.target.type !== "checkbox";
    if (!api.on) {
      if (e.key === "5" && !typing && screen && api.available) { e.preventDefault(); start(); }
      return;
    }
    var action = KEYS[e.key];
    if (!action) {
      // Any other key (but a bare modifier) stops the reading of a list's candidates.
      if (reading && ["Shift", "Control", "Alt", "Meta", "AltGraph"].indexOf(e.key) < 0) speak([]);
      return;
    }
    e.preventDefault();
    action();
  });

  // --- on arrival ----------------------------------------------------------------------------
  state("silence");
  fetch("/son/", { cache: "no-store" })
    .then(function (r) { return r.json(); })
    .then(function (s) {
      api.available = !!s.available;
      if (api.available && button && screen) {
        button.hidden = false;
        button.addEventListener("click", function () { if (!api.on) start(); });
      }
    })
    .catch(function () {});
  if (api.on && button) button.setAttribute("aria-pressed", "true");
  var focusTarget = document.querySelector("[data-focus]");
  if (api.on && screen) {
    speak(arrival());
  } else if (focusTarget) {
    focusTarget.focus();
  }
  var end = document.querySelector("[data-end]");
  if (end && api.on) {
    // Last screen: the settings are erased; back to the waiting screen once all is said.
    reset();
    whenSilent = function () { setTimeout(function () { window.location.replace("/"); }, 3000); };
  }
})();
