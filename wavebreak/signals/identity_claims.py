"""Identity claims about the people in an incident: who the attacker, suspect or victim "is".

Why a rule-based extractor and not a classifier: the Southport wave turned on a handful of very
specific assertions ("the attacker was <false name>", "an asylum seeker who came by boat", "on an MI6
watch list"). Those are short, formulaic and bilingual, there is no labelled corpus for them, and the
output has to quote the exact span that a reviewer and a statement of reasons will cite. Compiled
regular expressions give all three, and run on every post (well over 20k texts/s on one core): a
single combined "trigger" pattern rejects the vast majority of posts before any other work.

What it returns, per text, is a ``Signal(name="identity_claim")``:

- ``score`` in 0..1: how strongly the text *attributes* identities or a name to a person in the
  incident (an identity term alone, "asylum seekers deserve protection", scores low; "he is an asylum
  seeker who came by boat" or "the attacker was <Name>" scores high);
- ``label`` ``"identity_claim"`` only when the attribution is *asserted*. A negated or refuted mention
  ("police say he is NOT an asylum seeker", "false claims that the attacker was a migrant") keeps the
  role, name and identities in ``data`` (so narrative clustering can still link it to the claim it
  refutes) with ``data["negated"] = True``, a low score and ``label=None``: policy must never restrict
  a refutation as if it were the claim. The stance model labels such posts ``deny``.
- ``data``: ``{"role", "name", "identities", "negated"}``; ``explanation``: the matched spans.

English and French patterns are both always applied: posts mix languages and the language signal is
unreliable on short texts, so ``langs`` is only used to order nothing today (kept for the contract and
for future per-language patterns).
"""

from __future__ import annotations

import re
from functools import lru_cache

from wavebreak.core.constants import (
    IDENTITY_ATTRIBUTED_SCORE,
    IDENTITY_CLAIM_THRESHOLD,
    IDENTITY_MENTION_SCORE,
    IDENTITY_NAME_SCORE,
    IDENTITY_NAME_SUBJECT_GAP,
    IDENTITY_NEGATED_SCORE,
    IDENTITY_QUESTIONED_SCORE,
    IDENTITY_ROLE_ONLY_SCORE,
)
from wavebreak.core.records import Signal, SignalName
from wavebreak.signals.text import literal_trie

VERSION = "identity_claims-1.0"
"""Model id recorded on every signal so a decision can be traced to the exact rules."""

_FLAGS = re.IGNORECASE | re.UNICODE

# ------------------------------------------------------------------ identities (EN + FR)
# Each identity maps to one pattern; the key is the stable label other stages use.
_IDENTITY_PATTERNS: dict[str, str] = {
    "asylum_seeker": r"asylum[\s-]?seekers?|seeking asylum|demandeu(?:r|se|rs|ses) d['’ ]asile",
    "refugee": r"refugees?|réfugiée?s?",
    "migrant": (
        r"(?:illegal\s+)?(?:im)?migrants?|illegals?|illegal\s+alien|undocumented|clandestine?s?"
        r"|sans[\s-]papiers|immigrée?s?(?:\s+clandestine?s?)?"
    ),
    "muslim": r"muslims?|moslems?|islamists?|jihadis?t?|musulmane?s?|islamistes?|djihadistes?",
    "arrived_by_boat": (
        r"(?:came|arrived|arrive|come|arriving|coming|got here|turned up)(?:\s+[\w'’]+){0,4}?"
        r"\s+(?:on|by|in)\s+(?:a\s+)?(?:small\s+|rubber\s+)?(?:boats?|dinghy|dinghies)"
        r"|small[\s-]boats?|crossed the channel|channel crossing"
        r"|(?:arrivée?|venue?|débarquée?)s?(?:\s+[\w'’]+){0,4}?\s+(?:en|par|sur un)\s+(?:petit\s+)?"
        r"(?:bateau|canot|embarcation)"
        r"|traversée? (?:de )?la manche|small boat"
    ),
    "on_watch_list": (
        r"(?:mi5|mi6|terror(?:ist)?|security|counter[\s-]terror(?:ism)?)?\s*watch[\s-]?lists?"
        r"|known to (?:mi5|mi6|the security services|security services|counter[\s-]terror\w*)"
        r"|on (?:the )?radar of (?:mi5|mi6|the security services)"
        # seventh session: the possessive radar and "flagged by" forms, and French "sur le radar de(s) ..."
        r"|(?:on|under) (?:the |their )?(?:mi5|mi6|police|[\w-]+ services?|the [\w-]+ services?|intelligence"
        r" services?|the intelligence services?|counter[\s-]terror\w*|the authorities|the police)['’]?s?\s+radar"
        r"|flagged (?:by|to) (?:mi5|mi6|the police|police|the security services|security services|prevent"
        r"|counter[\s-]terror\w*)|(?:mi5|mi6|security services|the police|police|prevent) (?:had|have|has)"
        r" (?:him|her|them) (?:flagged|on file|under (?:watch|surveillance))"
        r"|sur (?:le|les) radars? (?:des services|du renseignement|de la dgsi|de la police|des renseignements)"
        r"|fichée? s\b|fiche s\b|connue? des services(?: de renseignement)?(?! de police)"
    ),
    "known_to_police": r"known to (?:the )?police|connue? des services de police|connue? de la police",
    "mental_health": (
        r"mental[\s-]health|mentally ill|psychiatric|schizophreni\w*|troubles? psychiatriques?"
        r"|déséquilibrée?|santé mentale|psychiatrique"
    ),
    "foreign_national": (
        r"foreign nationals?|foreigners?|not (?:a )?british|ressortissante? étrangère?|étrangers?"
        r"|of (?:syrian|afghan|eritrean|sudanese|iraqi|iranian|libyan|somali|albanian|pakistani|algerian"
        r"|moroccan|rwandan) (?:origin|descent|nationality)"
        r"|d['’]origine (?:syrienne|afghane|érythréenne|soudanaise|irakienne|algérienne|marocaine|étrangère)"
    ),
}

