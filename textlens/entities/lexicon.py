"""Word lists behind the rules: context triggers, noise, person particles, study and quote verbs.

Kept apart from the code so a linguist can extend them; every list is of folded (lower-case,
accent-free) forms unless said otherwise.
"""
from __future__ import annotations

from functools import lru_cache

from textlens.entities.kb import fold
from textlens.resources import data_path

DATA = data_path()

# Words the statistical model tags as entities but are not: site furniture, sentence-initial common
# nouns and verbs, demonyms, months and days, generic words.
NOISE = {
    "relation", "relations", "relation client", "relation clients", "etude", "etudes", "recevez", "lecture",
    "imprimer", "recherche", "rechercher", "publie", "publie par", "abonnez", "abonnez-vous", "s'abonner",
    "newsletter", "article", "articles", "focus", "entreprises", "entreprise", "economie", "management",
    "information", "informations", "accueil", "contact", "contacts", "menu", "partager", "commentaire",
    "commentaires", "service", "services", "client", "clients", "clientele", "consommateur", "consommateurs",
    "francais", "francaise", "europeens", "europeen", "europeenne", "etat", "l'etat", "gouvernement",
    "internet", "web", "crm", "c.r.m.", "covid", "covid-19", "coronavirus", "sars-cov-2", "offshore",
    "nearshore", "onshore", "homeshoring", "outsourcing", "call center", "call centers", "call centre",
    "centre d'appels", "centres d'appels", "low cost", "premium", "smartphone", "chatbot", "chatbots",
    "ia", "intelligence artificielle", "big data", "cloud", "saas", "selfcare", "self-care", "hotline",
    "hotlines", "ivr", "svi", "sms", "email", "e-mail", "mail", "mails", "tweet", "twitter", "facebook live",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "janvier", "fevrier", "mars",
    "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre", "decembre", "noel",
    "mis a jour", "retour haut de page", "se connecter", "laisser un commentaire", "a lire egalement",
    "a lire aussi", "lire aussi", "voir aussi", "la redaction vous recommande", "powered by blogger",
    "aucun commentaire", "current post is tagged", "information", "editos", "edito", "editorial",
    "interview", "tribune libre", "opinion", "dossier", "actualites", "actualite", "agenda", "emploi",
    "emplois", "formation", "qualite", "satisfaction", "experience client", "quels", "quelles", "quel",
    "quelle", "pourquoi", "comment", "cela", "ceci", "nous", "vous", "ils", "elles", "on", "je", "tu",
    "mon", "ma", "mes", "notre", "nos", "votre", "vos", "leur", "leurs", "bref", "enfin", "ainsi", "or",
    "donc", "mais", "car", "certes", "oui", "non", "merci", "bonjour", "madame", "monsieur", "mesdames",
    "messieurs", "cher", "chers", "reste", "selon", "d'apres", "source", "sources", "photo", "credit",
    "credits", "copyright", "tous droits reserves", "cookies", "consentements", "rgpd", "cgu", "cgv",
    "mentions legales", "plan du site", "nous contacter", "connexion", "inscription", "login", "premium",
    "abonnement", "abonne", "abonnes", "magazine", "le magazine", "site web", "site", "blog", "page",
    "next", "previous", "share", "home", "french", "english", "ambush", "stop", "total", "ok",
    # acronyms of things, not actors
    "cdd", "cdi", "rpa", "smic", "rh", "drh", "rgpd", "tva", "pme", "tpe", "eti", "bpo", "kpi", "ca", "cv",
    "faq", "api", "erp", "sav", "b2b", "b2c", "roi", "nps", "csat", "ces", "dmt", "fcr", "qos", "sla", "adsl",
    "demain", "hier", "aujourd'hui", "merci", "bravo",
    # opposition lists and events are services and dates, not actors
    "bloctel", "pacitel", "salon", "strategie clients", "semaine de la relation client",
}
# Words before a name that make it an event or a thing, not an actor ("le salon Stratégie Clients").
NOT_ACTOR_TRIGGERS = {"salon", "festival", "forum", "congres", "semaine", "journee", "journees", "film", "livre",
                      "ouvrage", "logiciel", "application", "appli", "plateforme", "dispositif", "programme", "operation",
                      "projet", "loi", "decret", "site", "rubrique", "produit", "offre", "forfait"}

