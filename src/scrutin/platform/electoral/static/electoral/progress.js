// Progress of an import: polls the JSON endpoint and reloads the page when the import is done.
(function () {
  "use strict";
  var bar = document.getElementById("progression");
  if (!bar) { return; }
  function poll() {
    fetch(bar.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        bar.value = data.progress;
        bar.textContent = data.progress + " %";
        if (data.done) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
