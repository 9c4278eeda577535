/* Proof of work asked by the login page when many wrong logins come from the voter's network
   (scrutin.platform.voting.proofofwork): find a number n such that SHA-256("<challenge>:<n>")
   starts with <bits> zero bits. Plain SHA-256 (FIPS 180-4) written out here: no third-party
   service, no secure-context requirement. The challenge's full 64-byte blocks are hashed once;
   each try hashes only the last block(s). Runs in slices so the page stays responsive. */
(function () {
  "use strict";
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  var W = new Uint32Array(64);

  function compress(h, bytes, off) {
    var i, t1, t2, x, y;
    for (i = 0; i < 16; i++) {
      var j = off + 4 * i;
      W[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
    }
    for (i = 16; i < 64; i++) {
      x = W[i - 15]; y = W[i - 2];
      W[i] = (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) +
             (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) + W[i - 7] + W[i - 16];
    }
    var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (i = 0; i < 64; i++) {
      t1 = (k + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
            ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
            ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
  }

  function ascii(text) {
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
    return out;
  }

  function zeroBits(h) {
    var n = 0;
    for (var i = 0; i < 8; i++) {
      var z = Math.clz32(h[i]);
      n += z;
      if (z < 32) break;
    }
    return n;
  }

  /* A solver for one challenge: step(count) tries count more numbers and returns the answer
     (a decimal string) or null. */
  function solver(challenge) {
    var bits = parseInt(challenge.split(".")[1], 10);
    var prefix = ascii(challenge + ":");
    var whole = prefix.length - (prefix.length % 64);
    var mid = new Int32Array(IV);
    for (var off = 0; off < whole; off += 64) compress(mid, prefix, off);
    var tail = prefix.subarray(whole);
    var buffer = new Uint8Array(128);
    var state = new Int32Array(8);
    var nonce = 0;
    return function step(count) {
      for (var end = nonce + count; nonce < end; nonce++) {
        var digits = String(nonce);
        var used = tail.length + digits.length;
        var size = used + 9 <= 64 ? 64 : 128;
        buffer.fill(0);
        buffer.set(tail, 0);
        for (var i = 0; i < digits.length; i++) buffer[tail.length + i] = digits.charCodeAt(i);
        buffer[used] = 0x80;
        var length = (prefix.length + digits.length) * 8;
        buffer[size - 4] = length >>> 24; buffer[size - 3] = length >>> 16;
        buffer[size - 2] = length >>> 8; buffer[size - 1] = length;
        state.set(mid);
        compress(state, buffer, 0);
        if (size === 128) compress(state, buffer, 64);
        if (zeroBits(state) >= bits) return digits;
      }
      return null;
    };
  }

  function hex(text) {  /* SHA-256 of an ASCII string, for the tests */
    var bytes = ascii(text);
    var size = Math.ceil((bytes.length + 9) / 64) * 64;
    var buffer = new Uint8Array(size);
    buffer.set(bytes);
    buffer[bytes.length] = 0x80;
    var length = bytes.length * 8;
    buffer[size - 4] = length >>> 24; buffer[size - 3] = length >>> 16;
    buffer[size - 2] = length >>> 8; buffer[size - 1] = length;
    var h = new Int32Array(IV);
    for (var off = 0; off < size; off += 64) compress(h, buffer, off);
    var out = "";
    for (var i = 0; i < 8; i++) out += ("00000000" + (h[i] >>> 0).toString(16)).slice(-8);
    return out;
  }

  var api = { solver: solver, sha256: hex };
  if (typeof globalThis !== "undefined") globalThis.ScrutinPreuve = api;
  if (typeof document === "undefined") return;

  function start() {
    var box = document.getElementById("preuve");
    if (!box) return;
    var form = box.closest("form");
    var answer = document.getElementById("preuve_nonce");
    var status = document.getElementById("preuve-etat");
    var step = solver(box.getAttribute("data-defi"));
    var done = false;
    var waiting = false;
    status.textContent = "Calcul en cours, quelques secondes au plus. Vous pouvez déjà remplir le formulaire.";
    form.addEventListener("submit", function (event) {
      if (done) return;
      event.preventDefault();
      waiting = true;
      status.textContent = "Calcul en cours : la connexion partira d'elle-même dès qu'il sera terminé.";
    });
    function slice() {
      var found = step(20000);
      if (found === null) { setTimeout(slice, 0); return; }
      answer.value = found;
      done = true;
      if (waiting) { status.textContent = "Calcul terminé : connexion en cours."; form.submit(); return; }
      status.textContent = "Calcul terminé : vous pouvez valider.";
    }
    setTimeout(slice, 0);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
