// Idle session warning: shows a notice before the session expires, with a button that keeps it
// alive; at expiry, goes to the sign-in page (the server signs out on its side anyway).
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) { return; }
  var idle = parseInt(me.getAttribute("data-idle"), 10) * 1000;
  var warn = parseInt(me.getAttribute("data-warn"), 10) * 1000;
  var ping = me.getAttribute("data-ping"), loginUrl = me.getAttribute("data-login");
  var warnTimer, endTimer, box;
  function token() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function hide() { if (box) { box.remove(); box = null; } }
  function show() {
    if (box) { return; }
    box = document.createElement("div");
    box.className = "msg msg-warning";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-live", "assertive");
    var p = document.createElement("p");
    p.textContent = "Sans action de votre part, votre session se fermera dans " +
      Math.round(warn / 60000) + " minute(s).";
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = "Rester connecté";
    b.addEventListener("click", function () {
      fetch(ping, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": token() } })
        .then(function (r) { if (r.status === 204) { hide(); arm(); } else { window.location.assign(loginUrl); } });
    });
    box.appendChild(p);
    box.appendChild(b);
    var main = document.getElementById("contenu") || document.body;
    main.insertBefore(box, main.firstChild);
    b.focus();
  }
  function arm() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(show, Math.max(0, idle - warn));
    endTimer = window.setTimeout(function () { window.location.assign(loginUrl); }, idle + 1000);
  }
  arm();
})();