# ------------------------------------------------------------------ roles (EN + FR)
_ROLE_PATTERNS: dict[str, str] = {
    "attacker": (
        r"attackers?|assailants?|stabbers?|knife[\s-]?man|killers?|murderers?|perpetrators?|gunman|culprits?"
        r"|terrorists?|assaillante?s?|attaquante?s?|agresseu(?:r|se)s?|tueu(?:r|se)s?|meurtriers?|meurtrière|(?:le|la|les|du|des|un|une) coupables?"
        r"|terroristes?|auteur (?:de l['’]attaque|des faits|du meurtre|de l['’]attentat)"
    ),
    "suspect": (
        r"suspects?|suspecte?s?|accused|(?:the )?(?:man|boy|teen|teenager|youth|lad) (?:arrested|held|charged)"
        r"|mis en cause|interpellée?|the arrested"
    ),
    "victim": r"victims?|victimes?",
}

# These run on the lower-cased text (see _TRIGGER_RE for why no IGNORECASE).
# One \b on each side of the whole alternation rather than inside every group: the same matches (the
# engine tries the groups in the same order and backtracks the same way), half the scanning work.
_ROLE_RE = re.compile(
    r"\b(?:" + "|".join(rf"(?P<{role}>{pat})" for role, pat in _ROLE_PATTERNS.items()) + r")\b", re.UNICODE
)
_IDENTITY_RE = re.compile(
    "|".join(rf"(?P<{ident}>\b(?:{pat})\b)" for ident, pat in _IDENTITY_PATTERNS.items()), re.UNICODE
)

# A person is the grammatical subject of the identity: "he is a ...", "il est ...", "the man was ...".
_SUBJECT_RE = re.compile(
    r"\b(?:he|she|he['’]s|she['’]s|they|him|his|il|elle|the (?:man|boy|teen|teenager|guy|lad|youth)"
    r"|l['’]homme|le jeune|l['’]individu|cet homme|ce jeune)\b",
    re.UNICODE,
)

# Capitalised name tokens (case-sensitive, scoped with (?-i:...)); Arabic/French particles allowed.
_UP = "A-ZÀ-ÖØ-Þ"
_LOWL = "a-zà-öø-ÿ"
_LOW = _LOWL + "'’"
_NAME_TOKEN = rf"(?:(?:al|el|ben|bin|ibn|abu|de|van|von)[-\s])?[{_UP}][{_LOW}]+(?:-[{_UP}{_LOWL}][{_LOW}]+)*"
_NAME = rf"(?-i:{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{0,3}})"

