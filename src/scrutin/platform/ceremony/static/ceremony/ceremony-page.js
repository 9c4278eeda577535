// The key ceremony page for one key holder (docs/key-ceremony.md, "In the browser").
// Runs rounds 1–3 with window.ScrutinTrustee (scrutin-trustee.js). Secrets live only in this
// page's memory and in the encrypted keystores the holder saves (download links built here from
// Blob URLs); the only request that leaves the page with a body is the POST of the holder's
// public round message to the `submit` URL. No inline script: the CSP forbids it.
(function () {
  'use strict';
  var T = window.ScrutinTrustee;
  var root = document.getElementById('ceremonie');
  if (!T || !root) return;
  var $ = function (id) { return document.getElementById(id); };
  var state = null;
  var pending = null; // {message, links: [..], saved: Set}
  var objectUrls = [];
  var timer = null;

  function show(id, on) { $(id).hidden = !on; }
  function say(id, text) { var el = $(id); el.textContent = text; el.hidden = !text; }
  function problem(err) {
    say('succes', '');
    say('erreur', (err && err.message) || String(err));
  }
  function busy(on) {
    ['t1-lancer', 't2-lancer', 't3-lancer'].forEach(function (id) { $(id).disabled = on; });
    if (!on) show('progression', false);
  }
  function progress(fraction) { show('progression', true); $('kdf').value = fraction; }

  async function loadState() {
    var response = await fetch(root.dataset.state, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error('État de la cérémonie indisponible (' + response.status + ').');
    state = await response.json();
    if (state.fingerprint !== $('empreinte').textContent) {
      throw new Error("La cérémonie a changé (reprise par l'organisateur) : rechargez la page.");
    }
    var ceremony = T.parseCeremony(state.ceremony);
    if (ceremony.fingerprint !== state.fingerprint) throw new Error('Empreinte de la cérémonie incohérente.');
    $('etape').textContent = state.advice;
    if (!pending) {
      show('tour1', state.round === 1);
      show('tour2', state.round === 2);
      show('tour3', state.round === 3);
      show('t3-secours', state.role === 'president');
    }
    clearTimeout(timer);
    if (state.round === null && !state.public_key) timer = setTimeout(refresh, 3000);
    return ceremony;
  }

  function refresh() { loadState().catch(problem); }

  async function readFile(input) {
    var f = input.files && input.files[0];
    if (!f) throw new Error('Choisissez votre fichier secret du tour 1.');
    if (f.size > 1000000) throw new Error('Ce fichier est trop volumineux pour un fichier secret.');
    return f.text();
  }

  function checkPassphrase(a, b, what) {
    if (T.passphraseLength(a) < T.MIN_PASSPHRASE) throw new Error(what + ' : au moins ' + T.MIN_PASSPHRASE + ' caractères.');
    if (a !== b) throw new Error(what + ' : les deux saisies diffèrent.');
  }

  function offer(doc, filename, label) {
    var blob = new Blob([JSON.stringify(doc, null, 1) + '\n'], { type: 'application/octet-stream' });
    var url = URL.createObjectURL(blob);
    objectUrls.push(url);
    var li = document.createElement('li');
    var a = document.createElement('a');
    a.href = url;
    a.download = filename;
    a.className = 'button';
    a.textContent = label + ' (' + filename + ')';
    a.addEventListener('click', function () {
      pending.saved.add(filename);
      li.appendChild(document.createTextNode(' — enregistré'));
      $('envoyer').disabled = pending.saved.size < pending.files;
    }, { once: true });
    li.appendChild(a);
    $('telechargements').appendChild(li);
  }

  function prepare(message, files) {
    pending = { message: message, files: files, saved: new Set() };
    $('telechargements').textContent = '';
    ['tour1', 'tour2', 'tour3'].forEach(function (id) { show(id, false); });
    show('enregistrer', true);
    $('envoyer').disabled = files > 0;
  }

  async function send() {
    $('envoyer').disabled = true;
    var response = await fetch(state.submit, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': root.dataset.csrf, Accept: 'application/json' },
      body: JSON.stringify(pending.message),
    });
    var answer = await response.json().catch(function () { return { ok: false, error: 'Réponse illisible (' + response.status + ').' }; });
    if (!answer.ok) {
      $('envoyer').disabled = false;
      throw new Error(answer.error);
    }
    pending = null;
    show('enregistrer', false);
    say('erreur', '');
    say('succes', answer.message);
    await loadState();
  }

  function name(ceremony, suffix) {
    return 'scrutin-' + ceremony.id + '-' + state.trustee + suffix;
  }

  async function round1() {
    var pass = $('t1-phrase').value;
    checkPassphrase(pass, $('t1-phrase2').value, 'Phrase de passe');
    var ceremony = await loadState();
    var out = T.round1(ceremony, state.trustee);
    var keystore = await T.sealKeystore(out.secret, pass, 'keygen-round1', { onProgress: progress });
    out.secret = null;
    prepare(out.message, 1);
    offer(keystore, name(ceremony, '.r1.key'), 'Enregistrer mon fichier secret du tour 1');
    $('envoyer').textContent = 'Envoyer mon message public du tour 1';
  }

  async function openRound1(fileInput, passInput) {
    var text = await readFile($(fileInput));
    return T.openKeystore(text, $(passInput).value, { onProgress: progress });
  }

  async function round2() {
    var ceremony = await loadState();
    var secret = await openRound1('t2-fichier', 't2-phrase');
    var message = T.round2(ceremony, secret, state.round1);
    prepare(message, 0);
    $('envoyer').textContent = 'Envoyer mon message public du tour 2';
    await send();
  }

  async function round3() {
    var pass = $('t3-phrase').value;
    var president = state.role === 'president';
    var spare = $('t3-secours-phrase').value;
    if (president) {
      checkPassphrase(spare, $('t3-secours-phrase2').value, 'Phrase de passe du support de secours');
      if (spare === pass) throw new Error('La phrase de passe du support de secours doit être différente.');
    }
    var ceremony = await loadState();
    var secret = await openRound1('t3-fichier', 't3-phrase');
    var out = T.round3(ceremony, secret, state.round1, state.round2 || []);
    if (out.confirmation.complaints.length) {
      prepare(out.confirmation, 0);
      await send();
      throw new Error('Parts invalides reçues de ' + out.confirmation.complaints.join(', ') + " : votre réclamation est envoyée, l'organisateur doit recommencer la cérémonie.");
    }
    var key = await T.sealKeystore(out.final, pass, 'decryption-key', { onProgress: progress });
    var spareKey = null;
    if (president) {
      var copy = JSON.parse(JSON.stringify(out.final));
      copy.spare = true;
      spareKey = await T.sealKeystore(copy, spare, 'decryption-key-spare', { onProgress: progress });
    }
    out.final = null;
    prepare(out.confirmation, president ? 2 : 1);
    offer(key, name(ceremony, '.key'), 'Enregistrer ma clé de dépouillement');
    if (spareKey) offer(spareKey, name(ceremony, '.spare.key'), 'Enregistrer le support de secours');
    var pk = $('cle-publique');
    pk.querySelector('code').textContent = out.confirmation.public_key;
    pk.hidden = false;
    $('envoyer').textContent = 'Envoyer ma confirmation du tour 3';
  }

  function run(step) {
    return function () {
      say('erreur', '');
      say('succes', '');
      busy(true);
      step().catch(problem).finally(function () { busy(false); });
    };
  }

  $('t1-lancer').addEventListener('click', run(round1));
  $('t2-lancer').addEventListener('click', run(round2));
  $('t3-lancer').addEventListener('click', run(round3));
  $('envoyer').addEventListener('click', function () { send().catch(problem); });
  window.addEventListener('pagehide', function () { objectUrls.forEach(URL.revokeObjectURL); });
  refresh();
})();
