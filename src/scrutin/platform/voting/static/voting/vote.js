// The ballot page: choose, recap, confirm, encrypt in the browser, post the encrypted ballot.
// The voter's choices never leave the page in clear. Keyboard and screen-reader friendly:
// every change is announced in the question's live counter; problems are announced as alerts.
(function () {
  "use strict";
  var app = document.getElementById("vote-app");
  if (!app) { return; }
  if (typeof BigInt === "undefined" || !window.crypto || !window.crypto.getRandomValues || !window.ScrutinBallot) {
    var old = document.createElement("div");
    old.className = "alert";
    old.setAttribute("role", "alert");
    old.textContent = "Votre navigateur est trop ancien pour chiffrer votre bulletin en toute sécurité. " +
      "Mettez-le à jour, ou utilisez un autre navigateur ou un autre appareil (ordinateur, tablette, téléphone récent).";
    app.parentNode.insertBefore(old, app);
    return;
  }
  app.classList.remove("needs-js");
  var params = JSON.parse(document.getElementById("parametres").textContent);
  var questions = Array.prototype.slice.call(document.querySelectorAll("fieldset.question"));
  var choice = document.getElementById("etape-choix");
  var recap = document.getElementById("etape-recap");

  function boxes(q) { return Array.prototype.slice.call(q.querySelectorAll("input.candidate")); }
  function chosen(q) { return boxes(q).filter(function (b) { return b.checked; }); }
  function max(q) { return parseInt(q.getAttribute("data-max"), 10); }
  function blank(q) { return q.querySelector("input.blank-vote"); }
  function nameOf(box) { return box.parentNode.querySelector(".name").textContent; }
  // What tells two candidates of the same name apart on the recap: activity, town, groupement.
  function detailsOf(box) {
    var details = box.parentNode.querySelector(".details");
    var text = details ? details.textContent.replace(/^\s*—\s*/, "").trim() : "";
    var group = box.getAttribute("data-group-name");
    return [group ? "groupement « " + group + " »" : "", text].filter(Boolean).join(" — ");
  }

  // One message next to the box just ticked (announced there, aria-live), the same at the top of
  // the question (shown, not announced twice).
  var near = document.createElement("p");
  near.className = "problem near";
  near.setAttribute("role", "alert");
  near.hidden = true;

  function problem(q, text, box) {
    var p = q.querySelector(".problem");
    if (box) { p.removeAttribute("role"); } else { p.setAttribute("role", "alert"); }
    p.textContent = text || "";
    p.hidden = !text;
    if (box && text) {
      var item = box.closest("li");
      if (item) { item.appendChild(near); } else { box.parentNode.parentNode.insertBefore(near, box.parentNode.nextSibling); }
      near.textContent = text;
      near.hidden = false;
    } else if (q.contains(near) || !text) {
      near.hidden = true;
      near.textContent = "";
    }
  }

  function update(q) {
    var n = chosen(q).length, m = max(q);
    var counter = q.querySelector(".counter");
    if (blank(q).checked) {
      counter.textContent = "Vote blanc choisi pour ce scrutin.";
    } else if (n === 0) {
      counter.textContent = "Aucun candidat choisi (" + m + " au plus).";
    } else {
      counter.textContent = n + " candidat" + (n > 1 ? "s" : "") + " choisi" + (n > 1 ? "s" : "") +
        " sur " + m + " au plus." + (n === m ? " Vous avez atteint le maximum." : "");
    }
  }

  questions.forEach(function (q) {
    q.addEventListener("change", function (event) {
      var box = event.target;
      problem(q, "");
      if (box.classList.contains("blank-vote")) {
        if (box.checked) { chosen(q).forEach(function (b) { b.checked = false; }); }
      } else if (box.checked) {
        if (chosen(q).length > max(q)) {
          box.checked = false;
          problem(q, "Vous ne pouvez pas choisir plus de " + max(q) + " candidat" + (max(q) > 1 ? "s" : "") +
            " pour ce scrutin. Retirez d'abord un autre choix.", box);
        } else { blank(q).checked = false; }
      }
      update(q);
    });
    q.addEventListener("click", function (event) {
      var button = event.target.closest("[data-select-group]");
      if (!button) { return; }
      var group = button.getAttribute("data-select-group");
      var members = boxes(q).filter(function (b) { return b.getAttribute("data-group") === group; });
      var others = chosen(q).filter(function (b) { return b.getAttribute("data-group") !== group; });
      problem(q, "");
      if (others.length + members.length > max(q)) {
        problem(q, "Ce groupement compte " + members.length + " candidat" + (members.length > 1 ? "s" : "") +
          " et vous en avez déjà choisi " + others.length + " autre" + (others.length > 1 ? "s" : "") +
          " : cela dépasserait les " + max(q) + " sièges. Retirez d'abord des choix.", button);
        return;
      }
      members.forEach(function (b) { b.checked = true; });
      blank(q).checked = false;
      update(q);
    });
    update(q);
  });

  function selections() {
    return questions.map(function (q) { return chosen(q).map(function (b) { return b.value; }); });
  }

  function show(section, focus) {
    choice.hidden = section !== choice;
    recap.hidden = section !== recap;
    focus.focus();
    window.scrollTo(0, 0);
  }

  document.getElementById("vers-recap").addEventListener("click", function () {
    var firstBad = null;
    questions.forEach(function (q) {
      if (chosen(q).length === 0 && !blank(q).checked) {
        problem(q, "Choisissez au moins un candidat, ou cochez « Je vote blanc » pour ce scrutin.");
        firstBad = firstBad || q;
      }
    });
    if (firstBad) { firstBad.querySelector("input").focus(); return; }
    var out = document.getElementById("recap-contenu");
    out.textContent = "";
    questions.forEach(function (q) {
      var h = document.createElement("h3");
      h.textContent = q.querySelector(".qtitle").textContent;
      out.appendChild(h);
      if (blank(q).checked) {
        var p = document.createElement("p");
        p.textContent = "Vote blanc.";
        out.appendChild(p);
      } else {
        var ul = document.createElement("ul");
        chosen(q).forEach(function (b) {
          var li = document.createElement("li");
          var details = detailsOf(b);
          li.textContent = nameOf(b) + (details ? " (" + details + ")" : "");
          ul.appendChild(li);
        });
        out.appendChild(ul);
      }
    });
    show(recap, document.getElementById("titre-recap"));
  });

  document.getElementById("modifier").addEventListener("click", function () {
    show(choice, questions[0].querySelector("input"));
  });

  document.getElementById("confirmer").addEventListener("click", function () {
    var status = document.getElementById("chiffrement");
    this.disabled = true;
    status.textContent = "Chiffrement de votre bulletin sur votre appareil…";
    try {
      var ballot = window.ScrutinBallot.encryptBallot(params, selections());
      document.getElementById("bulletin").value = JSON.stringify(ballot);
      status.textContent = "Envoi de votre bulletin chiffré…";
      document.getElementById("depot").submit();
    } catch (err) {
      this.disabled = false;
      status.textContent = "Votre bulletin n'a pas pu être préparé (" + err.message + "). Modifiez votre vote et réessayez.";
    }
  });

  // Session expiry warning (RGAA 13.1): warn two minutes before, offer to extend.
  var seconds = parseInt(app.getAttribute("data-session-seconds"), 10);
  var dialog = document.getElementById("expiration");
  var timer;
  function arm() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      dialog.hidden = false;
      document.getElementById("prolonger").focus();
    }, Math.max(seconds - 120, 5) * 1000);
  }
  document.getElementById("prolonger").addEventListener("click", function () {
    fetch(app.getAttribute("data-keepalive"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        dialog.hidden = true;
        if (data.ok) { arm(); } else { window.location.reload(); }
      });
  });
  arm();
})();