_NAMED_RE = re.compile(
    r"\b(?:named(?:\s+(?:locally|online|publicly|widely|elsewhere))?(?:\s+as)?|called|identified\s+as|(?:his|her|their)\s+name\s+(?:is|was)|name\s+(?:is|was)"
    r"|goes\s+by|s['’]appell?e(?:rait)?|se\s+nomme|nommée?|prénommée?|identifiée?\s+comme|du\s+nom\s+de"
    r"|répond(?:rait)?\s+au\s+nom\s+de)\s*:?\s+(?P<name>" + _NAME + r")",
    _FLAGS,
)
_ROLE_IS_NAME_RE = re.compile(
    r"\b(?:" + "|".join(_ROLE_PATTERNS.values()) + r")\s*(?:is|was|has been|=|:|est|était|serait)\s+"
    r"(?:(?:named|called|identified as)\s+)?(?P<name>" + _NAME + r")",
    _FLAGS,
)

# Words that look like names when capitalised but are not (sentence starts, identity adjectives).
_NOT_NAMES = frozenset(
    [
        *[
            "the",
            "a",
            "an",
            "he",
            "she",
            "it",
            "they",
            "this",
            "that",
            "his",
            "her",
            "police",
            "muslim",
            "muslims",
            "migrant",
            "migrants",
            "islamist",
            "asylum",
            "british",
            "english",
            "french",
            "syrian",
            "afghan",
            "eritrean",
            "le",
            "la",
            "les",
            "un",
            "une",
            "il",
            "elle",
            "ce",
            "cet",
            "cette",
            "des",
            "du",
            "de",
            "son",
            "sa",
            "not",
            "no",
            "non",
            "pas",
            "allegedly",
            "reportedly",
            "breaking",
            "just",
            "also",
            "still",
            "now",
            "today",
            "yesterday",
            "local",
            "named",
            "called",
            "mi5",
            "mi6",
            "known",
            "on",
            "in",
            "at",
            "is",
            "was",
            "black",
            "white",
            "asian",
            "african",
            "arab",
            "arabic",
            "jewish",
            "christian",
            "catholic",
            "polish",
            "romanian",
            "pakistani",
            "iraqi",
            "iranian",
            "somali",
            "sudanese",
            "libyan",
            "albanian",
            "algerian",
            "moroccan",
            "rwandan",
            "welsh",
            "scottish",
            "irish",
            "european",
            "foreign",
        ],
    ]
)

# Negation / refutation right before an identity or name ("NOT an asylum seeker", "false claims that").
_NEGATION_WORDS = (
    r"(?:\b(?:not|never|no|nor|n['’]est pas|n['’]était pas|pas|jamais|false(?:ly)?|fake|untrue|debunk\w*"
    r"|wrongly|rumou?rs?\s+that|myth|faux|fausse(?:ment)?|intox|contrairement|démenti\w*"
    # seventh session: the absence of evidence ("zero evidence he came by boat", "rien ne prouve qu'il ...")
    r"|zero (?:evidence|proof)|z[ée]ro preuve|aucune? (?:preuve|élément|indice)|rien ne (?:prouve|permet|montre"
    r"|indique)|nothing (?:suggests|indicates|shows)|not a (?:shred|scrap|single piece) of"
    # eighth session: an authority's rejection or denial of reported content before the claim ("police
    # reject viral claim that the suspect was ...", "officers deny reports the attacker ...", "la police
    # dément que ..."). The verb counts only with what it governs, a report of the claim: "they rejected
    # his asylum claim, the attacker was ..." and "deny it all you want, he was ..." still assert.
    r"|(?:reject(?:s|ed|ing)?|den(?:y|ies|ied|ying)|dismiss(?:es|ed|ing)?|refut(?:e|es|ed|ing)|rebut\w*)"
    r" (?:that|(?:the|these|those|all|any|online|viral|false|social media|recent|widespread) (?:\w+ ){0,2}?"
    r"(?:claims?|reports?|rumou?rs?|suggestions?|posts?|allegations?|stor(?:y|ies))"
    r"|(?:claims?|reports?|rumou?rs?|suggestions?|allegations?))"
    r"|(?:d[ée]men(?:t|tent|tait|taient|tir)|r[ée]fut(?:e|ent|ait|aient|er)|rejett?(?:e|ent|ait|aient|er))"
    r" (?:que|qu['’]|(?:les|la|le|ces|toutes? les) (?:\w+ ){0,2}?(?:rumeurs?|affirmations?|informations?"
    r"|publications?|all[ée]gations?|messages?|posts?)))\b|n['’]t\b)"
)
# Why one \b around the whole alternation: with a \b inside each of 21 alternatives Python's engine
# spent ~10 µs on a 35-character window; factored, ~1 µs, for the same matches.
_NEGATION_RE = re.compile(_NEGATION_WORDS + r"[^.!?]{0,60}$", re.UNICODE)
_NEGATION_WORD_RE = re.compile(_NEGATION_WORDS, re.UNICODE)
"""The negation words of ``_NEGATION_RE`` without its distance condition: a necessary-condition pre-check."""

