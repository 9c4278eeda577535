// Receipt check of the public ballot board (issue 17): the Ed25519 signature of the receipt's
// document is verified in the page with the voter's bundle (ScrutinBallot.verifyReceipt), so the
// voter does not have to trust the server for it. No inline script (the site's CSP forbids them).
(function () {
  "use strict";
  function say(box, ok, text) {
    box.className = ok ? "ok" : "board-alert";
    box.textContent = text;
  }
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-check-receipt]")) { return; }
    var area = event.target.closest(".receipt-check");
    var box = document.getElementById("verdict");
    var documentText = document.getElementById("document").value.trim();
    var signature = document.getElementById("signature").value.replace(/\s+/g, "");
    if (!window.ScrutinBallot) { say(box, false, "Le module de vérification n'a pas pu être chargé."); return; }
    var result = window.ScrutinBallot.verifyReceipt(documentText, signature, area.dataset.platformKey);
    if (!result.valid) { say(box, false, result.reason); return; }
    var doc = result.document;
    if (doc.urn !== area.dataset.urn) {
      say(box, false, "Accusé authentique, mais pour une autre urne (" + doc.urn + ") : ouvrez la page de cette urne.");
      return;
    }
    var groups = doc.tracker.match(/.{1,8}/g).join(" ");
    say(box, true, "Accusé de réception authentique : signé par la plate-forme, pour cette urne, numéro de suivi " + groups + ". Recherchez ce numéro ci-dessus.");
    document.getElementById("suivi").value = groups;
  });
})();
