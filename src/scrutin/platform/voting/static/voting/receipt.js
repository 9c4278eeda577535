// Print button of the receipt (no inline script: the site's CSP forbids them).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