_SPORT_RE = re.compile(
    r"\b(?:scored?|scoring|goals?|match|striker|midfield\w*|defenders?|penalty|league|fixture|half[\s-]time"
    r"|premier league|champions league|buteur|marque un but|a marqué)\b",
    re.UNICODE,
)

# Literal keys: every match of a pattern family contains at least one of its keys (checked by a
# test on every pattern's alternatives and on real posts). A family whose keys are all absent cannot
# match, so its regex, which is the expensive part (a 14-alternative scan at every position), is
# skipped. Why keys per family rather than one trigger: in an incident stream most posts say
# "attack" or "victims", so one trigger let ~40 % of posts through to every regex; per family, a
# post that only names a role pays for the role scan only. Checked with ``in`` on the lower-cased
# text: a few dozen substring tests cost less than one pass of a case-insensitive alternation.
_IDENTITY_KEYS: tuple[str, ...] = (
    "asyl", "asile", "refug", "réfug", "migr", "illegal", "undocumented", "clandestin", "papiers",
    "muslim", "moslem", "islam", "jihad", "musulm", "boat", "dingh", "channel", "bateau", "canot",
    "embarcation", "manche", "watch", "known to", "radar", "fich", "connu", "flagged", "on file", "surveillance",
    "mental", "psychiatr",
    "schizo", "déséquilibr", "foreign", "british", "ressortiss", "étrang", "origin", "descent",
    "nationalit",
)  # fmt: skip
_ROLE_KEYS: tuple[str, ...] = (
    "attack", "attaqu", "assail", "stab", "knife", "kill", "murder", "perpetr", "gunman", "culprit", "terror",
    "agress", "tueu", "meurtr", "auteur", "coupable", "suspect", "accused", "arrested", "held", "charged",
    "mis en cause", "interpel", "victim",
)  # fmt: skip
_NAMED_KEYS: tuple[str, ...] = (
    "named", "called", "identifi", "name", "goes by", "appel", "nomm", "nom de",
)  # fmt: skip

_TRIGGER_RE = re.compile(literal_trie(sorted({*_IDENTITY_KEYS, *_ROLE_KEYS, *_NAMED_KEYS})))
"""Any key of any family: one C-level scan rejects posts that cannot hold a claim (the common case).
Written as a trie (:func:`~wavebreak.signals.text.literal_trie`): the same ``findall`` list as the
longest-first alternation it replaces, at less than half the scanning cost (~12 -> ~6 µs a post)."""

# A person exhibited as the embodiment of a group (signals round 6): "voilà ce que ces migrants nous
# apportent... <Prénom Nom>", "encore un demandeur d'asile : <Name>", "this is what these migrants
# bring: <Name>". No role word and no "named", so the rules above saw an identity mention with nobody it
# was attributed to (0.35). Written from how such insinuations are phrased in EN and FR, not from the
# demo scenario. Needs the framing phrase, an identity within a few words of it, then a first + last name
# set off by punctuation (an exhibit, not "avec Jean Dupont" or "selon Marie Martin"), and no praise word
# (a refugee success story uses the same "this is what ... bring" frame).
_PRESENT_RE = re.compile(
    r"\b(?:voil[aà]|voici) ce qu(?:e |['’])(?:[\w'’-]+ ){1,5}?(?:nous |vous |leur )?(?:apportent|apporte|ramènent"
    r"|ramène|amènent|amène|rapportent|font|fait|coûtent|coûte|donnent|donne)\b|\bencore (?:un|une)\b"
    r"|\b(?:un|une) de plus\b|\bc['’]est [cç]a (?:vos|leurs?)\b|\bvoil[aà] (?:vos|votre|leurs?)\b"
    r"|\b(?:this is|this['’]s|here['’]?s|that['’]?s) what (?:[\w'’-]+ ){1,5}?(?:bring|brings|brought|gets? you|looks? like"
    r"|do|does|did)\b|\b(?:yet )?another (?:one|\w+ (?:seeker|migrant|refugee|muslim)s?)\b",
    re.UNICODE,
)
_PRAISE_RE = re.compile(
    r"\b(?:thank\w*|proud|hero(?:es)?|saved|brave|welcome|congrat\w*|bravo|merci|fiers?|fières?|héro(?:s|ïne)?"
    r"|sauvé\w*|bienvenue?s?|félicit\w*|médecins?|doctors?|nurses?|infirmi\w+)\b",
    re.UNICODE,
)
_FULL_NAME_RE = re.compile(
    rf"(?:[:.…!?,;\-–—]|^)\s*(?-i:(?P<name>{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{1,3}}))(?=\s*(?:$|[\W\d]))",
    re.MULTILINE,
)
"""A first + last name (two to four capitalised tokens) set off by punctuation or a line start and
followed by punctuation, a number ("24 ans") or the end: shown, not the subject of a new sentence
("Gérald Darmanin promet ..."). A lone capitalised word is too often a sentence start or a place."""
_EXHIBIT_GAP = 40
"""Most characters between the framing phrase and the identity it presents ("voilà ce que ces migrants")."""


