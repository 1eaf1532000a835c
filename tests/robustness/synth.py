"""Synthetic French customer verbatims written for these tests (no third-party text), reproducible from a seed."""
from __future__ import annotations

import csv
import random
from pathlib import Path

_OPENINGS = ["J'ai appelé le service client", "Mon conseiller m'a répondu", "La plateforme téléphonique m'a mis en attente",
             "J'ai écrit trois courriels", "Le chat en ligne m'a proposé", "L'agence m'a rappelé",
             "Le remboursement de mon sinistre a pris", "La résiliation de mon contrat a demandé",
             "L'application mobile m'a permis", "Le devis envoyé par l'assureur indiquait"]
_MIDDLES = ["pendant vingt minutes", "en moins de deux jours", "après plusieurs relances", "sans aucune explication",
            "avec beaucoup de patience", "au bout de trois semaines", "dès le premier appel", "malgré mes réclamations",
            "avec un tarif en hausse de 12 %", "grâce à un interlocuteur unique"]
_ENDINGS = ["et je suis très satisfait.", "mais personne ne m'a rappelé.", "c'est inadmissible.",
            "je recommande cette compagnie.", "le prix reste trop élevé.", "merci pour la réactivité.",
            "je vais changer d'assureur.", "l'attente au téléphone est interminable.",
            "le conseiller était aimable et compétent.", "les frais de dossier sont abusifs."]


def verbatim(rng: random.Random) -> str:
    parts = [f"{rng.choice(_OPENINGS)} {rng.choice(_MIDDLES)} {rng.choice(_ENDINGS)}"
             for _ in range(rng.randint(1, 3))]
    return " ".join(parts)


def write_verbatims_csv(path: Path, n: int, seed: int = 0) -> list[str]:
    """A CSV of `n` unique verbatims (id, date, texte, canal); returns the ids in file order."""
    rng = random.Random(seed)
    ids = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "date", "texte", "canal"])
        for i in range(n):
            doc_id = f"v{i:05d}"
            ids.append(doc_id)
            day = f"20{rng.randint(10, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            # the row number makes every text unique, so no row is a near-duplicate of another by chance
            w.writerow([doc_id, day, f"{verbatim(rng)} (réf. dossier {i})", rng.choice(["tel", "web", "agence"])])
    return ids


_ACTORS = ["Orange", "SFR", "Bouygues Telecom", "Teleperformance", "Webhelp", "Concentrix", "la Macif", "Axa",
           "l'Arcep", "la CNIL", "EDF", "la SNCF"]
_PEOPLE = ["Marie Lefèvre", "Thomas Girard", "Sophie Martin", "Julien Moreau", "Claire Bernard"]
_PLACES = ["Paris", "Lyon", "Lille", "Marseille", "Casablanca", "Tunis", "Bordeaux"]
_FACTS = ["{a} a ouvert un centre de contacts à {p} avec 300 conseillers.",
          "Selon {who}, directrice de la relation client chez {a}, le taux de décroché atteint 92 %.",
          "{a} confie désormais une partie de ses appels à {b}, installé à {p}.",
          "Le baromètre publié par {a} montre que l'attente au téléphone reste la première source d'irritation.",
          "{who} rappelle que la satisfaction client progresse quand le conseiller règle la demande au premier appel.",
          "Les clients de {a} jugent le chat plus rapide que le courriel, d'après une étude menée à {p}.",
          "{b} et {a} misent sur l'intelligence artificielle pour trier les réclamations.",
          "La médiation de {a} a traité 4 000 litiges l'an dernier, contre 3 200 un an plus tôt."]


def article(rng: random.Random, i: int) -> str:
    """A short trade-press article (title line, a few paragraphs) naming companies, people and places."""
    def fact() -> str:
        a, b = rng.sample(_ACTORS, 2)
        s = rng.choice(_FACTS).format(a=a, b=b, who=rng.choice(_PEOPLE), p=rng.choice(_PLACES))
        return s[0].upper() + s[1:]
    title = f"Relation client : {rng.choice(_ACTORS)} revoit son organisation ({i})"
    paragraphs = [" ".join(fact() for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(2, 4))]
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def write_articles(folder: Path, n: int, seed: int = 0) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"article_{i:03d}.txt"
        path.write_text(article(rng, i), encoding="utf-8")
        paths.append(path)
    return paths
