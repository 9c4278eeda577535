// Refreshes the terminals and counters every two seconds, unless the president is using a form
// in that part of the page (a checkbox being ticked is never reset under their finger).
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) return;
  var busy = false;
  live.addEventListener("focusin", function () { busy = true; });
  live.addEventListener("focusout", function () { busy = false; });
  live.addEventListener("change", function () { busy = true; });
  setInterval(function () {
    if (busy) return;
    fetch(live.dataset.refresh, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && !busy) live.innerHTML = html; })
      .catch(function () {});
  }, 2000);
})();