def _exhibited_name(text: str, low: str, ident_pos: int) -> tuple[str, str] | None:
    """(name, span) when ``text`` exhibits a named person under a group framing, else None."""
    m = _PRESENT_RE.search(low)
    if (
        m is None
        or not m.start() <= ident_pos <= m.end() + _EXHIBIT_GAP
        or _PRAISE_RE.search(low) is not None
    ):
        return None
    for n in _FULL_NAME_RE.finditer(text, max(ident_pos, m.end())):
        cand = _clean_name(n.group("name"))
        if cand is not None and " " in cand:
            return cand, text[m.start() : n.end()].strip()
    return None


# After a role word: copula and a capitalised name ("the attacker was Ali Ahmed"); matched from the end
# of each role found, so the whole text is not scanned a second time for role words.
_AFTER_ROLE_NAME_RE = re.compile(
    r"\s*(?:is|was|has been|=|:|est|était|serait)\s+(?:(?:named|called|identified as)\s+)?(?P<name>"
    + _NAME
    + r")",
    _FLAGS,
)


@lru_cache(maxsize=64)
def _identity_re(families: frozenset[str]) -> re.Pattern[str]:
    """The identity alternation restricted to ``families`` (same match order as the full pattern)."""
    groups = "|".join(rf"(?P<{i}>{pat})" for i, pat in _IDENTITY_PATTERNS.items() if i in families)
    return re.compile(rf"\b(?:{groups})\b", re.UNICODE)


_IDENTITY_FAMILY_KEYS: dict[str, tuple[str, ...]] = {
    "asylum_seeker": ("asyl", "asile"),
    "refugee": ("refug", "réfug"),
    "migrant": ("migr", "illegal", "undocumented", "clandestin", "papiers"),
    "muslim": ("muslim", "moslem", "islam", "jihad", "musulm"),
    "arrived_by_boat": ("boat", "dingh", "channel", "bateau", "canot", "embarcation", "manche"),
    "on_watch_list": ("watch", "known to", "radar", "fich", "connu", "flagged", "on file", "surveillance"),
    "known_to_police": ("known to", "connu"),
    "mental_health": ("mental", "psychiatr", "schizo", "déséquilibr"),
    "foreign_national": ("foreign", "british", "ressortiss", "étrang", "origin", "descent", "nationalit"),
}
"""Keys per identity family (each family's keys are a subset of ``_IDENTITY_KEYS``)."""
_ROLE_KEY_SET = frozenset(_ROLE_KEYS)
_NAMED_KEY_SET = frozenset(_NAMED_KEYS)
_FAMILIES_OF_KEY: dict[str, tuple[str, ...]] = {
    k: tuple(f for f, ks in _IDENTITY_FAMILY_KEYS.items() if k in ks) for k in _IDENTITY_KEYS
}


@lru_cache(maxsize=1024)
def _families(keys: frozenset[str]) -> frozenset[str]:
    """Identity families whose keys occur (keys found by one ``_TRIGGER_RE.findall``; cached per key set)."""
    return frozenset(f for k in keys for f in _FAMILIES_OF_KEY.get(k, ()))


_MAX_SPANS = 6
"""Explanation spans kept per post: enough to quote every part of a claim, bounded for storage."""


def _clean_name(raw: str) -> str | None:
    """Drop leading/trailing non-name capitalised words; None when nothing name-like remains."""
    tokens = raw.split()
    while tokens and tokens[0].lower().strip("'’") in _NOT_NAMES:
        tokens.pop(0)
    while tokens and tokens[-1].lower().strip("'’") in _NOT_NAMES:
        tokens.pop()
    if not tokens:
        return None
    return " ".join(tokens)


