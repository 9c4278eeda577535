"""Demo candidatures for ``make demo``: groupements and individual candidacies on every ballot
of the demo urns, some with a profession de foi (a small PDF drawn with ReportLab), entered
through the real services (seats limit, registration order, PDF checks). The candidatures of
the first urn are sealed so that the public profession-de-foi links work.

Called by ``scrutin.platform.demo`` after the electoral data is loaded.
"""

from __future__ import annotations

import io
import random
from datetime import date

FIRST_M = ["Jean-Marie", "Philippe", "Karim", "Thierry", "Laurent", "Yannick", "Mathieu", "Hugo"]
FIRST_F = ["Sophie", "Nadia", "Isabelle", "Claire", "Amandine", "Fatou", "Élodie", "Marion"]
LAST = ["Boucher", "Lefèvre", "Moreau", "Benali", "Garnier", "Rousseau", "Payet", "Hoarau",
        "Fontaine", "Chevalier", "Lambert", "Nguyen", "Perrin", "Robin", "Grondin", "Mercier",
        "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Gauthier", "Clément"]  # fmt: skip
ACTIVITIES = {"C": ["boulangère", "caviste", "fleuriste", "opticien", "librairie", "épicerie fine"],
              "I": ["menuiserie", "imprimerie", "mécanique de précision", "agroalimentaire"],
              "S": ["expert-comptable", "transport", "hôtellerie", "informatique", "conseil"]}  # fmt: skip
TOWNS = {"011": ["Bourg-en-Bresse", "Oyonnax", "Ambérieu-en-Bugey", "Bellegarde-sur-Valserine"],
         "691": ["Lyon", "Villeurbanne", "Saint-Étienne", "Roanne", "Vénissieux"],
         "974": ["Saint-Denis", "Saint-Pierre", "Le Port", "Saint-Paul", "Le Tampon"]}  # fmt: skip
GROUPEMENTS = ["Entreprendre ensemble", "Pour le commerce de proximité", "Union des entreprises",
               "Agir pour nos territoires", "Dynamique entreprises"]  # fmt: skip


def profession_pdf(title: str, names: list[str], town: str) -> bytes:
    """A one-page profession de foi, as a candidate would deposit it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle(title)
    height = A4[1]
    canvas.setFont("Helvetica-Bold", 20)
    canvas.drawString(60, height - 90, title)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(60, height - 120, "Élections des membres des CCI — profession de foi")
    y = height - 170
    for name in names:
        canvas.drawString(80, y, f"• {name}")
        y -= 18
    text = canvas.beginText(60, y - 20)
    text.setFont("Helvetica", 11)
    for line in (f"Nous, chefs d'entreprise de {town} et de ses environs, nous engageons à",
                 "défendre le commerce, l'industrie et les services de notre territoire :",
                 "simplification des démarches, formation, accompagnement à la transmission.",
                 "Votez pour des candidats qui vous ressemblent."):  # fmt: skip
        text.textLine(line)
    canvas.drawText(text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _person(rng: random.Random, female: bool) -> tuple[str, str, str, date]:
    first = rng.choice(FIRST_F if female else FIRST_M)
    birth = date(rng.randint(1955, 1992), rng.randint(1, 12), rng.randint(1, 28))
    return ("Mme" if female else "M.", rng.choice(LAST), first, birth)


def load_demo_candidates(seed: int = 2026) -> list[str]:
    """Create the demo candidatures; return lines describing them for the demo's output."""
    from django.contrib.auth.models import Permission, User

    from ..electoral.models import Urn
    from . import services
    from .models import Candidate, Groupement
    from .professions import store_profession

    rng = random.Random(seed)  # noqa: S311 -- reproducible demo data, not a secret
    lines: list[str] = []
    urns = list(
        Urn.objects.select_related("category").prefetch_related("questions").order_by("code")
    )
    for urn in urns:
        towns = TOWNS.get(urn.cci_id, ["Paris"])
        activities = ACTIVITIES.get(urn.category.code, ACTIVITIES["S"])
        count = 0
        for question in urn.questions.order_by("position"):
            if services.is_sealed(urn) or Groupement.objects.filter(question=question).exists():
                continue
            names = rng.sample(GROUPEMENTS, 2)
            for n, name in enumerate(names):
                group = services.create_groupement(question, name)
                size = max(1, question.seats - n - rng.randint(0, 1))
                members = []
                for i in range(size):
                    civility, last, first, birth = _person(rng, female=(i + n) % 2 == 0)
                    c = Candidate(question=question, groupement=group, civility=civility,
                                  last_name=last, first_name=first, birth_date=birth,
                                  activity=rng.choice(activities), town=rng.choice(towns))  # fmt: skip
                    if question.kind == "CCIR":
                        s_civ, s_last, s_first, s_birth = _person(rng, female=civility == "M.")
                        c.substitute_civility, c.substitute_last_name = s_civ, s_last
                        c.substitute_first_name, c.substitute_birth_date = s_first, s_birth
                    services.save_candidate(c)
                    members.append(str(c))
                    count += 1
                if n == 0:
                    pdf = profession_pdf(name, members, towns[0])
                    store_profession(group, pdf, f"profession-{group.pk}.pdf")
            civility, last, first, birth = _person(rng, female=rng.random() < 0.5)
            single = Candidate(question=question, civility=civility, last_name=last,
                               first_name=first, birth_date=birth, activity=rng.choice(activities),
                               town=rng.choice(towns))  # fmt: skip
            if question.kind == "CCIR":
                s_civ, s_last, s_first, s_birth = _person(rng, female=civility == "M.")
                single.substitute_civility, single.substitute_last_name = s_civ, s_last
                single.substitute_first_name, single.substitute_birth_date = s_first, s_birth
            services.save_candidate(single)
            store_profession(single, profession_pdf(str(single), [str(single)], single.town),
                             "profession-individuelle.pdf")  # fmt: skip
            count += 1
        if count:
            lines.append(f"  candidatures {urn.code} : {count} candidats")
    if urns and not services.is_sealed(urns[0]):
        seal = services.seal(urns[0])
        lines.append(f"  candidatures {urns[0].code} scellées, empreinte {seal.fingerprint}")
    demo = User.objects.filter(username="demo").first()
    if demo is not None:
        demo.user_permissions.add(*Permission.objects.filter(
            content_type__app_label="candidates",
            codename__in=["manage_candidates", "unseal_candidatures"],
        ))  # fmt: skip
    return lines
