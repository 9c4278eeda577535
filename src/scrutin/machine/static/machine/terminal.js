// Voter terminal: the waiting screen checks every second whether the president activated it;
// the end screen returns to the waiting screen after a few seconds (nothing of the vote stays).
(function () {
  "use strict";
  var poll = document.querySelector("[data-poll]");
  if (poll) {
    setInterval(function () {
      fetch(poll.dataset.poll, { cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (s) { if (s.active) window.location.replace("/"); })
        .catch(function () {});
    }, 1000);
  }
  var back = document.querySelector("[data-return]");
  if (back && !(window.scrutinAudio && window.scrutinAudio.on)) {  // audio mode: after speaking
    setTimeout(function () { window.location.replace(back.dataset.return); }, 1000 * Number(back.dataset.after));
  }
  // One choice per question unless several are allowed; the blank vote clears the others.
  document.querySelectorAll("fieldset.question").forEach(function (fs) {
    fs.addEventListener("change", function (e) {
      var box = e.target;
      if (box.type !== "checkbox" || !box.checked) return;
      fs.querySelectorAll("input").forEach(function (other) {
        if (other !== box && (box.value === "blanc" || other.value === "blanc")) other.checked = false;
      });
    });
  });
})();