_CONTRAST_RE = re.compile(
    r"(?:\b(?:but|yet|however|mais|pourtant|cependant|all (?:they|you) (?:like|want)|tant qu['’](?:ils|elles|on|tu|vous)"
    r" (?:veu\w+|voudr\w+))\b|:)",
    re.UNICODE,
)
"""A turn inside a sentence after which an earlier negation no longer governs the claim: "police deny it,
but the attacker was ...", "not a tourist but an asylum seeker", "don't let them deny it: he was ...",
"ils peuvent démentir tant qu'ils veulent, le tueur était ..." (eighth session)."""


def _negated(text: str, start: int) -> bool:
    """True when the clause before ``start`` negates or refutes what follows."""
    window = text[max(0, start - 80) : start]
    # Only look inside the current sentence.
    cut = max(window.rfind("."), window.rfind("!"), window.rfind("?"), window.rfind("\n"))
    if cut >= 0:
        window = window[cut + 1 :]
    if _NEGATION_WORD_RE.search(window) is None:
        return False  # most windows hold no negation word at all: one cheap scan settles them
    # ... and only after the sentence's last turn ("deny it, but he was ...")
    turns = [m.end() for m in _CONTRAST_RE.finditer(window)]
    if turns:
        window = window[turns[-1] :]
    return _NEGATION_RE.search(window) is not None


# A yes/no question about the attribution (seventh session): "was he really an asylum seeker?", "is it true
# the attacker came by boat?", "il était vraiment fiché S ?", "c'est confirmé que ... ?". The sentence must
# end with "?" and either open with an inverted auxiliary (after at most three lead-in words: "honest
# question, was he ...") or ask with really/vraiment/"is it true"/"c'est confirmé". Rhetorical forms that
# insinuate stay assertions: negative questions ("wasn't he on a watch list?"), "did you know ...",
# wh-questions ("why was he even here?").
_POLAR_RE = re.compile(
    r"^\s*(?:[\w'’]+[,:]?\s+){0,3}?(?:(?:was|is|are|were|did|does|do|has|have|had|can|could)\s+(?:he|she|they|it"
    r"|the|this|that|his|her|their|an?|[\w'’-]+\s+(?:really|actually))\b|(?:est|était|serait|sont|étaient)-(?:il"
    r"|elle|ils|elles|ce)\b|est-ce qu)",
    re.UNICODE,
)
_ASKING_RE = re.compile(
    r"\b(?:really|actually|vraiment|is it true|is that true|c['’]est (?:vrai|confirmé)|est-ce (?:vrai|confirmé)"
    r"|confirmed that|confirmé que)\b",
    re.UNICODE,
)
_RHETORICAL_RE = re.compile(
    r"n['’]t (?:he|she|they|it|the|this|that)\b|\b(?:did|do) you (?:know|realise|realize|see)\b|^\s*(?:why|how"
    r" come|how|pourquoi|comment)\b|\b(?:tu savais|vous saviez|saviez-vous|n['’](?:est|était)-(?:il|elle|ce))\b",
    re.UNICODE,
)


def _questioned(text: str, start: int) -> bool:
    """True when ``start`` lies in a yes/no question that asks about what follows (see ``_POLAR_RE``)."""
    end = len(text)
    for ch in ".!?\n":
        k = text.find(ch, start)
        if k != -1 and k < end:
            end = k
    if end == len(text) or text[end] != "?":
        return False
    lo = max(
        text.rfind(".", 0, start),
        text.rfind("!", 0, start),
        text.rfind("?", 0, start),
        text.rfind("\n", 0, start),
    )
    sentence = text[lo + 1 : end]
    if _RHETORICAL_RE.search(sentence) is not None:
        return False
    return _POLAR_RE.search(sentence) is not None or _ASKING_RE.search(sentence) is not None


# "<First Last> is/was <identity>" (seventh session): the named person is the subject of the identity, as a
# pronoun would be ("Jon Doe was already on an MI5 watch list", "Karim B. est un demandeur d'asile"). Two to
# four capitalised tokens, so a sentence-initial word alone is not a name.
_NAME_SUBJECT_RE = re.compile(
    rf"(?<![\w'’-])(?-i:(?P<name>{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{1,3}}))\s+(?:is|was|has been|had been|['’]s"
    r"|est|était|serait|a été)\b",
    re.UNICODE,
)