# Left-context triggers: "<trigger> (article)? Name" types an unknown Name.
LEFT_TRIGGERS: dict[str, str] = {
    "institut": "RESEARCH_FIRM", "l'institut": "RESEARCH_FIRM", "institut de sondage": "RESEARCH_FIRM",
    "institut d'etudes": "RESEARCH_FIRM", "cabinet": "RESEARCH_FIRM", "cabinet de conseil": "RESEARCH_FIRM",
    "cabinet d'etudes": "RESEARCH_FIRM", "cabinet d'audit": "RESEARCH_FIRM", "cabinet d'analyse": "RESEARCH_FIRM",
    "societe d'etudes": "RESEARCH_FIRM", "consultants de": "RESEARCH_FIRM", "analystes de": "RESEARCH_FIRM",
    "cabinet d'analystes": "RESEARCH_FIRM", "sondeur": "RESEARCH_FIRM",
    "syndicat": "INSTITUTION", "syndicat professionnel": "INSTITUTION", "federation": "INSTITUTION",
    "association": "INSTITUTION", "l'association": "INSTITUTION", "confederation": "INSTITUTION",
    "organisation professionnelle": "INSTITUTION", "chambre syndicale": "INSTITUTION",
    "autorite": "INSTITUTION", "commission": "INSTITUTION", "universite": "INSTITUTION",
    "l'universite": "INSTITUTION", "ecole": "INSTITUTION", "l'ecole": "INSTITUTION", "lycee": "INSTITUTION",
    "club": "INSTITUTION", "collectif": "INSTITUTION", "mutuelle": "COMPANY",
    "outsourceur": "VENDOR", "l'outsourceur": "VENDOR", "outsourcer": "VENDOR", "prestataire": "VENDOR",
    "centre d'appels": "VENDOR", "centres d'appels": "VENDOR", "l'editeur": "VENDOR", "editeur": "VENDOR",
    "editeur de logiciels": "VENDOR", "l'integrateur": "VENDOR", "integrateur": "VENDOR",
    "sous-traitant": "VENDOR", "teleservices": "VENDOR", "externalisateur": "VENDOR",
    "l'externalisateur": "VENDOR", "start-up": "VENDOR", "startup": "VENDOR", "la start-up": "VENDOR",
    "groupe": "COMPANY", "le groupe": "COMPANY", "societe": "COMPANY", "la societe": "COMPANY",
    "entreprise": "COMPANY", "l'entreprise": "COMPANY", "operateur": "COMPANY", "l'operateur": "COMPANY",
    "banque": "COMPANY", "la banque": "COMPANY", "assureur": "COMPANY", "l'assureur": "COMPANY",
    "enseigne": "COMPANY", "l'enseigne": "COMPANY", "marque": "COMPANY", "la marque": "COMPANY",
    "constructeur": "COMPANY", "distributeur": "COMPANY", "transporteur": "COMPANY", "fournisseur": "COMPANY",
    "filiale": "COMPANY", "compagnie": "COMPANY", "e-commercant": "COMPANY", "site marchand": "COMPANY",
    "magazine": "MEDIA", "le magazine": "MEDIA", "journal": "MEDIA", "le journal": "MEDIA", "quotidien": "MEDIA",
    "le quotidien": "MEDIA", "hebdomadaire": "MEDIA", "l'hebdomadaire": "MEDIA", "mensuel": "MEDIA",
    "revue": "MEDIA", "la revue": "MEDIA", "emission": "MEDIA", "l'emission": "MEDIA", "chaine": "MEDIA",
    "la chaine": "MEDIA", "site d'information": "MEDIA", "radio": "MEDIA", "station": "MEDIA",
    "ville de": "LOCATION", "la ville de": "LOCATION", "region": "LOCATION", "commune de": "LOCATION",
    "departement": "LOCATION", "pays": "LOCATION",
    "label": "LABEL", "le label": "LABEL", "norme": "LABEL", "la norme": "LABEL", "certification": "LABEL",
    "referentiel": "LABEL", "le referentiel": "LABEL",
    "m.": "PERSON", "mme": "PERSON", "mlle": "PERSON", "monsieur": "PERSON", "madame": "PERSON",
    "me": "PERSON", "dr": "PERSON", "pr": "PERSON",
}

