"""Templated training/evaluation sentences for hate, incitement, threat and abuse (EN, FR).

Why templates: the public corpora have no incitement or threat labels, their
hate labels are weak (see ``/work/shared/README.md``), and none of them teach
the contrasts a moderation model must get right: counter-speech that quotes
hate to condemn it, news reporting on hate, negated hate, and benign mentions
of identity groups. Each template is a pattern with slots filled from small
lists; each carries a stable id so that evaluation splits **by template**
(:func:`split_of`): a test sentence never shares its template with a training
sentence, only slot words, so the figures measure generalisation to new
phrasings rather than memorisation.

The hand-written functional suite (``functional_{en,fr}.yaml``) is separate
and was not generated from these templates.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

LABELS: tuple[str, ...] = ("hate", "incitement", "threat", "abuse")

# slot values ----------------------------------------------------------------

GROUPS: dict[str, dict[str, list[str]]] = {
    "en": {
        "muslims": ["Muslims", "muslims", "m0zlems", "Muslim families"],
        "migrants": ["migrants", "asylum seekers", "immigrants", "refugees", "small boat arrivals"],
        "jews": ["Jews", "jewish people"],
        "black_people": ["black people", "Black people"],
        "women": ["women"],
        "lgbt": ["gay people", "trans people", "LGBT people", "lesbians"],
        "arabs": ["Arabs"],
    },
    "fr": {
        "muslims": ["musulmans", "Musulmans", "muzulmans"],
        "migrants": ["migrants", "demandeurs d'asile", "immigrés", "réfugiés"],
        "jews": ["juifs", "Juifs"],
        "black_people": ["noirs", "Noirs"],
        "women": ["femmes"],
        "lgbt": ["homosexuels", "gays", "personnes trans"],
        "arabs": ["arabes", "Arabes"],
    },
}
SLOTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "X": [
            "vermin",
            "rats",
            "parasites",
            "animals",
            "savages",
            "filth",
            "a disease",
            "invaders",
            "scum",
            "cockroaches",
            "subhuman",
            "a plague",
        ],
        "P": [
            "the mosque",
            "the asylum hotel",
            "the migrant hotel",
            "the hotel housing them",
            "the refugee centre",
            "the Holiday Inn full of asylum seekers",
            "the mosque on Sussex Road",
            "the synagogue",
        ],
        "I": ["idiot", "moron", "clown", "loser", "pathetic little troll", "absolute muppet", "dickhead"],
        "T": ["tonight", "this weekend", "at 8pm", "after the vigil", "tomorrow", "now"],
        "N": [
            "Dave",
            "Sarah",
            "the mayor",
            "that journalist",
            "the referee",
            "my neighbour",
            "Tom",
            "@user",
            "Priya",
            "mate",
            "councillor Hughes",
            "Kemi",
            "Mr Patel",
            "you lot",
        ],
        "C": ["town", "street", "area", "country"],
    },
    "fr": {
        "X": [
            "de la vermine",
            "des rats",
            "des parasites",
            "des animaux",
            "des sauvages",
            "des cafards",
            "des sous-hommes",
            "des envahisseurs",
            "une maladie",
            "des ordures",
        ],
        "P": [
            "la mosquée",
            "l'hôtel des migrants",
            "le foyer de migrants",
            "le centre d'accueil",
            "l'hôtel qui loge les demandeurs d'asile",
            "la mosquée du quartier",
            "la synagogue",
        ],
        "I": ["abruti", "crétin", "connard", "bouffon", "pauvre type", "minable", "débile"],
        "T": ["ce soir", "ce week-end", "à 20h", "demain", "maintenant", "après la marche"],
        "N": [
            "Julien",
            "Sophie",
            "le maire",
            "ce journaliste",
            "l'arbitre",
            "mon voisin",
            "Karim",
            "@user",
            "Nadia",
            "mon gars",
            "madame la députée",
            "Thomas",
            "M. Diallo",
            "vous autres",
        ],
        "C": ["ville", "quartier", "pays", "rue"],
    },
}

# templates: (id, labels, text). Label string: letters among h i t a (hate, incitement, threat, abuse).
# Category prefix in the id groups them for reporting (hate, incite, threat, abuse, counter, report,
# negated, neutral, positive, general).

TEMPLATES: dict[str, list[tuple[str, str, str]]] = {
    "en": [
        ("hate-01", "h", "{G} are {X}"),
        ("hate-02", "h", "{G} are nothing but {X} and everyone knows it"),
        ("hate-03", "h", "honestly {G} are {X}, they ruin every {C} they move into"),
        ("hate-04", "h", "never trust {G}, they are {X}"),
        ("hate-05", "h", "{G} don't belong here, filthy {X}"),
        ("hate-06", "h", "our {C} is being overrun by {G}, {X} the lot of them"),
        ("hate-07", "h", "I hate {G}. {X}, all of them"),
        ("hate-08", "h", "{G} breed like rats and will replace us"),
        ("hate-09", "h", "typical {G}, always behaving like {X}"),
        ("hate-10", "h", "{G} should go back where they came from"),
        ("hate-11", "h", "every single one of the {G} is {X}"),
        ("hate-12", "h", "{G} are inferior and always will be"),
        ("hate-13", "h", "no wonder crime is up, {G} are {X}"),
        ("incite-01", "hi", "burn out the {G} {T}"),
        ("incite-02", "hi", "everyone to {P} {T}, let's burn it down"),
        ("incite-03", "hi", "we need to get rid of the {G} in our {C}, remove them all"),
        ("incite-04", "hi", "time to drive the {G} out of our {C} {T}"),
        ("incite-05", "hi", "meet at {P} {T}, bring petrol"),
        ("incite-06", "hi", "somebody torch {P} already"),
        ("incite-07", "hi", "round up the {G} and send them all back"),
        ("incite-08", "hi", "we should attack {P} {T}, they won't stop us"),
        ("incite-09", "hi", "kill them all, every last one of the {G}"),
        ("incite-10", "hi", "smash the windows of {P}, show the {G} they're not welcome"),
        ("incite-11", "hi", "enough talk. storm {P} {T} and drag them out"),
        ("incite-12", "hi", "#BurnThemOut {P} {T}"),
        ("incite-13", "hi", "go down to {P} {T} and deal with them ourselves"),
        ("incite-14", "hi", "string up the {G}, it's the only language they understand"),
        ("threat-01", "t", "I'm going to kill you {N}"),
        ("threat-02", "t", "{N} you're dead when I find you"),
        ("threat-03", "t", "we know where you live {N}"),
        ("threat-04", "t", "watch your back {N}, {T} you will pay"),
        ("threat-05", "t", "it would be a shame if something happened to your kids, {N}"),
        ("threat-06", "t", "keep talking {N} and you'll regret it"),
        ("threat-07", "t", "someone should put a bullet in {N}"),
        ("threat-08", "t", "i will hunt you down and hurt you"),
        ("threat-09", "t", "your days are numbered {N}"),
        ("threat-10", "t", "{N} deserves to be shot for this"),
        ("threat-11", "t", "sleep with one eye open {N}"),
        ("threat-12", "t", "I'll stab you if you show your face {T}"),
        ("abuse-01", "a", "shut up you {I}"),
        ("abuse-02", "a", "{N} is a complete {I}"),
        ("abuse-03", "a", "what a {I} you are, {N}"),
        ("abuse-04", "a", "nobody cares about your opinion, {I}"),
        ("abuse-05", "a", "{N} you ugly stupid {I}"),
        ("abuse-06", "a", "go away {I}, you're pathetic"),
        ("abuse-07", "a", "{N} is a useless piece of shit"),
        ("abuse-08", "a", "you're too dumb to understand this, {I}"),
        ("abuse-09", "a", "lmao look at this {I} crying again"),
        ("abuse-10", "a", "stfu {N}, nobody asked"),
        ("counter-01", "", "saying '{G} are {X}' is disgusting and we condemn it"),
        ("counter-02", "", "stop calling {G} {X}. it's racist and wrong"),
        ("counter-03", "", "people posting 'burn the hotel' should be ashamed, we stand with the {G}"),
        ("counter-04", "", "I reported the account calling {G} {X}, hate has no place here"),
        ("counter-05", "", "anyone who says {G} are {X} needs to look in the mirror"),
        ("counter-06", "", "we will not tolerate calls to attack {P}. solidarity with our neighbours"),
        ("counter-07", "", "calling {G} {X} is hate speech, plain and simple"),
        ("counter-08", "", "shame on those chanting to burn {P}. this is not who we are"),
        ("counter-09", "", "no, {G} are not {X}. stop spreading this poison"),
        ("counter-10", "", "the posts telling people to attack {P} are vile, report them"),
        ("counter-11", "", "I condemn every message blaming {G} for this attack"),
        ("counter-12", "", "blaming {G} is exactly what the far right wants, don't fall for it"),
        ("report-01", "", "police are investigating posts that called {G} {X}"),
        ("report-02", "", "a man was charged with inciting violence after urging people to burn {P}"),
        ("report-03", "", "the court heard he wrote that {G} were {X}"),
        ("report-04", "", "according to reports, rioters gathered outside {P} {T}"),
        ("report-05", "", "journalists documented messages calling for attacks on {P}"),
        ("report-06", "", "a woman was jailed for tweets saying {G} should be removed"),
        ("report-07", "", "the investigation found accounts describing {G} as {X}"),
        ("report-08", "", "prosecutors said the messages targeted {G} in the {C}"),
        ("negated-01", "", "{G} are not {X}"),
        ("negated-02", "", "I don't think {G} are {X} at all"),
        ("negated-03", "", "no one should ever call {G} {X}"),
        ("negated-04", "", "{G} are not the problem, never have been"),
        ("negated-05", "", "it is never ok to attack {P}"),
        ("negated-06", "", "nobody is going to burn {P}, calm down"),
        ("neutral-01", "", "{G} in our {C} are holding a meeting {T}"),
        ("neutral-02", "", "a report on {G} and housing was published {T}"),
        ("neutral-03", "", "my neighbours are {G}"),
        ("neutral-04", "", "the council met representatives of {G} {T}"),
        ("neutral-05", "", "how many {G} live in the {C}?"),
        ("neutral-06", "", "{P} is open to visitors {T}"),
        ("neutral-07", "", "a documentary about {G} airs {T}"),
        ("neutral-08", "", "I am one of the {G} in this {C}"),
        ("neutral-09", "", "the survey asked {G} about their jobs"),
        ("neutral-10", "", "{G} and their neighbours cleaned up the {C} after the storm"),
        ("neutral-11", "", "vigil for the victims at {P} {T}"),
        ("positive-01", "", "{G} are welcome here"),
        ("positive-02", "", "proud to stand with {G} in our {C}"),
        ("positive-03", "", "{G} make this {C} better"),
        ("positive-04", "", "love to all the {G} who helped {T}"),
        ("positive-05", "", "thank you to {P} for feeding everyone {T}"),
        ("positive-06", "", "so many {G} volunteered at the food bank"),
        ("positive-07", "", "{G} deserve safety and respect like everyone else"),
        ("general-01", "", "burn the calories {T} with this workout"),
        ("general-02", "", "this new track absolutely kills"),
        ("general-03", "", "I'm going to kill this exam {T}"),
        ("general-04", "", "the hotel breakfast was great {T}"),
        ("general-05", "", "{N} is coming to dinner {T}"),
        ("general-06", "", "traffic is terrible in the {C} {T}"),
        ("general-07", "", "we should attack the problem of housing in the {C}"),
        ("general-08", "", "rats spotted in the {C} bins again, call the council"),
        ("general-09", "", "what a game {T}, the striker destroyed them"),
        ("general-10", "", "see you {T} {N}"),
        ("threat-13", "t", "nice car {N}. would hate for something to happen to it"),
        ("threat-14", "t", "we've got your address {N}, see you {T}"),
        ("threat-15", "t", "people who talk like you end up in hospital {N}"),
        ("threat-16", "t", "carry on {N} and find out what happens"),
        ("threat-17", "t", "{N} should be very careful walking home {T}"),
        ("threat-18", "t", "I know where your kids go to school {N}"),
        ("threat-19", "t", "enjoy it while it lasts {N}, we're coming"),
        ("threat-20", "t", "someone needs to shut {N} up permanently"),
        ("incite-15", "hi", "{P} needs burning {T}"),
        ("incite-16", "hi", "bring bats and bricks to {P} {T}"),
        ("incite-17", "hi", "{G} out! by force if we have to"),
        ("incite-18", "hi", "wipe out the {G} before they wipe us out"),
        ("incite-19", "hi", "who's coming to {P} {T}? time to make them leave"),
        ("incite-20", "hi", "get every one of the {G} out of our {C} {T}, whatever it takes"),
        ("counter-13", "", "'{G} are {X}' is all over my feed {T} and it makes me sick. not in our name"),
        ("counter-14", "", "racists shouting about {G} do not speak for this {C}"),
        ("counter-15", "", "if you answer a tragedy by calling {G} {X}, you are the problem"),
        ("counter-16", "", "mobs want to burn {P}. we will be there to protect it {T}"),
        ("counter-17", "", "this is how pogroms begin: first you call {G} {X}"),
        ("counter-18", "", "nope. blaming all {G} for one man's crime is bigotry"),
        ("abuse-11", "a", "{N} is such a brainless {I}"),
        ("abuse-12", "a", "everyone hates you, {I}"),
        ("abuse-13", "a", "imagine being as thick as {N}"),
        ("positive-08", "", "everyone is welcome at {P}, come say hello {T}"),
        ("positive-09", "", "{P} opened its doors to the whole {C} {T}"),
        ("neutral-12", "", "the {G} living at {P} have been moved {T}"),
        # counter-speech and negation added 2026-11 (signals A, second pass): new phrasings that quote or
        # deny hate, written from the categories' definitions, not from the functional suite
        (
            "counter-19",
            "",
            "seeing people call {G} {X} after a tragedy is sickening. we are better than this",
        ),
        ("counter-20", "", '"{G} are {X}"? no. that is racism, and we won\'t repeat it'),
        ("counter-21", "", "whoever is telling people to burn {P} {T} is a thug, not a patriot"),
        ("counter-22", "", "the idea that {G} are {X} is a lie told to divide us"),
        ("counter-23", "", "we stand with the {G} of this {C}. calling them {X} is hate"),
        ("counter-24", "", "please report anyone urging attacks on {P}, this is not protest"),
        ("counter-25", "", "dehumanising {G} as {X} is how violence starts. call it out"),
        ("counter-26", "", "i am ashamed that people in my {C} called {G} {X} {T}"),
        ("negated-07", "", "{G} aren't {X}, they are our neighbours"),
        ("negated-08", "", "nobody here thinks {G} are {X}"),
        ("negated-09", "", "{G} are not {X} and never were"),
        ("negated-10", "", "it is false and cruel to say {G} are {X}"),
    ],
    "fr": [
        ("hate-01", "h", "les {G} sont {X}"),
        ("hate-02", "h", "les {G} ne sont que {X}, tout le monde le sait"),
        ("hate-03", "h", "franchement les {G} sont {X}, ils pourrissent chaque {C}"),
        ("hate-04", "h", "jamais confiance aux {G}, c'est {X}"),
        ("hate-05", "h", "les {G} n'ont rien à faire ici, {X}"),
        ("hate-06", "h", "notre {C} est envahi par les {G}, {X} tous autant qu'ils sont"),
        ("hate-07", "h", "je hais les {G}. {X}, tous"),
        ("hate-08", "h", "les {G} vont nous remplacer, c'est le grand remplacement"),
        ("hate-09", "h", "typique des {G}, toujours {X}"),
        ("hate-10", "h", "les {G} qu'ils retournent chez eux"),
        ("hate-11", "h", "chacun de ces {G} est {X}"),
        ("hate-12", "h", "les {G} sont inférieurs et le resteront"),
        ("hate-13", "h", "pas étonnant que la délinquance explose, les {G} sont {X}"),
        ("incite-01", "hi", "faut cramer les {G} {T}"),
        ("incite-02", "hi", "tous devant {P} {T}, on y met le feu"),
        ("incite-03", "hi", "il faut virer les {G} de notre {C}, tous"),
        ("incite-04", "hi", "chassons les {G} de notre {C} {T}"),
        ("incite-05", "hi", "rendez-vous devant {P} {T}, ramenez de l'essence"),
        ("incite-06", "hi", "que quelqu'un brûle {P} une bonne fois pour toutes"),
        ("incite-07", "hi", "expulsez-les tous, ces {G}"),
        ("incite-08", "hi", "attaquons {P} {T}, personne ne nous arrêtera"),
        ("incite-09", "hi", "il faut les tuer, tous les {G}"),
        ("incite-10", "hi", "cassons les vitres de {P}, montrons aux {G} qu'ils ne sont pas chez eux"),
        ("incite-11", "hi", "assez parlé, on prend d'assaut {P} {T}"),
        ("incite-12", "hi", "#BrulonsLes {P} {T}"),
        ("incite-13", "hi", "descendons dans la rue {T} et occupons-nous des {G} nous-mêmes"),
        ("incite-14", "hi", "mettez le feu à {P}, les {G} dehors"),
        ("threat-01", "t", "je vais te tuer {N}"),
        ("threat-02", "t", "{N} t'es mort quand je te trouve"),
        ("threat-03", "t", "on sait où tu habites {N}"),
        ("threat-04", "t", "fais gaffe {N}, {T} tu vas payer"),
        ("threat-05", "t", "ce serait dommage qu'il arrive quelque chose à tes enfants, {N}"),
        ("threat-06", "t", "continue de parler {N} et tu vas le regretter"),
        ("threat-07", "t", "quelqu'un devrait le buter, {N}"),
        ("threat-08", "t", "je vais te retrouver et te défoncer"),
        ("threat-09", "t", "tes jours sont comptés {N}"),
        ("threat-10", "t", "{N} mérite une balle pour ça"),
        ("threat-11", "t", "on va te faire payer {N}"),
        ("threat-12", "t", "je te plante si tu te montres {T}"),
        ("abuse-01", "a", "ferme-la espèce d'{I}"),
        ("abuse-02", "a", "{N} est un vrai {I}"),
        ("abuse-03", "a", "quel {I} tu fais, {N}"),
        ("abuse-04", "a", "tout le monde se fout de ton avis, {I}"),
        ("abuse-05", "a", "{N} t'es moche et {I}"),
        ("abuse-06", "a", "dégage {I}, t'es pathétique"),
        ("abuse-07", "a", "{N} est une grosse merde inutile"),
        ("abuse-08", "a", "t'es trop con pour comprendre, {I}"),
        ("abuse-09", "a", "mdr regardez ce {I} qui pleure encore"),
        ("abuse-10", "a", "ta gueule {N}, personne t'a demandé"),
        ("counter-01", "", "dire « les {G} sont {X} » est honteux et nous le condamnons"),
        ("counter-02", "", "arrêtez de traiter les {G} de {X}. c'est raciste"),
        (
            "counter-03",
            "",
            "ceux qui écrivent « brûlez l'hôtel » devraient avoir honte, solidarité avec les {G}",
        ),
        ("counter-04", "", "j'ai signalé le compte qui traite les {G} de {X}, pas de place pour la haine"),
        ("counter-05", "", "ceux qui disent que les {G} sont {X} devraient se regarder dans un miroir"),
        ("counter-06", "", "nous ne tolérerons pas les appels à attaquer {P}. solidarité avec nos voisins"),
        ("counter-07", "", "traiter les {G} de {X}, c'est de la haine, point"),
        ("counter-08", "", "honte à ceux qui appellent à brûler {P}. ce n'est pas nous"),
        ("counter-09", "", "non, les {G} ne sont pas {X}. arrêtez ce poison"),
        ("counter-10", "", "les messages appelant à attaquer {P} sont ignobles, signalez-les"),
        ("counter-11", "", "je condamne tous les messages qui accusent les {G} de cette attaque"),
        (
            "counter-12",
            "",
            "accuser les {G} c'est exactement ce que veut l'extrême droite, ne tombez pas dans le piège",
        ),
        ("report-01", "", "la police enquête sur des messages qui traitaient les {G} de {X}"),
        ("report-02", "", "un homme a été inculpé pour avoir appelé à brûler {P}"),
        ("report-03", "", "le tribunal a entendu qu'il avait écrit que les {G} étaient {X}"),
        ("report-04", "", "selon la préfecture, des émeutiers se sont rassemblés devant {P} {T}"),
        ("report-05", "", "des journalistes ont recensé des messages appelant à attaquer {P}"),
        ("report-06", "", "une femme a été condamnée pour des tweets disant que les {G} devaient partir"),
        ("report-07", "", "l'enquête a identifié des comptes décrivant les {G} comme {X}"),
        ("report-08", "", "le parquet indique que les messages visaient les {G} du {C}"),
        ("negated-01", "", "les {G} ne sont pas {X}"),
        ("negated-02", "", "je ne pense pas du tout que les {G} soient {X}"),
        ("negated-03", "", "personne ne devrait traiter les {G} de {X}"),
        ("negated-04", "", "les {G} ne sont pas le problème, ils ne l'ont jamais été"),
        ("negated-05", "", "il n'est jamais acceptable d'attaquer {P}"),
        ("negated-06", "", "personne ne va brûler {P}, calmez-vous"),
        ("neutral-01", "", "les {G} du {C} organisent une réunion {T}"),
        ("neutral-02", "", "un rapport sur les {G} et le logement a été publié {T}"),
        ("neutral-03", "", "mes voisins sont {G}"),
        ("neutral-04", "", "le conseil a rencontré des représentants des {G} {T}"),
        ("neutral-05", "", "combien de {G} vivent dans le {C} ?"),
        ("neutral-06", "", "{P} est ouverte aux visiteurs {T}"),
        ("neutral-07", "", "un documentaire sur les {G} passe {T}"),
        ("neutral-08", "", "je fais partie des {G} de ce {C}"),
        ("neutral-09", "", "l'enquête a interrogé des {G} sur leur travail"),
        ("neutral-10", "", "les {G} et leurs voisins ont nettoyé le {C} après la tempête"),
        ("neutral-11", "", "veillée pour les victimes devant {P} {T}"),
        ("positive-01", "", "les {G} sont les bienvenus ici"),
        ("positive-02", "", "fiers d'être aux côtés des {G} de notre {C}"),
        ("positive-03", "", "les {G} rendent ce {C} meilleur"),
        ("positive-04", "", "merci à tous les {G} qui ont aidé {T}"),
        ("positive-05", "", "merci à {P} d'avoir nourri tout le monde {T}"),
        ("positive-06", "", "tant de {G} sont venus aider à la banque alimentaire"),
        ("positive-07", "", "les {G} méritent la sécurité et le respect comme tout le monde"),
        ("general-01", "", "brûler des calories {T} avec cet exercice"),
        ("general-02", "", "ce nouveau morceau tue grave"),
        ("general-03", "", "je vais tout déchirer à l'examen {T}"),
        ("general-04", "", "le petit-déjeuner de l'hôtel était super {T}"),
        ("general-05", "", "{N} vient dîner {T}"),
        ("general-06", "", "la circulation est horrible dans le {C} {T}"),
        ("general-07", "", "il faut s'attaquer au problème du logement dans le {C}"),
        ("general-08", "", "encore des rats dans les poubelles du {C}, appelez la mairie"),
        ("general-09", "", "quel match {T}, l'attaquant les a détruits"),
        ("general-10", "", "à {T} {N}"),
        ("threat-13", "t", "jolie voiture {N}. ce serait bête qu'il lui arrive quelque chose"),
        ("threat-14", "t", "on a ton adresse {N}, à {T}"),
        ("threat-15", "t", "les gens qui parlent comme toi finissent à l'hôpital {N}"),
        ("threat-16", "t", "continue {N} et tu vas voir ce qui arrive"),
        ("threat-17", "t", "{N} ferait bien de faire attention en rentrant {T}"),
        ("threat-18", "t", "je sais dans quelle école sont tes enfants {N}"),
        ("threat-19", "t", "profite tant que ça dure {N}, on arrive"),
        ("threat-20", "t", "quelqu'un devrait faire taire {N} pour de bon"),
        ("incite-15", "hi", "{P} doit brûler {T}"),
        ("incite-16", "hi", "ramenez des battes et des pavés devant {P} {T}"),
        ("incite-17", "hi", "dehors les {G} ! par la force s'il le faut"),
        ("incite-18", "hi", "exterminons les {G} avant qu'ils nous remplacent"),
        ("incite-19", "hi", "qui vient à {P} {T} ? il est temps de les faire partir"),
        ("incite-20", "hi", "sortez tous les {G} de notre {C} {T}, peu importe comment"),
        ("counter-13", "", "« les {G} sont {X} » partout sur mon fil {T}, ça me dégoûte. pas en notre nom"),
        ("counter-14", "", "les racistes qui crient contre les {G} ne parlent pas pour ce {C}"),
        ("counter-15", "", "si tu réponds à un drame en traitant les {G} de {X}, le problème c'est toi"),
        ("counter-16", "", "des casseurs veulent brûler {P}. nous serons là pour la protéger {T}"),
        ("counter-17", "", "c'est comme ça que ça commence : d'abord on traite les {G} de {X}"),
        ("counter-18", "", "non. accuser tous les {G} pour le crime d'un homme, c'est du racisme"),
        ("abuse-11", "a", "{N} est vraiment un {I} sans cervelle"),
        ("abuse-12", "a", "tout le monde te déteste, {I}"),
        ("abuse-13", "a", "faut être aussi bête que {N}"),
        ("positive-08", "", "tout le monde est bienvenu à {P}, passez dire bonjour {T}"),
        ("positive-09", "", "{P} a ouvert ses portes à tout le {C} {T}"),
        ("neutral-12", "", "les {G} logés à {P} ont été déplacés {T}"),
        ("counter-19", "", "voir des gens traiter les {G} de {X} après un drame, ça me rend malade"),
        ("counter-20", "", "« les {G} sont {X} » ? non. c'est du racisme et on ne le répétera pas"),
        ("counter-21", "", "ceux qui appellent à brûler {P} {T} sont des voyous, pas des patriotes"),
        ("counter-22", "", "l'idée que les {G} sont {X} est un mensonge pour nous diviser"),
        ("counter-23", "", "nous sommes avec les {G} de notre {C}. les traiter de {X}, c'est de la haine"),
        ("counter-24", "", "signalez ceux qui appellent à attaquer {P}, ce n'est pas une manifestation"),
        (
            "counter-25",
            "",
            "déshumaniser les {G} en les traitant de {X}, c'est comme ça que la violence commence",
        ),
        ("counter-26", "", "j'ai honte que des gens de mon {C} aient traité les {G} de {X} {T}"),
        ("negated-07", "", "les {G} ne sont pas des {X}, ce sont nos voisins"),
        ("negated-08", "", "personne ici ne pense que les {G} sont {X}"),
        ("negated-09", "", "les {G} ne sont pas {X} et ne l'ont jamais été"),
        ("negated-10", "", "c'est faux et cruel de dire que les {G} sont {X}"),
    ],
}


@dataclass(slots=True, frozen=True)
class Example:
    """One generated sentence with its labels and provenance."""

    text: str
    lang: str
    template: str
    category: str
    group: str | None
    labels: dict[str, int]


def split_of(lang: str, template_id: str, test_share: int = 5) -> str:
    """``"test"`` for a fixed 1-in-``test_share`` subset of templates, else ``"train"``.

    The split hashes the template id, so it never changes when templates are
    added elsewhere and no test template ever feeds training. Within each
    category, ids are hashed independently, so every category keeps test templates
    with high probability; :func:`generate` also forces at least one per category.
    """
    h = int(hashlib.sha1(f"{lang}:{template_id}".encode()).hexdigest(), 16)
    return "test" if h % test_share == 0 else "train"


def _test_templates(lang: str) -> set[str]:
    chosen = {tid for tid, _, _ in TEMPLATES[lang] if split_of(lang, tid) == "test"}
    by_cat: dict[str, list[str]] = {}
    for tid, _, _ in TEMPLATES[lang]:
        by_cat.setdefault(tid.split("-")[0], []).append(tid)
    for _cat, ids in sorted(by_cat.items()):
        if not any(t in chosen for t in ids):
            # deterministic fallback: the template with the smallest hash
            chosen.add(min(ids, key=lambda t: hashlib.sha1(f"{lang}:{t}".encode()).hexdigest()))
    return chosen


def template_split(lang: str, template_id: str) -> str:
    """The split a template belongs to (``train`` or ``test``), with every category represented in test."""
    return "test" if template_id in _test_templates(lang) else "train"


def generate(lang: str, per_template: int = 40, seed: int = 13) -> Iterator[Example]:
    """Fill every template of ``lang`` with up to ``per_template`` slot combinations (deterministic)."""
    rng = random.Random(f"{seed}:{lang}")
    groups = GROUPS[lang]
    slots = SLOTS[lang]
    group_values = [(g, v) for g, vs in groups.items() for v in vs]
    for tid, lab, pattern in TEMPLATES[lang]:
        names = [n for n in ("G", "X", "P", "I", "T", "N", "C") if "{" + n + "}" in pattern]
        pools: list[list[tuple[str | None, str]]] = []
        for n in names:
            if n == "G":
                pools.append([(g, v) for g, v in group_values])
            else:
                pools.append([(None, v) for v in slots[n]])
        combos = list(itertools.product(*pools)) if pools else [()]
        rng.shuffle(combos)
        seen: set[str] = set()
        for combo in combos[:per_template]:
            fill = {n: v for n, (_, v) in zip(names, combo, strict=True)}
            group = next((g for g, _ in combo if g is not None), None)
            text = pattern.format(**fill)
            if text in seen:
                continue
            seen.add(text)
            labels = {
                "hate": int("h" in lab),
                "incitement": int("i" in lab),
                "threat": int("t" in lab),
                "abuse": int("a" in lab),
            }
            yield Example(text, lang, tid, tid.split("-")[0], group, labels)


def dataset(langs: tuple[str, ...] = ("en", "fr"), per_template: int = 40) -> dict[str, list[Example]]:
    """All generated examples, split by template: ``{"train": [...], "test": [...]}``."""
    out: dict[str, list[Example]] = {"train": [], "test": []}
    for lang in langs:
        test_ids = _test_templates(lang)
        for ex in generate(lang, per_template):
            out["test" if ex.template in test_ids else "train"].append(ex)
    return out
