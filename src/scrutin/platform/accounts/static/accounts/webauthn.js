// WebAuthn security keys: registration (data-mode="register") and verification
// (data-mode="authenticate"). The options come from the server as JSON (base64url fields);
// the browser's answer goes back, serialised the same way, in the hidden "credential" field.
(function () {
  "use strict";
  function toBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  function toB64(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function descriptors(list) {
    return (list || []).map(function (d) { return { type: d.type, id: toBuf(d.id), transports: d.transports }; });
  }
  function run(form, status) {
    var register = form.getAttribute("data-mode") === "register";
    return fetch(form.getAttribute("data-options"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("options"); } return r.json(); })
      .then(function (o) {
        o.challenge = toBuf(o.challenge);
        if (register) {
          o.user.id = toBuf(o.user.id);
          o.excludeCredentials = descriptors(o.excludeCredentials);
          return navigator.credentials.create({ publicKey: o });
        }
        o.allowCredentials = descriptors(o.allowCredentials);
        return navigator.credentials.get({ publicKey: o });
      })
      .then(function (c) {
        var r = c.response, response = { clientDataJSON: toB64(r.clientDataJSON) };
        if (register) {
          response.attestationObject = toB64(r.attestationObject);
          if (r.getTransports) { response.transports = r.getTransports(); }
        } else {
          response.authenticatorData = toB64(r.authenticatorData);
          response.signature = toB64(r.signature);
          if (r.userHandle) { response.userHandle = toB64(r.userHandle); }
        }
        form.elements.credential.value = JSON.stringify({
          id: c.id, rawId: toB64(c.rawId), type: c.type, response: response,
          clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}
        });
        form.submit();
      })
      .catch(function () {
        status.textContent = "La clé n'a pas répondu ou l'opération a été annulée. Réessayez.";
      });
  }
  document.querySelectorAll("form.webauthn").forEach(function (form) {
    var status = form.querySelector(".webauthn-status");
    if (!window.PublicKeyCredential) {
      status.textContent = "Ce navigateur ne prend pas en charge les clés de sécurité.";
      return;
    }
    form.addEventListener("submit", function (event) {
      if (form.elements.credential.value) { return; }
      event.preventDefault();
      status.textContent = "Touchez votre clé de sécurité…";
      run(form, status);
    });
  });
})();