# Words that, in an apposition right after a name ("X, numéro un mondial des centres d'appels"), type it.
APPOSITION_HEADS: dict[str, str] = {
    "numero un": "VENDOR", "n°1": "VENDOR", "leader": "VENDOR", "specialiste": "VENDOR", "acteur": "VENDOR",
    "outsourceur": "VENDOR", "prestataire": "VENDOR", "editeur": "VENDOR", "l'editeur": "VENDOR",
    "integrateur": "VENDOR", "operateur de centres": "VENDOR",
    "institut": "RESEARCH_FIRM", "l'institut": "RESEARCH_FIRM", "cabinet": "RESEARCH_FIRM",
    "le cabinet": "RESEARCH_FIRM", "societe d'etudes": "RESEARCH_FIRM",
    "syndicat": "INSTITUTION", "le syndicat": "INSTITUTION", "association": "INSTITUTION",
    "l'association": "INSTITUTION", "federation": "INSTITUTION", "la federation": "INSTITUTION",
    "organisme": "INSTITUTION", "l'organisme": "INSTITUTION", "ecole": "INSTITUTION",
    "operateur": "COMPANY", "l'operateur": "COMPANY", "groupe": "COMPANY", "le groupe": "COMPANY",
    "banque": "COMPANY", "assureur": "COMPANY", "enseigne": "COMPANY", "filiale": "COMPANY",
    "magazine": "MEDIA", "le magazine": "MEDIA", "quotidien": "MEDIA", "le quotidien": "MEDIA",
}
# Apposition heads meaning VENDOR only with a field word nearby ("leader de la relation client").
VENDOR_FIELD_WORDS = (
    "centre d'appels", "centres d'appels", "centre de contacts", "centres de contacts", "relation client",
    "relation clients", "outsourcing", "externalisation", "teleservices", "centre de relation",
    "experience client", "crm", "call center", "call centre", "logiciel", "logiciels", "telemarketing",
)
# Roles after a name ("X, directeur général de Y") that make it a person.
PERSON_ROLES = {
    "directeur", "directrice", "president", "presidente", "pdg", "p-dg", "dg", "fondateur", "fondatrice",
    "cofondateur", "co-fondateur", "responsable", "delegue", "deleguee", "secretaire", "porte-parole",
    "analyste", "consultant", "consultante", "journaliste", "drh", "ministre", "depute", "deputee",
    "senateur", "maire", "professeur", "chercheur", "chercheuse", "sociologue", "economiste", "auteur",
    "manager", "superviseur", "teleconseiller", "teleconseillere", "conseiller", "conseillere", "avocat",
    "ceo", "coo", "cto", "cio", "cmo", "vice-president", "associe", "associee", "expert", "experte",
    "administrateur", "gerant", "gerante", "patron", "patronne", "chef", "head", "dirigeant", "dirigeante",
    "redacteur", "redactrice", "elu", "elue", "charge", "chargee", "coordinateur", "coordinatrice",
}
PERSON_PARTICLES = {"de", "du", "des", "d'", "le", "la", "van", "von", "der", "den", "ben", "el", "al", "di", "da", "dos", "mac"}
TITLES = {"m.", "mme", "mlle", "mr", "mrs", "ms", "dr", "pr", "me", "monsieur", "madame", "mademoiselle"}

