// Partial decryption page (docs/key-ceremony.md, "Partial decryption in the browser").
// Fetches the urn's election.json, trustees.json and tally.json, recomputes the election
// fingerprint itself and refuses a tally of another election, opens the holder's keystore in the
// page and posts only the public scrutin-partial-decryption/v1 document (shares and proofs).
(function () {
  'use strict';
  var T = window.ScrutinTrustee;
  var root = document.getElementById('dechiffrement');
  if (!T || !root) return;
  var $ = function (id) { return document.getElementById(id); };
  function say(id, text) { var el = $(id); el.textContent = text; el.hidden = !text; }

  async function getJson(url, what) {
    var response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(what + ' indisponible (' + response.status + ') : le dépouillement a-t-il commencé ?');
    return response.json();
  }

  async function decrypt() {
    var file = $('cle-fichier').files && $('cle-fichier').files[0];
    if (!file) throw new Error('Choisissez votre fichier de clé.');
    var election = await getJson(root.dataset.election, 'election.json');
    var tally = await getJson(root.dataset.tally, 'tally.json');
    var trustees = await getJson(root.dataset.trustees, 'trustees.json');
    var parsed = T.parseElection(election);
    T.parseTally(parsed, tally); // refuses a tally whose `election` is not F computed here
    $('empreinte-election').textContent = parsed.fingerprint;
    $('empreinte-depouillement').textContent = T.fingerprint(tally);
    $('nombre-bulletins').textContent = String(tally.ballot_count);
    $('controle').hidden = false;
    var secret = await T.openKeystore(await file.text(), $('cle-phrase').value, {
      onProgress: function (f) { $('progression').hidden = false; $('kdf').value = f; },
    });
    var doc = T.partialDecryption(election, tally, trustees, secret);
    secret = null;
    var response = await fetch(root.dataset.partial, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': root.dataset.csrf, Accept: 'application/json' },
      body: JSON.stringify(doc),
    });
    var answer = await response.json().catch(function () { return { ok: false, error: 'Réponse illisible (' + response.status + ').' }; });
    if (!answer.ok) throw new Error(answer.error);
    say('succes', answer.message);
  }

  $('dechiffrer').addEventListener('click', function () {
    say('erreur', '');
    say('succes', '');
    $('dechiffrer').disabled = true;
    decrypt()
      .catch(function (err) { say('erreur', (err && err.message) || String(err)); })
      .finally(function () { $('dechiffrer').disabled = false; $('progression').hidden = true; });
  });
})();
