// Partial decryption page (docs/key-ceremony.md, "Partial decryption in the browser").
// Fetches the urn's election.json, trustees.json, tally.json and its public closing seal;
// recomputes the election fingerprint and refuses a tally of another election; checks the closing
// seal (platform signature, number of ballots and SHA-256 of ballots.jsonl announced by the
// tally); streams ballots.jsonl and recomputes the sum of every ballot (in Web Workers running
// the same bundle), refusing any tally that is not exactly that sum — only then opens the
// holder's keystore in the page and posts the public scrutin-partial-decryption/v1 document.
(function () {
  'use strict';
  var T = window.ScrutinTrustee;
  var root = document.getElementById('dechiffrement');
  if (!T || !root) return;
  var $ = function (id) { return document.getElementById(id); };
  function say(id, text) { var el = $(id); el.textContent = text; el.hidden = !text; }
  var ANNOUNCE_MS = 2000; // the aria-live text is not rewritten more often than this

  async function getJson(url, what) {
    var response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(what + ' indisponible (' + response.status + ') : le dépouillement a-t-il commencé ?');
    return response.json();
  }

  async function ballotsStream() {
    var response = await fetch(root.dataset.ballots, { credentials: 'same-origin' });
    if (!response.ok) throw new Error('ballots.jsonl indisponible (' + response.status + ').');
    if (response.body && typeof response.body.getReader === 'function') return response.body;
    return [new Uint8Array(await response.arrayBuffer())];
  }

  function workers() {
    if (typeof Worker !== 'function') return 0;
    return Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8));
  }

  async function checkSum(parsed, tally) {
    var total = tally.ballot_count;
    var bar = $('somme-barre');
    var announced = 0;
    bar.max = Math.max(total, 1);
    bar.value = 0;
    $('somme-zone').hidden = false;
    say('somme', 'Vérification de la somme : 0 / ' + total + ' bulletins.');
    var checked = await T.checkTallySumParallel(parsed, tally, await ballotsStream(), {
      spawn: function () { return new Worker(root.dataset.worker); },
      workers: workers(),
      onProgress: function (n, N) {
        bar.value = n;
        var now = Date.now();
        if (now - announced >= ANNOUNCE_MS) {
          announced = now;
          say('somme', 'Vérification de la somme : ' + n + ' / ' + N + ' bulletins.');
        }
      },
    });
    bar.value = checked.count;
    say('somme', 'Somme vérifiée : ' + checked.count + ' / ' + total + ' bulletins.');
    $('somme-resultat').textContent = 'identique au dépouillement présenté (' + checked.count + ' bulletins, SHA-256 ' +
      checked.sha256.slice(0, 16) + '…, ' + (checked.workers ? checked.workers + ' fils de calcul' : 'un seul fil de calcul') + ')';
    return checked;
  }

  async function decrypt() {
    var file = $('cle-fichier').files && $('cle-fichier').files[0];
    if (!file) throw new Error('Choisissez votre fichier de clé.');
    if (!$('cle-phrase').value) throw new Error('Tapez la phrase de passe de votre fichier de clé.');
    var election = await getJson(root.dataset.election, 'election.json');
    var tally = await getJson(root.dataset.tally, 'tally.json');
    var trustees = await getJson(root.dataset.trustees, 'trustees.json');
    var closing = await getJson(root.dataset.closing, 'cloture-' + root.dataset.urn + '.json');
    var parsed = T.parseElection(election);
    T.parseTally(parsed, tally); // refuses a tally whose `election` is not F computed here
    $('empreinte-election').textContent = parsed.fingerprint;
    $('empreinte-depouillement').textContent = T.fingerprint(tally);
    $('empreinte-cloture').textContent = T.fingerprint(closing);
    $('nombre-bulletins').textContent = String(closing.ballots && closing.ballots.count) + ' / ' +
      String(closing.emargements && closing.emargements.count);
    $('somme-resultat').textContent = 'en cours';
    $('controle').hidden = false;
    T.checkClosingSeal(parsed, tally, closing, root.dataset.urn);
    await checkSum(parsed, tally); // throws the French refusal on any difference: nothing is posted
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
      .catch(function (err) {
        if (/^Refus de déchiffrer/.test((err && err.message) || '')) $('somme-resultat').textContent = 'refusée';
        say('erreur', (err && err.message) || String(err));
      })
      .finally(function () { $('dechiffrer').disabled = false; $('progression').hidden = true; });
  });
})();