# Head words naming an organisation by its kind (used to type unknown names and learnt acronyms).
HEAD_TYPES: dict[str, str] = {
    "association": "INSTITUTION", "syndicat": "INSTITUTION", "federation": "INSTITUTION",
    "confederation": "INSTITUTION", "union": "INSTITUTION", "chambre": "INSTITUTION", "chambres": "INSTITUTION",
    "agence": "INSTITUTION", "autorite": "INSTITUTION", "commission": "INSTITUTION", "conseil": "INSTITUTION",
    "ministere": "INSTITUTION", "secretariat": "INSTITUTION", "direction": "INSTITUTION", "caisse": "INSTITUTION",
    "caisses": "INSTITUTION", "office": "INSTITUTION", "universite": "INSTITUTION", "ecole": "INSTITUTION",
    "mission": "INSTITUTION", "mediateur": "INSTITUTION", "observatoire": "STUDY", "comite": "INSTITUTION",
    "centre national": "INSTITUTION", "institut national": "INSTITUTION", "haut conseil": "INSTITUTION",
    "delegation": "INSTITUTION", "inspection": "INSTITUTION", "prefecture": "INSTITUTION", "mairie": "INSTITUTION",
    "region": "INSTITUTION", "assemblee": "INSTITUTION", "organisation": "INSTITUTION", "cluster": "INSTITUTION",
    "pole": "INSTITUTION", "club": "INSTITUTION", "groupement": "INSTITUTION",
    "institut": "RESEARCH_FIRM", "cabinet": "RESEARCH_FIRM",
    "barometre": "STUDY", "podium": "STUDY", "trophees": "STUDY", "trophee": "STUDY", "palmes": "STUDY",
    "prix": "STUDY", "palmares": "STUDY", "classement": "STUDY", "enquete": "STUDY", "etude": "STUDY",
    "label": "LABEL", "norme": "LABEL", "certification": "LABEL", "charte": "LABEL",
    "groupe": "COMPANY", "societe": "COMPANY", "banque": "COMPANY", "compagnie": "COMPANY", "mutuelle": "COMPANY",
}
NAME_WORD_TYPES: dict[str, str] = {
    "consulting": "RESEARCH_FIRM", "conseil": "RESEARCH_FIRM", "research": "RESEARCH_FIRM",
    "associates": "RESEARCH_FIRM", "partners": "RESEARCH_FIRM", "etudes": "RESEARCH_FIRM",
    "call": "VENDOR", "contact": "VENDOR", "center": "VENDOR", "centers": "VENDOR", "phone": "VENDOR",
    "teleservices": "VENDOR", "outsourcing": "VENDOR", "crm": "VENDOR", "callcenter": "VENDOR",
    "software": "VENDOR", "telecom": "COMPANY", "telecoms": "COMPANY", "assurance": "COMPANY",
    "assurances": "COMPANY", "bank": "COMPANY", "banque": "COMPANY", "energie": "COMPANY", "sa": "COMPANY",
    "sas": "COMPANY", "inc": "COMPANY", "ltd": "COMPANY", "gmbh": "COMPANY", "magazine": "MEDIA",
    "mag": "MEDIA", "hebdo": "MEDIA", "tv": "MEDIA", "radio": "MEDIA", "news": "MEDIA",
}

