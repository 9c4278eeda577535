// « Afficher le code » on the login page: the 15-character code can be checked before sending.
// A toggle button (aria-pressed) that switches the field between hidden and visible text; shown
// only when JavaScript runs (without it the field simply stays hidden). The label stays the same:
// the pressed state says whether the code is shown (WAI-ARIA toggle button pattern).
(function () {
  "use strict";
  var button = document.getElementById("afficher-code");
  var field = document.getElementById("code");
  if (!button || !field) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var show = field.type === "password";
    field.type = show ? "text" : "password";
    button.setAttribute("aria-pressed", show ? "true" : "false");
    field.focus();
  });
})();