# "... was (already) on an MI6 watch list", "... était fiché S" (seventh session): being on a watch list or
# known to the police is said of one person, so a copula right before it attributes it even when the subject
# is a name the rules cannot see (lower-cased or misspelt: "idris x was already on the security services'
# radar"). Groups are rarely "on a watch list"; "asylum seekers are ..." stays a mention (other families).
_INDIVIDUAL_FAMILIES = frozenset({"on_watch_list", "known_to_police"})
_COPULA_BEFORE_RE = re.compile(
    r"\b(?:was|is|were|been|being|est|était|a été|serait)(?: (?:already|also|still|apparently|reportedly|long"
    r"|déjà|aussi|bien|toujours))?(?: (?:on|in|under|sur|dans))?(?: (?:an?|the|their|his|her|une?|la|le|les))?\s*$",
    re.UNICODE,
)
_COPULA_WINDOW = 40
"""Characters before a watch-list mention searched for its copula ("was already on an ")."""


_AGENT_RE = re.compile(
    r"\b(?:by|par)(?: (?:a|an|the|some|two|three|des|les|un|une|deux|trois))?\s*$", re.UNICODE
)
"""A passive agent right before the identity ("X was murdered by jihadists"): the identity is the agents',
not the named person's."""


_PREP_BEFORE_RE = re.compile(
    r"(?:\b(?:de|du|des|of|in|at|from|à|au|aux|near|en|to|for|by|with|sur|pour|par|avec|dans)|\bd['’])\s*$",
    re.IGNORECASE | re.UNICODE,
)
"""A preposition right before the capitalised tokens: a place or an organisation that is a complement ("le
tueur de Marlowe Bay serait ...", "the attack in Port Isaac was ..."), not the subject."""


def _name_subject(text: str, idents: list[tuple[int, bool]]) -> tuple[str, int] | None:
    """(name, start) of a full name that is the subject of an asserted identity occurrence in ``idents``."""
    for m in _NAME_SUBJECT_RE.finditer(text):
        cand = _clean_name(m.group("name"))
        if cand is None or " " not in cand:
            continue
        # the preposition may be inside the match: a particle ("de Port Isaac") or a capitalised "In"
        first = m.group("name").split(maxsplit=1)[0]
        if _PREP_BEFORE_RE.search(text, max(0, m.start() - 12), m.start()) or _PREP_BEFORE_RE.fullmatch(
            first
        ):
            continue
        for pos, ok in idents:
            gap = text[m.end() : pos]
            if (
                ok
                and m.end() <= pos <= m.end() + IDENTITY_NAME_SUBJECT_GAP
                and not any(c in gap for c in ".!?\n")
                and _AGENT_RE.search(gap) is None
            ):
                return cand, m.start()
    return None


_EMPTY = Signal(
    name=SignalName.IDENTITY_CLAIM,
    score=0.0,
    label=None,
    model=VERSION,
    data={"role": None, "name": None, "identities": [], "negated": False},
)
"""The signal of a post with no claim (most posts). One shared object: nothing mutates a Signal (the
stage already shares them between posts of the same text), and allocating it per post was ~1.5 µs."""


def _empty() -> Signal:
    return _EMPTY


