// Refreshes the participation table every 15 seconds from the JSON endpoint.
(function () {
  "use strict";
  var table = document.getElementById("participation");
  if (!table) { return; }
  function rows(node, out) {
    out.push(node);
    node.children.forEach(function (c) { rows(c, out); });
    return out;
  }
  function refresh() {
    fetch(table.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var lines = rows(data, []);
        var trs = table.tBodies[0].rows;
        if (trs.length !== lines.length) { window.location.reload(); return; }
        lines.forEach(function (line, i) {
          trs[i].cells[1].textContent = line.registered;
          trs[i].cells[2].textContent = line.voters;
          trs[i].cells[3].textContent = line.rate;
        });
        document.getElementById("maj").textContent = "Mis à jour à " + new Date().toLocaleTimeString("fr-FR") + ".";
      });
  }
  window.setInterval(refresh, 15000);
})();