STUDY_WORDS = {
    "etude", "etudes", "enquete", "enquetes", "sondage", "sondages", "barometre", "barometres", "observatoire",
    "rapport", "classement", "palmares", "panel", "benchmark", "analyse",
}
STUDY_VERBS = {
    "realise", "realisee", "realises", "realisees", "mene", "menee", "menes", "menees", "conduit", "conduite",
    "effectue", "effectuee", "publie", "publiee", "commande", "commandee", "etudie", "etudiee", "pilote",
    "pilotee", "signe", "signee", "reali", "elabore", "elaboree", "commandite", "commanditee",
}
SPEECH_VERBS = {
    "constate", "explique", "souligne", "indique", "affirme", "precise", "estime", "ajoute", "declare",
    "resume", "observe", "note", "reconnait", "insiste", "martele", "confie", "assure", "poursuit",
    "conclut", "rappelle", "analyse", "commente", "tempere", "previent", "avertit", "deplore", "regrette",
    "remarque", "raconte", "detaille", "temoigne", "lance", "s'exclame", "s'inquiete", "se rejouit",
    "juge", "considere", "admet", "avance", "martelent", "indiquent", "expliquent", "soulignent",
    "estiment", "affirment", "precisent", "ajoutent", "declarent", "constatent", "notent", "dit", "disent",
    "ironise", "sourit", "resume", "plaide", "defend", "nuance", "developpe", "argumente", "annonce",
    "conclue", "signale", "relate", "releve", "reprend", "enchaine", "complete", "observe", "pointe",
    "denonce", "revendique", "promet", "alerte", "s'agace", "s'etonne", "interroge", "demande", "repond",
    "repondent", "avoue", "glisse", "confirme", "martele", "insistent", "rappellent",
}


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Given names (as written, with capitals) from data/first_names.txt."""
    words: set[str] = set()
    for line in (DATA / "first_names.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        words.update(line.split())
    return frozenset(words)


@lru_cache(maxsize=1)
def first_name_keys() -> frozenset[str]:
    return frozenset(fold(w) for w in first_names())


# ---- words of the entity components (textlens.entities.kb_ruler, candidates, context, resolver) -------------
# Tokens (as written) that end a sentence, line or quotation: a capital after them says nothing about a name.
SENTENCE_BREAKS = {".", "!", "?", ":", "«", "»", '"', "“", "”", "•", "–", "—", ">", "…", ";", "(", ")", "*", "|"}
ELISIONS = {"l'", "d'", "qu'", "j'", "n'", "s'", "c'", "m'", "t'", "jusqu'", "lorsqu'", "puisqu'", "quoiqu'"}
# Articles and determiners trimmed from the edges of a name.
ARTICLES = {"le", "la", "les", "l'", "un", "une", "des", "du", "de", "d'", "au", "aux", "à", "a", "the", "en", "ce",
            "cet", "cette", "ces", "son", "sa", "ses"}
# Small words allowed inside a name run when a capitalised word follows ("Chambre de Commerce et d'industrie").
NAME_CONNECTORS = {"de", "du", "des", "d'", "la", "le", "les", "l'", "et", "&", "-", "/", "pour", "à", "en", "sur",
                   "von", "van"}
# ... and inside the name of a public body ("Délégation aux usagers et aux simplifications administratives").
INSTITUTION_CONNECTORS = {"de", "du", "des", "d'", "la", "l'", "le", "les", "aux", "au", "pour", "a", "à", "en",
                          "sur", "et"}
# A sentence with one of these makes a name of two types (KB `alt_when: public`) the public body.
PUBLIC_CUES = ("usager", "guichet", "france services", "maisons de services", "public", "publics", "service public",
               "services publics", "administration", "caisses primaires", "allocations familiales", "pole emploi",
               "anpe", "cpam", "secteur public", "assurance maladie", "collectivite", "etablissement public",
               "mission de service public")
# Capitalised heads that open the name of a public body ("Chambre de commerce et d'industrie de Montluçon").
INSTITUTION_HEADS = {
    "chambre", "chambres", "conseil", "caisse", "caisses", "agence", "autorite", "commission", "delegation",
    "direction", "federation", "association", "syndicat", "confederation", "mission", "office", "haut",
    "comite", "universite", "ecole", "centre", "prefecture", "mairie", "region", "groupement", "cluster",
    "pole", "inspection", "observatoire", "union", "maison", "maisons", "conservatoire", "academie", "cci",
}
# Lower-case heads that govern a found name and make a longer one ("mairie de Massy", "gouvernement Fillon",
# "tribunal de commerce de Troyes"): proposals for the learned typer (textlens.entities.extensions).
EXTENSION_HEADS = {"tribunal", "mairie", "prefecture", "chu", "gouvernement", "ministere", "secretariat", "mediateur",
                   "alliance", "hopital", "cour", "conseil", "direction", "delegation", "caisse", "agence", "comite",
                   "federation", "association", "syndicat", "observatoire", "barometre", "palmares", "classement",
                   "trophees", "podium", "label", "norme", "club", "groupe"}
# Heads whose whole run of words, up to a break, may be one body's or award's name (with INSTITUTION_HEADS).
LONG_NAME_HEADS = {"tribunal", "ministere", "secretariat", "alliance", "mediateur", "barometre", "observatoire",
                   "palmares", "trophees", "podium", "label", "norme"}
# Heads that name a body only when a capital or one of `HEAD_FOLLOWERS` follows ("Centre national de...").
BARE_HEADS = {"centre", "haut", "union", "maison", "maisons", "observatoire", "pole", "ecole", "region"}
HEAD_FOLLOWERS = {"national", "nationale", "de", "des", "du", "d'", "aux", "pour"}
# "conseil" names a body only followed by one of these (or a capital): "Conseil régional", "Conseil d'État".
CONSEIL_NEXT = {"regional", "general", "departemental", "municipal", "economique", "national", "superieur",
                "constitutionnel", "d'etat", "d'orientation", "d'administration"}
COUNCIL_LEVELS = {"regional", "general", "departemental"}  # "conseil régional" even in lower case
# Words after a place that make it a local authority ("Amiens Métropole", "Grand Poitiers Communauté").
LOCAL_AUTHORITY_WORDS = {"metropole", "agglomeration", "agglo", "communaute"}
# Word endings of French adjectives (a lower-case word that continues a body's name without part-of-speech tags).
ADJECTIVE_SUFFIXES = ("al", "ale", "ales", "aux", "ique", "iques", "ien", "ienne", "ais", "aise", "aire", "aires",
                      "ive", "if", "el", "elle", "ere", "ee", "eur", "ale", "ois", "oise", "ain", "aine", "ant", "ante")
# Nationality endings: "ministre français de l'Économie", "Ministère tunisien de l'Industrie".
NATIONALITY_SUFFIXES = ("ais", "aise", "ien", "ienne", "ain", "aine", "ois", "oise", "ol", "ole", "and", "ande")
MINISTER_WORDS = {"ministre", "ministere", "ministres", "secretaire", "secretariat"}
MINISTER_QUALIFIERS = {"delegue", "deleguee", "charge", "chargee"}
# First words that make a capitalised run a law, a plan, an award: not an actor.
LAW_WORDS = {"loi", "lois", "decret", "plan", "rapport", "amendement", "directive", "reforme", "pacte",
             "accord", "article", "arrete", "circulaire", "projet", "proposition", "affaire", "prix", "salon"}
# "le ministre de l'époque": words after "ministre de" that are no portfolio
NOT_PORTFOLIO = {"epoque", "tutelle", "gouvernement", "l'epoque", "passage", "service", "sujet", "nouveau", "ancien"}
# Words just before a name that make it a photo credit, not a person of the text.
CREDIT_CUES = ("(c)", "©", "photo", "credit", "crédit", "illustration", "copyright")
# last words that make a "person" of the statistical model an organisation ("Télécontact Ouest")
ORG_TAIL = {"ouest": "COMPANY", "est": "COMPANY", "nord": "COMPANY", "sud": "COMPANY", "france": "COMPANY",
            "international": "COMPANY", "europe": "COMPANY", "group": "COMPANY", "groupe": "COMPANY",
            "services": "COMPANY", "service": "COMPANY", "contact": "VENDOR", "telecom": "COMPANY"}
# Universal part-of-speech tags of a single word that is no name (unless it is an acronym).
POS_NOT_NAME = {"VERB", "AUX", "ADV", "ADJ", "PRON", "DET", "ADP", "CCONJ", "SCONJ", "NUM", "PUNCT", "SYM", "INTJ"}
# Words skipped when the initials of a long form are matched with its acronym.
STOP_INITIALS = {"de", "du", "des", "d", "la", "le", "les", "l", "et", "pour", "en", "a", "au", "aux", "sur", "of",
                 "the", "and", "for"}
# Prepositions before a place ("à Lille", "en Bretagne") and nouns before "de" + place ("la région de...").
LOCATION_PREPOSITIONS = {"a", "à", "en", "au", "aux", "vers", "depuis", "dans", "pres", "sur"}
NOT_LOCATION_BEFORE = {"grace", "face"}  # "grâce à", "face à": no place follows
PLACE_NOUNS = {"region", "ville", "pres", "proximite", "agglomeration", "banlieue", "departement", "commune"}
# Determiners between a role and a name ("Dupont, le directeur"; "X, ancien président").
ROLE_DETERMINERS = {"le", "la", "son", "sa", "notre", "leur", "ancien", "ancienne", "nouveau", "nouvelle"}
# Apposition heads that mean VENDOR only with a field word nearby, else COMPANY (the first three) or nothing.
LEADER_HEADS = {"numero un", "n°1", "leader", "specialiste", "acteur"}
RANK_HEADS = {"numero un", "n°1", "leader"}