def _extract_one(text: str) -> Signal:
    if not text:
        return _EMPTY
    low = text.lower()
    found = _TRIGGER_RE.findall(low)
    if not found:
        return _EMPTY
    keys = frozenset(found)
    families = _families(keys)
    has_role = not _ROLE_KEY_SET.isdisjoint(keys)
    has_named = not _NAMED_KEY_SET.isdisjoint(keys)
    # Spans are quoted from the original text when lower() kept offsets (nearly always).
    same = len(low) == len(text)
    src = text if same else low
    spans: list[str] = []
    # football ("the attacker scored") only matters next to a role word: searched only then
    sport = has_role and _SPORT_RE.search(low) is not None

    identities: list[str] = []
    asserted: set[str] = set()  # identities with at least one occurrence neither negated nor asked about
    occurrences: list[tuple[int, bool]] = []  # (start, asserted) of every identity occurrence
    denied = False  # some occurrence is negated ("not an asylum seeker"), as opposed to only asked about
    individual = False  # a watch-list / known-to-police identity stated of someone with a copula
    first_ident_pos: int | None = None
    if families:
        for m in _identity_re(families).finditer(low):
            kind = m.lastgroup
            if kind is None:
                continue
            if first_ident_pos is None:
                first_ident_pos = m.start()
            neg = _negated(low, m.start())
            ok = not neg and not _questioned(low, m.start())
            denied = denied or neg
            occurrences.append((m.start(), ok))
            if ok:
                asserted.add(kind)
                if kind in _INDIVIDUAL_FAMILIES and not individual:
                    before = low[max(0, m.start() - _COPULA_WINDOW) : m.start()]
                    individual = _COPULA_BEFORE_RE.search(before) is not None
            if kind not in identities:
                identities.append(kind)
            spans.append(src[m.start() : m.end()].strip())

    role: str | None = None
    best_dist = 1 << 30
    anchor = first_ident_pos if first_ident_pos is not None else 0
    role_spans: list[tuple[int, int]] = []
    if has_role:
        for m in _ROLE_RE.finditer(low):
            kind = m.lastgroup
            if kind is None or (sport and kind == "attacker"):
                continue  # "the attacker scored": football, not an incident
            dist = abs(m.start() - anchor)
            if dist < best_dist:
                role, best_dist = kind, dist
            spans.append(src[m.start() : m.end()])
            role_spans.append((m.start(), m.end()))

    name: str | None = None
    name_negated = False
    name_questioned = False
    if has_role and not sport:
        if same:
            # "<role> is/was <Name>": try the copula + name only right after each role word found
            for start, end in role_spans:
                m = _AFTER_ROLE_NAME_RE.match(text, end)
                if m is None:
                    continue
                cand = _clean_name(m.group("name"))
                if cand:
                    name = cand
                    name_negated = _negated(low, start)
                    name_questioned = _questioned(low, start)
                    spans.append(text[start : m.end()].strip())
                    break
        else:
            for m in _ROLE_IS_NAME_RE.finditer(text):
                cand = _clean_name(m.group("name"))
                if cand:
                    name, name_negated = cand, False
                    spans.append(m.group(0).strip())
                    break
    if name is None and has_named:
        for m in _NAMED_RE.finditer(text):
            cand = _clean_name(m.group("name"))
            if cand:
                name = cand
                name_negated = _negated(low, m.start()) if same else False
                name_questioned = _questioned(low, m.start()) if same else False
                spans.append(m.group(0).strip())
                break

    exhibited = False
    if name is None and identities and asserted and same and first_ident_pos is not None:
        shown = _exhibited_name(text, low, first_ident_pos)
        if shown is not None:
            name, exhibited = shown[0], True
            spans.append(shown[1])

    if name is None and asserted and same:
        shown = _name_subject(text, occurrences)
        if shown is not None:
            name = shown[0]  # the subject of an asserted identity: attributed, as a pronoun subject is
            spans.append(shown[0])

    if not identities and role is None and name is None:
        return _EMPTY

    score = 0.0
    if identities:
        subject = role is not None or name is not None or individual or _SUBJECT_RE.search(low) is not None
        score = IDENTITY_ATTRIBUTED_SCORE if subject else IDENTITY_MENTION_SCORE
        # Each further identity adds evidence ("Muslim asylum seeker who came by boat").
        score = 1.0 - (1.0 - score) * (0.7 ** (len(identities) - 1))
    if name is not None:
        score = max(score, IDENTITY_NAME_SCORE if role is not None else IDENTITY_MENTION_SCORE)
    if exhibited:
        score = max(score, IDENTITY_ATTRIBUTED_SCORE)  # the identity is attributed to the named person
    if not identities and name is None:
        score = IDENTITY_ROLE_ONLY_SCORE

    unasserted = (
        bool(identities or name) and not asserted and (name is None or name_negated or name_questioned)
    )
    negated = unasserted and (denied or name_negated)
    questioned = unasserted and not negated
    if negated:
        score = min(score, IDENTITY_NEGATED_SCORE)
    elif questioned:
        score = min(score, IDENTITY_QUESTIONED_SCORE)
    label = "identity_claim" if score >= IDENTITY_CLAIM_THRESHOLD and not unasserted else None
    seen: set[str] = set()
    uniq = [s for s in spans if not (s.lower() in seen or seen.add(s.lower()))]
    return Signal(
        name=SignalName.IDENTITY_CLAIM,
        score=round(score, 4),
        label=label,
        model=VERSION,
        explanation=tuple(uniq[:_MAX_SPANS]),
        data={
            "role": role,
            "name": name,
            "identities": identities,
            "negated": negated,
            "questioned": questioned,
        },
    )


def extract(texts: list[str], langs: list[str | None]) -> list[Signal]:
    """One ``identity_claim`` signal per text (score 0 and empty ``data`` fields when nothing was found).

    ``langs`` must have the same length as ``texts``; EN and FR patterns both apply to every text
    (see the module docstring for why).
    """
    if len(langs) != len(texts):
        raise ValueError(f"texts and langs differ in length ({len(texts)} != {len(langs)})")
    return [_extract_one(t) for t in texts]
