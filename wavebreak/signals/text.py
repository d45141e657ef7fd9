"""Text normalisation and the cue lexicons every signal shares.

Why normalise before any model: hateful waves dodge keyword filters with
spelling games ("m0zlems", "k.i.l.l", "muuuslims", "#BurnThemOut"). Folding
them to one canonical form lets a small linear model (and the cue lexicons
below) see the same tokens whatever the disguise, so the model does not need
one feature per disguise. Everything here is plain ``re``/``str.translate``
so a batch of 2,048 short posts normalises in a few milliseconds.

The cue lexicons (calls to action, targets, derogation, counter-speech,
reporting, threats) are *features*, not verdicts: :func:`cue_tokens` turns
matches into pseudo-words (``__cta_x_target__``) appended to the text, and the
learned model decides how much each cue weighs. Conjunction cues exist
because a linear model cannot learn "call to action AND a target" by itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache


def literal_trie(words: Iterable[str]) -> str:
    """Regex source matching any of ``words`` (literal strings), written as a character trie.

    Why: Python's ``re`` tries the alternatives of ``a|b|c...`` one after another at every position;
    written as a trie (``a(?:sile|syl|ttack)|b(?:oat|ritish)...``) it tests one character per branch
    and moves on, 2-3x faster on our key lists for the same matches. At each position the longest
    word that matches is returned (longer continuations are tried first and backtrack to shorter
    words), which is what an alternation sorted longest first returns, so ``findall`` gives the
    same list.
    """
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for w in words:
        if not w:
            raise ValueError("literal_trie: empty word")
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
        kids = sorted((ch, sub) for ch, sub in node.items() if ch)
        if not kids:
            return ""
        alts = [re.escape(ch) + emit(sub) for ch, sub in kids]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


# --------------------------------------------------------------------------- normalisation

_URL = re.compile(r"https?://\S+|www\.\S+|@url\b", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_HTML_ENT = re.compile(r"&(amp|lt|gt|quot|#39);")
_HTML_MAP = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#39": "'"}
_REPEAT_VOWEL = re.compile(r"([aiuy])\1{2,}")
_REPEAT = re.compile(r"(\w)\1{2,}")
# single letters separated by . - _ * or spaces, at least 3 of them: "k.i.l.l", "k i l l"
_SPACED = re.compile(r"(?<!\w)(?:[^\W\d_][.\-_*·\s]){2,}[^\W\d_](?!\w)")
_SPACED_SEP = re.compile(r"[.\-_*·\s]")
# a leet character *between* letters ("m0zl3ms", "r4ts", "mu$lims"): leaves "19h", "8pm", "covid19" alone
_LEET_WORD = re.compile(r"[^\W\d_][\w@$]*[0-9@$]+[^\W\d_][\w@$]*")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "8": "b"}
)
_WS = re.compile(r"\s+")
_QUOTE_PAIRS: tuple[tuple[str, str], ...] = (
    ("’", "'"),
    ("‘", "'"),
    ("“", '"'),
    ("”", '"'),
    ("«", '"'),
    ("»", '"'),
)
_TR_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"'})

SPELLING_VARIANTS: dict[str, str] = {
    # deliberate misspellings used to dodge filters -> canonical identity words
    "mozlems": "muslims",
    "mozlem": "muslim",
    "muzlims": "muslims",
    "muzlim": "muslim",
    "moslems": "muslims",
    "moslem": "muslim",
    "muslimz": "muslims",
    "muzzies": "muslims",
    "muzzie": "muslim",
    "musulmans": "musulmans",
    "muzulmans": "musulmans",
    "mizulmans": "musulmans",
    "islamistes": "islamistes",
    "migrunts": "migrants",
    "migr4nts": "migrants",
    "imigrants": "immigrants",
    "immigrents": "immigrants",
    "refujees": "refugees",
    "joos": "jews",
    "jooz": "jews",
    "zjews": "jews",
    "juifz": "juifs",
    "migrans": "migrants",
    "ki11": "kill",
    "kil": "kill",
    "kiil": "kill",
    "bruler": "bruler",
    "cramez": "cramer",
    "dégagez": "degagez",
}
_VARIANT_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, SPELLING_VARIANTS), key=len, reverse=True)) + r")\b"
)


@lru_cache(maxsize=1)
def _combining_re() -> re.Pattern[str]:
    """One character class of every Unicode combining mark (built once, ~0.1 s, on first use).

    Why: removing marks with a C-level ``re.sub`` is ~5x faster than testing
    ``unicodedata.combining`` per character in Python, and posts with emoji
    (non-ASCII) are common, so this runs on a large share of posts.
    """
    marks = [i for i in range(0x110000) if unicodedata.combining(chr(i))]
    ranges: list[tuple[int, int]] = []
    for i in marks:
        if ranges and ranges[-1][1] == i - 1:
            ranges[-1] = (ranges[-1][0], i)
        else:
            ranges.append((i, i))
    cls = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
    )
    return re.compile(f"[{cls}]+")


def fold_accents(text: str) -> str:
    """Strip combining marks from Latin letters ("brûlez" -> "brulez"); Arabic is left intact.

    Why: French hate is written with and without accents, and spelling games
    drop them on purpose; folding makes both one feature. Arabic diacritics are
    optional in writing too, so dropping them is equally harmless there.
    """
    nfd = unicodedata.normalize("NFD", text)
    if nfd.isascii():
        return nfd
    # Why not the regex alone: a ~2,000-range character class costs ~10 µs per post scanned in
    # ``re``, and most non-ASCII posts hold only emoji. The distinct non-ASCII characters (a set
    # difference, in C) are few; only the combining marks among them are deleted, exactly the
    # characters the class matches (both come from ``unicodedata.combining``).
    marks = [c for c in set(nfd) - _ASCII_CHARS if unicodedata.combining(c)]
    if not marks:
        return nfd
    return nfd.translate(dict.fromkeys(map(ord, marks)))


_ASCII_CHARS = frozenset(map(chr, range(128)))


def _unspace(match: re.Match[str]) -> str:
    return _SPACED_SEP.sub("", match.group(0))


def normalise(text: str) -> str:
    """Canonical lower-case form of a post used by every fast-path signal.

    Steps, in order: HTML entities, NFKC (full-width and stylised letters),
    URLs -> ``url``, mentions -> ``@user``, hashtags split on camel case
    (``#BurnThemOut`` -> ``burn them out``), lower-case, quotes unified,
    accents folded, letters spaced by separators re-joined (``k.i.l.l``),
    leetspeak folded inside words mixing letters and digits (``m0zl3ms``),
    runs of 3+ identical letters shortened to 2, known spelling variants mapped.
    """
    return normalise_flag(text)[0]


_HAS_SPACED = re.compile(r"(?<!\w)[^\W\d_][.\-_*·\s][^\W\d_][.\-_*·\s]")
_HAS_RUN = re.compile(r"(\w)\1\1")
_HAS_LETTER_RUN = re.compile(r"([^\W\d_])\1\1")
_HAS_RUN_OR_SPACED = re.compile(_HAS_RUN.pattern + "|" + _HAS_SPACED.pattern)
"""``_HAS_RUN`` or ``_HAS_SPACED`` in one scan (~6 µs where the two cost ~9.5 µs; 2 % of posts hold either)."""
_VARIANT_KEYS = frozenset(SPELLING_VARIANTS)
_VARIANT_TOKEN = re.compile(r"[^\W_]+")
_VARIANT_ANY = re.compile(literal_trie(sorted(_VARIANT_KEYS)))
"""Any spelling variant as a substring: necessary for one to be a whole token, one C scan (~1.5 µs)
where tokenising every post cost ~5 µs; the token test runs only when it finds one."""
_LEET_THEN_LETTER = re.compile(r"[0-9$@][^\W\d_]")
_LEET_LEFT = re.compile(r"[\w@$]")


def _may_have_leet(text: str) -> bool:
    r"""Necessary for a ``_LEET_WORD`` match: the last character of its leet run is followed by a letter
    and preceded by a character of ``[\w@$]`` (the match's first letter or what lies between).

    Why not the plain ``[0-9@$]`` test: every mention becomes the `` @user `` placeholder, whose ``@``
    has a space before it, so a fifth of a stream went to ``_LEET_WORD``, which backtracks over every
    word (~12 µs a post) to find nothing. Digits and ``$`` need no left check (a digit before a letter
    is rare enough); an ``@`` before a letter is checked on its left here, in Python, since one regex
    for both cases starts with a look-behind and scans ~3x slower.
    """
    m = _LEET_THEN_LETTER.search(text)
    while m is not None:
        i = m.start()
        if text[i] != "@" or (i > 0 and _LEET_LEFT.match(text, i - 1) is not None):
            return True
        m = _LEET_THEN_LETTER.search(text, i + 1)
    return False


def normalise_flag(text: str) -> tuple[str, bool]:
    """:func:`normalise` plus whether a de-obfuscation step fired (the fast path's cheap disguise test).

    Why one function: the cascade sends disguised posts (spaced letters, leetspeak,
    letter runs, known misspellings, stylised Unicode letters) to the character
    n-gram model, and the normaliser already knows whether it had to undo one;
    asking it costs nothing, re-detecting would cost a second regex pass.
    Every step is guarded by a cheap ``in``/``isascii`` test so that a plain
    short post (the common case) runs only ``lower``, three regexes and ``split``.
    """
    if not text:
        return "", False
    obfuscated = False
    if "&" in text:
        text = _HTML_ENT.sub(lambda m: _HTML_MAP[m.group(1)], text)
    ascii_in = text.isascii()
    if not ascii_in:
        nfkc = unicodedata.normalize("NFKC", text)
        if nfkc != text:
            obfuscated = obfuscated or nfkc.isascii()  # stylised/full-width letters folded to ASCII
            text = nfkc
    if "://" in text or "www." in text or "WWW." in text or "@url" in text or "@URL" in text:
        text = _URL.sub(" url ", text)
    if "@" in text:
        text = _MENTION.sub(" @user ", text)
    if "#" in text:
        text = _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)) + " ", text)
    text = text.lower()
    if not text.isascii():
        # chained str.replace is C-speed; str.translate with a dict is a Python-level lookup per character
        for q, r in _QUOTE_PAIRS:
            if q in text:
                text = text.replace(q, r)
        text = fold_accents(text)
    # one scan answers "spaced letters or a letter run?" for the common post with neither; the run
    # test is asked again only if unspacing or leet folding changed the text since
    either = _HAS_RUN_OR_SPACED.search(text) is not None
    changed = False
    if either and _HAS_SPACED.search(text):
        new = _SPACED.sub(_unspace, text)
        changed = new != text
        obfuscated = obfuscated or changed
        text = new
    if _may_have_leet(text):
        new = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)
        if new != text:
            changed = obfuscated = True
        text = new
    if (either or changed) and _HAS_RUN.search(text):
        obfuscated = obfuscated or _HAS_LETTER_RUN.search(text) is not None
        text = _REPEAT_VOWEL.sub(r"\1", text)
        text = _REPEAT.sub(r"\1\1", text)
    if _VARIANT_ANY.search(text) is not None and not _VARIANT_KEYS.isdisjoint(_VARIANT_TOKEN.findall(text)):
        new = _VARIANT_RE.sub(lambda m: SPELLING_VARIANTS[m.group(1)], text)
        obfuscated = obfuscated or new != text
        text = new
    return " ".join(text.split()), obfuscated


def normalise_light(text: str) -> str:
    """Lower-case NFKC text without URLs/mentions, accents kept: what language ID needs."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "://" in text or "www." in text or "WWW." in text or "@url" in text or "@URL" in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    return " ".join(text.replace("#", " ").lower().split())


# --------------------------------------------------------------------------- cue lexicons
# Every pattern runs on normalise()d text (lower case, accents folded).


def _alt(words: list[str]) -> str:
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


IDENTITY_GROUPS: dict[str, list[str]] = {
    "muslims": [
        r"muslims?",
        r"islam(?:ic)?",
        r"musulman(?:e|es|s)?",
        r"islam",
        r"mosques?",
        r"mosquees?",
    ],
    "migrants": [
        r"migrants?",
        r"immigrants?",
        r"asylum seekers?",
        r"refugees?",
        r"immigres?",
        r"demandeurs? d'asile",
        r"refugies?",
        r"exiles",
        r"small boats? arrivals?",
        r"boat people",  # eighth session (H2): the pejorative name such calls use for asylum seekers
    ],
    "jews": [r"jews?", r"jewish", r"juifs?", r"juives?", r"synagogues?"],
    "black_people": [r"black (?:people|men|women|folks|community)", r"noirs?", r"noires?", r"africains?"],
    "women": [r"women", r"woman", r"girls", r"femmes?", r"filles"],
    "lgbt": [
        r"gays?",
        r"lesbians?",
        r"lgbtq?\+?",
        r"trans (?:people|women|men|folks)",
        r"transgenres?",
        r"homosexuel(?:le)?s?",
        r"queers?",
    ],
    "arabs": [r"arabs?", r"arabes?"],
    "asians": [r"asians?", r"asiatiques?"],
    "disabled": [r"disabled people", r"handicapes?"],
}
GROUP_RE: dict[str, re.Pattern[str]] = {
    g: re.compile(r"\b" + _alt(ws) + r"\b") for g, ws in IDENTITY_GROUPS.items()
}
ANY_GROUP = re.compile(r"\b" + _alt([w for ws in IDENTITY_GROUPS.values() for w in ws]) + r"\b")
PLACE_TARGET = re.compile(
    r"\b(?:mosques?|mosquees?|synagogues?|(?:asylum |migrant |refugee )?hotels?|hotel (?:des|de) migrants|"
    r"(?:asylum|refugee|migrant) (?:centre|center|hostel)s?|centre d'accueil|foyers?(?: de migrants)?|"
    r"cada|hostels?|their (?:homes?|houses?|shops?)|leurs? (?:maisons?|magasins?))\b"
)
PRONOUN_TARGET = re.compile(r"\b(?:them|they|those people|these people|eux|les|ces gens|tous)\b")

CALL_TO_ACTION = re.compile(
    r"\b(?:burn(?:ing)? (?:it|them|the \w+|down|out)|burn (?:\w+ )?(?:down|out)|torch|set fire|"
    r"(?:kill|slaughter|exterminate|eradicate|wipe out|hang|shoot|stab|gas) (?:them|all|every|the|these|those)|"
    r"kill (?:all|every)|get rid of (?:them|all|the|these|those)|remove them|drive them out|kick them out|"
    r"throw them out|send them (?:all )?back|deport (?:them|all|every)|round (?:them|\w+) up|"
    r"string them up|smash (?:it|the|their|them)|storm (?:the|it)|attack (?:the|them|their|it)|"
    r"(?:let's|lets|we (?:must|should|need to|have to|gotta|will)|time to|everyone|go) "
    r"(?:go |get |head |march )?(?:to |down to )?(?:burn|attack|smash|storm|clear|kill|remove|visit|torch|"
    r"destroy|hunt|find|sort|show|teach|deal with|take back|drive|kick|wreck|trash)|"
    r"tonight we|take to the streets|take back our streets|hunt (?:them|down)|"
    r"needs? (?:burning|torching|smashing)|torching|smash (?:every|all|each)|"
    r"bring (?:bricks|bats|petrol|weapons|knives|matches)|by force|wipe (?:them|\w+) out|"
    r"(?:muslims|migrants|immigrants|refugees|asylum seekers|jews|foreigners|invaders) out\b|"
    r"(?:make|force) them (?:leave|go)|drag (?:them|every|all|the)|throw (?:them|every|all) out|"
    r"dehors (?:les|tous)|(?:les|tous les) \w+ dehors|(?:on|il faut) (?:la|le|les) (?:raser|rase|bruler|brule)|"
    r"raser|rasons|jetons[- ]les|jetez[- ]les|pav[e]s|essence|battes|(?:faire|faites) partir|"
    r"par la force|prenons d'assaut|prendre d'assaut|sortez[- ](?:les|tous)|sortons[- ]les|"
    r"(?:bruler|brulons|brulez|cramer|cramons|crame[sz]?|incendier|incendions|incendiez)|mettre le feu|"
    r"mettez le feu|mettons le feu|foutez le feu|"
    r"(?:tuer|tuons|tuez|eliminer|eliminons|eliminez|exterminer|exterminons|virer|virons|virez|chasser|"
    r"chassons|chassez|expulser|expulsons|expulsez|degager|degageons|degagez|attaquer|attaquons|attaquez|"
    r"renvoyer|renvoyons|renvoyez|defoncer|defoncons|casser|cassons|cassez)(?:[- ](?:les|la|le|tous|toutes|"
    r"eux))?|"
    r"(?:il faut|faut) (?:les |tous les |la |le )?(?:tuer|virer|chasser|bruler|eliminer|expulser|"
    r"renvoyer|degager|attaquer|exterminer|cramer|pendre|abattre)|"
    r"tous (?:a|à) la mosquee|tous devant|rendez-vous (?:devant|a)|on y va ce soir|descendons dans la rue|"
    # signals round 6: calls stated plainly, written from the definition of incitement (burning a building
    # and the people in it, hunting/chasing/clearing people out, lynching, arming), EN then FR; the
    # prescriptive passive ("should be hunted down", "doivent etre chasses") is how many such calls are
    # phrased. Features, not verdicts: the same verbs occur in news of a fire or a court case, and the
    # model weighs them with the reporting/counter conjunctions.
    r"burn (?:\w+ ){0,4}to the ground|raze|razing|set (?:\w+ ){1,4}(?:alight|ablaze|on fire)|petrol bombs?|"
    r"fire ?bombs?|molotovs?|hunt (?:\w+ ){1,3}(?:down|out)|string (?:\w+ )?up|lynch(?:ing|ed)?|"
    r"(?:should|must|need to|needs to|deserve to|deserves to|ought to|has to|have to|got to) (?:all )?be "
    r"(?:hunted|chased|driven out|dragged|burn(?:ed|t)|torched|strung up|hanged|hung|lynched|shot|killed|"
    r"wiped out|exterminated|beaten|hounded|smoked out|razed|kicked out|thrown out|burnt out|burned out)|"
    r"(?:chase|drive|clear|smoke|hound|turf|boot|run|hunt) (?:\w+ ){1,4}out of (?:our|this|the|every|their|my)|"
    r"(?:chase|clear|smoke|hound|turf|boot) (?:them|(?:every|all|the|these|those)(?: last)? \w+) out|"
    r"(?:bring|grab|get|pack|carry) (?:your |some |the )?(?:weapons|knives|blades|machetes|crowbars|iron bars|"
    r"guns)|arm yourselves|make (?:them|these \w+|those \w+|the \w+) pay|"
    r"beat (?:the (?:shit|hell|crap)|seven bells) out of|"
    r"(?:reduire|reduisez|reduisons|reduit|reduite) (?:\w+ ){0,4}en cendres|lynch(?:er|ez|ons|age)|"
    r"(?:pendez|pendons)(?:[- ]les)?|(?:deloger|delogez|delogeons)|(?:traquer|traquez|traquons)(?:[- ]les)?|"
    r"(?:on|nous) les (?:chasse|vire|degage|brule|crame|pend|lynche|deloge|expulse|elimine|bute|tue|traque)|"
    r"(?:faites|faisons)[- ]leur payer|leur faire payer|cocktails? molotov|barres? de fer|armez[- ]vous|"
    r"armons[- ]nous|prenez (?:les|vos) armes|"
    r"(?:doivent|devraient|meritent d')(?: tous)? etre (?:chasses|pendus|brules|expulses|elimines|abattus|"
    r"lynches|tues|traques|deloges|vires))\b"
)
DEROGATION = re.compile(
    r"\b(?:vermin|rats?|parasites?|cockroach(?:es)?|animals|savages?|filth(?:y)?|scum|subhumans?|"
    r"invaders?|disease|plague|cancer|infestation|perverts?|degenerates?|freaks?|groomers?|paedos?|"
    r"disgusting|too stupid|too dumb|"
    r"pervers|degenerees?|degoutant(?:e|s|es)?|trop (?:betes|cons)|maladie|breed like|rapists|terrorists all|diseased|"
    r"dirty|inferior|pigs?|dogs|monkeys?|apes?|trash|garbage|criminals|primitive|barbarians?|"
    r"don't belong|do not belong|not welcome|go back to|should (?:all )?(?:be|go)|"
    r"vermine|cafards?|sauvages?|sous-hommes?|envahisseurs?|racailles?|singes?|porcs?|chiens|"
    r"sales?|betes|ordures?|dechets|barbares?|rien a faire ici|retournez|rentrez chez (?:vous|eux)|"
    r"pas leur place|inferieur(?:e|s|es)?|violeurs|primitifs?|nuisibles?|grand remplacement)\b"
)
THREAT = re.compile(
    r"\b(?:i(?:'m| am)? (?:will|gonna|going to|'ll) (?:kill|hurt|find|shoot|stab|beat|get|end|destroy|"
    r"hunt)|i'll (?:kill|hurt|find|shoot|stab|beat|get|end|destroy|hunt)|"
    r"(?:you(?:'re| are)|ur|u r) (?:dead|finished|next|going to (?:die|pay|regret))|"
    r"you(?:'ll| will) (?:pay|regret|die|be sorry|get what)|watch your back|"
    r"(?:we|i) know where you (?:live|work|sleep)|your days are numbered|"
    r"(?:something|accident) (?:bad )?(?:might|could|will) happen|shame if something happened|"
    r"wouldn't want anything to happen|sleep with one eye open|coming for you|see you soon|"
    r"someone should (?:kill|shoot|stab|hurt|deal with|teach)|deserves? (?:a bullet|to die|to be shot)|"
    r"je vais (?:te|vous|la|le|les) (?:tuer|buter|retrouver|defoncer|frapper|egorger|crever|planter)|"
    r"(?:t'es|tu es|vous etes) (?:mort|morts|finis?)|tu vas (?:le )?(?:payer|regretter|crever|mourir)|"
    r"vous allez (?:payer|regretter|crever|mourir)|fais gaffe|fais attention a toi|"
    r"(?:on|je) sai[st] ou (?:tu (?:habites|vis|dors|travailles)|vous habitez)|"
    r"on va (?:te|vous) (?:retrouver|tuer|faire payer|buter)|tes jours sont comptes|"
    r"quelqu'un devrait (?:te|le|la|les) (?:tuer|buter|frapper)|merite une balle|a bientot|"
    r"(?:pity|shame) if|would hate for (?:something|anything)|know (?:where|which|what) (?:\w+ ){0,3}"
    r"(?:live|school|house|street|address|car|work)|(?:got|have) your address|have (?:an )?accidents?|"
    r"end up in (?:hospital|a ditch|the morgue)|find out what happens|see what happens|"
    r"won't be (?:smiling|laughing|around|talking) for long|teach (?:\w+ )?(?:a )?lesson|"
    r"(?:careful|watch out) (?:walking|going) home|we're coming|coming for|shut (?:\w+ ){1,2}up permanently|"
    r"break your (?:legs|face|neck|arms)|"
    r"(?:dommage|bete) qu'(?:il|elle)|sai[st] dans quelle|(?:on a|j'ai) ton adresse|"
    r"ont (?:souvent )?des accidents|finissent a l'hopital|tu (?:vas )?verr?as ce qui|"
    r"ne souriras plus|donner une lecon|on arrive|faire taire (?:\w+ ){1,2}pour de bon|"
    r"te (?:casser|peter) (?:les|la)|je vais te (?:trouver|casser|peter)|"
    r"faire attention en rentrant)\b"
)
COUNTER = re.compile(
    r"\b(?:condemn(?:s|ed|ing)?|unacceptable|disgusting to|shameful|shame on|appalling|stop (?:saying|calling|"
    r"spreading|blaming|hating|posting|sharing)|stand (?:against|with|together|united)|no place for|"
    r"is (?:racist|hateful|hate speech|bigotry|islamophobic|antisemitic|xenophobic)|that's racist|"
    r"(?:is|are) wrong to|it's wrong|reported (?:this|it|them)|report (?:this|these)|"
    r"don't (?:say|call|blame)|do not (?:say|call|blame)|calling (?:for|them)|"
    r"people (?:saying|claiming|calling)|those who (?:say|call|claim)|anyone (?:saying|who says)|"
    r"not acceptable|won't tolerate|will not tolerate|solidarity|we stand|"
    r"this (?:isn't|is not) (?:us|who we are)|not in (?:our|my) name|(?:don't|do not) speak for|"
    r"part of the problem|you are the problem|racists? (?:saying|shouting|chanting|who)|pogroms?|bigotry|"
    r"protect (?:it|them|the|our)|makes? me sick|feel sick|blocked and reported|"
    r"ce n'est pas nous|pas en (?:notre|mon) nom|ne parlent? pas (?:au nom|pour)|le probleme c'est toi|"
    r"partie du probleme|les racistes|racisme|proteger|nausee|me degoute|ca me degoute|"
    r"condamn(?:e|ons|ez|er|ent)|inacceptable|honteu(?:x|se)|honte a|scandaleu(?:x|se)|"
    r"arretez de|arreter de|stop aux?|pas de place pour|solidaires?|solidarite|"
    r"c'est (?:raciste|de la haine|islamophobe|antisemite|xenophobe)|(?:est|sont) racistes?|"
    r"ceux qui (?:disent|appellent|traitent)|il ne faut pas (?:dire|appeler)|ne dites pas|"
    r"on ne (?:dit|traite) pas|ne tolererons pas|intolerable|signale[sz]?|"
    # denial framing: the post states the hateful claim in order to reject it
    r"(?:is|are) a lie|lies? told|(?:false|wrong|cruel) (?:and \w+ )?to say|nobody (?:here )?(?:thinks|believes)|"
    r"mensonges?|(?:faux|cruel) (?:et \w+ )?de dire|personne (?:ici )?ne (?:pense|croit)|"
    # signals round 6: condemning a call to violence rather than issuing it
    r"(?:has|have) no place (?:here|in)|anyone (?:calling|urging|telling|inciting)|calls (?:to|for) (?:violence|"
    r"\w+ (?:to|the|them))|is a thug|are thugs|thugs?,? not|(?:n'ont|n'a) pas leur place|ceux qui appellent)\b"
)
REPORTING = re.compile(
    r"\b(?:police (?:are|is|have|say|said)|(?:was|were|has been|have been) (?:charged|arrested|convicted|"
    r"jailed|sentenced)|the court heard|according to|reports? (?:say|said|that)|investigat(?:ing|ion)|"
    r"prosecutors?|(?:posts?|messages?|tweets?|comments?) (?:saying|calling|said|that said)|"
    r"quoted|headline|journalists?|article|news|(?:he|she|they) (?:wrote|posted|tweeted)|"
    r"la police|a ete (?:condamne|arrete|inculpe|interpelle)|ont ete (?:condamnes|arretes)|selon|"
    r"le tribunal|le parquet|enquete|des messages (?:appelant|disant)|a publie|ont publie|journaliste|"
    # signals round 6: headline wording with no auxiliary ("man jailed for posts urging ...")
    r"(?:jailed|charged|arrested|convicted|sentenced|fined|cautioned) (?:for|over|after|with)|"
    r"appeal(?:ing|s|ed)? for (?:information|witnesses)|(?:condamne|interpelle|poursuivi|arrete|"
    r"inculpe)(?:e|s|es)? (?:pour|apres)|appel a temoins)\b"
)
NEGATION = re.compile(
    r"\b(?:not|never|no|aren't|isn't|don't|doesn't|nobody|no one|ne|n'|pas|jamais|personne|aucun)\b"
)
ABUSE = re.compile(
    r"\b(?:idiot|moron|stupid|dumb|loser|pathetic|clown|shut up|stfu|ugly|fat|retard(?:ed)?|"
    r"piece of (?:shit|crap)|scumbag|twat|dickhead|bastard|imbecile|idiote?s?|cretins?|connard|connasse|"
    r"abruti|debile|ferme ta gueule|ta gueule|ftg|nul(?:le)?|bouffon|minable|pauvre con|batard|"
    r"gros(?:se)? (?:porc|vache)|moche)\b"
)
SECOND_PERSON = re.compile(r"\b(?:you|your|you're|ur|u|tu|toi|ton|ta|tes|t'es|vous|votre)\b")


# --- implicit mobilisation (signals round 3). The most-viewed incitement in a riot wave is rarely a slur:
# it is a place + a time + a rallying or arming phrase ("the hotel, 7pm tomorrow, bring everything you've
# got"), or a call to expel people by force ("round them up and put them on a boat"). Each part alone is
# everyday language (a charity collection at the mosque at 7pm, a vigil "be there tonight", a match "bring
# everything you've got lads"), so the lexicons only emit cues and their conjunctions; the model learns the
# weights from templates that contain both the calls and their benign look-alikes.
RALLY = re.compile(
    r"\b(?:bring (?:everything|whatever|all) (?:you(?:'ve| have)? ?(?:got|have|can (?:carry|find|get))|we've got)|"
    r"bring (?:your|the) (?:mates|lads|boys)|be there|see you (?:all )?there|let's show (?:them|these|those)|"
    r"show them (?:whose|who(?:'s)?|what)|time (?:they|them|these \w+) (?:felt|learn[te]d?|paid|got)|"
    r"(?:felt|feel) what (?:our|my) (?:kids|children|girls|daughters)|no more (?:talking|talk|words|vigils|"
    r"candles|flowers|waiting|excuses)|enough (?:talk(?:ing)?|is enough|candles|vigils)|tooled up|"
    r"come (?:ready|prepared|equipped|armed|mob handed)|masks? on|hoods? up|cover your faces?|"
    r"you know what (?:to do|needs doing|has to happen)|(?:they|them) need to (?:feel|learn|pay|know)|"
    r"take (?:back )?(?:our|the) (?:streets|town|country)|it's (?:our turn|time lads)|spread the word|"
    r"(?:we|lads) (?:go|move) in|finish (?:this|it|the job)|get the message|"
    r"soyez (?:la|presents|nombreux)|venez (?:avec tout|equipes|prepares|armes|nombreux|en nombre)|"
    r"(?:avec|ramenez|apportez) tout ce que (?:vous avez|tu as|vous pouvez)|fini (?:de parler|les discours|"
    r"les bougies|les marches)|assez (?:parle|de discours|de bougies)|montrons(?:-leur| leur| a ces| a ses)|"
    r"qu'ils (?:ressentent|sentent|payent|paient|comprennent)|ce que nos (?:enfants|filles|gosses)|"
    r"vous savez (?:quoi faire|ce qu'il (?:reste a|faut) faire)|cagoules?|ramenez vos (?:potes|gars|amis)|"
    r"de quoi (?:cogner|frapper|se defendre|se battre)|plus de (?:bougies|marches blanches|discours|paroles)|"
    r"(?:on passe|passons) a l'action|faites tourner|on finit le travail|"
    # signals round 6: "the time for talk is over" phrases (innocent alone: diets, sport, petitions)
    r"(?:today|tonight|tomorrow|now|this weekend|saturday|sunday) we (?:act|strike|rise|move|fight back|"
    r"hit back)|time to act|we act (?:now|tonight|tomorrow)|(?:show )?no mercy|take matters into (?:our|your) "
    r"own hands|trop c'est trop|(?:passer|passons|on passe) aux actes|(?:pas de|sans) pitie|"
    r"(?:demain|ce soir|samedi|dimanche|maintenant) on (?:agit|frappe|y va)|(?:se faire|faisons|faire) "
    r"justice (?:nous-memes|soi-meme|nous memes)|il est temps d'agir|"
    # eighth session (H2), from the definition of intimidation and of "the end of the talking": making
    # people afraid to stay, and finishing what a crowd started (innocent alone: films, chores, a match)
    r"make (?:them|sure (?:they|they're|they are)) (?:\w+ )?(?:afraid|scared|terrified|frightened)|"
    r"(?:they(?:'re| are|'ll be| will be)?|them) (?:too|so) (?:scared|afraid|frightened) to (?:ever )?"
    r"(?:come back|step out|leave|go out|walk|stay)|"
    r"never feel safe|finish what (?:we|you) started|(?:we|let's|lets) end (?:it|this|them)\b|"
    r"we finish (?:it|this|them|the job)|finish them|"
    r"qu'ils aient (?:tous )?peur|(?:faire|faites|faisons)[- ]leur peur|ne se sentent plus en securite|"
    r"on en finit|(?:on|et on) regle (?:ca|le probleme|leur compte)|(?:on termine|terminons|on finit|finissons) "
    r"le (?:travail|boulot))\b"
)
"""Rallying or arming phrases (EN, FR) of a mobilisation call; innocent alone (matches, vigils)."""
EXPEL = re.compile(
    r"\b(?:rounded up|round (?:them|\w+) (?:all )?up|(?:put|throw|stick) (?:them |\w+ )?(?:all )?on (?:a|the) "
    r"(?:boat|plane)s?|(?:send|ship|boat) (?:them|the lot|\w+) (?:all )?back|get (?:them|these|those|the \w+) "
    r"(?:all )?out|(?:kick|throw|drive|force|drag) (?:them|the lot) (?:all )?out|out of our (?:town|country|"
    r"streets)|by force|a degager|(?:dehors|virez)(?:[- ]les)?|par la force|dans un bateau|"
    r"(?:renvoyer|renvoyez|renvoyons)(?:[- ]les)? (?:chez eux|d'ou ils viennent)|(?:les )?mettre (?:tous )?"
    r"dans (?:un|des) (?:bateaux?|avions?)|foutre dehors|"
    # eighth session (H2): expulsion slogans naming a group and a place ("no migrants in our town",
    # "plus un seul réfugié dans ce village")
    r"(?:no|no more|not one more|not a single|not another) (?:more )?"
    + _alt([w for w in IDENTITY_GROUPS["migrants"] + IDENTITY_GROUPS["muslims"][:4]])
    + r" (?:in|on|at) (?:our|my|this|these)|(?:pas de|plus de|plus un seul|plus une seule|plus aucun|aucun|zero) "
    + _alt([w for w in IDENTITY_GROUPS["migrants"] + IDENTITY_GROUPS["muslims"][:4]])
    + r" (?:a|dans|chez|en) (?:nos|notre|ce|cette|ces|mon|ma|mes))\b"
)
"""Calls to expel people by force ("should be rounded up and put on a boat", "à dégager par la force")."""
MOB_PLACE = re.compile(
    r"\b(?:mosques?|mosquees?|synagogues?|hotels?|holiday inn|hostels?|foyers?|centre d'accueil|cada|"
    r"(?:asylum|refugee|migrant) (?:centre|center)s?|town (?:centre|center|hall|square)|city (?:centre|center)|"
    r"high street|centre-ville|centre ville|mairie|prefecture|gare|station|roundabout|car park|"
    r"\w+ (?:road|street|lane|avenue|parade)|rue (?:de |du |des )?\w+|avenue \w+|place (?:de |du )?\w+|"
    r"outside (?:the|their|it)|devant (?:la|le|l'|les|leur|chez))\b"
)
"""Places a mobilisation call points to: places of worship, lodging of asylum seekers, town centres, streets."""
MOB_TIME = re.compile(
    r"\b(?:tonight|tomorrow|this (?:evening|weekend|afternoon|morning)|(?:mon|tues|wednes|thurs|fri|satur|sun)"
    r"days?|after (?:friday )?prayers|\d{1,2}(?:[:.]\d\d)? ?(?:pm|am)|\d{1,2}(?:[:.]\d\d)|at \d{1,2}|"
    r"ce soir|demain|cette nuit|ce week-end|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"apres la priere|\d{1,2} ?h(?:\d\d)?|a \d{1,2})\b"
)
"""Time expressions of a meeting call ("7pm tomorrow", "tonight", "ce soir à 19h")."""
BENIGN_PURPOSE = re.compile(
    r"\b(?:charity|collection|donations?|donate|food bank|fundrais\w*|vigils?|candles?|memorial|minute'?s "
    r"silence|peaceful(?:ly)?|no violence|non-violent|stay (?:calm|peaceful|safe)|(?:everyone|all) (?:is |are )?"
    r"welcome|open (?:day|evening|house)|volunteers?|match|kick ?off|quiz|gig|concert|training|clean[- ]?up|"
    r"interfaith|human chain|link arms|protect|bake sale|banners|prayers for|flowers for|"
    r"collecte|dons?|banque alimentaire|marche blanche|bougies?|pacifique(?:ment)?|sans violence|dans le calme|"
    r"bienvenue?s?|portes ouvertes|benevoles|coup d'envoi|tournoi|nettoyage|proteger|chaine humaine|hommage|"
    r"recueillement|minute de silence)\b"
)
"""Purposes that make a meeting call benign (charity, vigil, sport, peaceful protest, protecting a place)."""

NEGATED_DEROGATION = re.compile(
    r"\b(?:not|never|aren't|isn't|ain't|pas|jamais|plus)\s+(?:(?:a|an|the|all|just|simply|really|des|de|du|"
    r"la|le|les|un|une|tous|toutes)\s+)?" + DEROGATION.pattern
)
"""A derogatory term directly negated ("X are not vermin", "ne sont pas des rats"): only a copula
or an article may sit between the negation and the term, so "don't belong, filthy rats" is not
read as negated."""

RISK_CUES = frozenset(
    ["__group__", "__place__", "__cta__", "__derog__", "__threat__", "__abuse__", "__rally__", "__expel__"]
)
"""Cues that send a post to the full (char n-gram) model: a target or a harm word is present, so
the cheap word model's verdict is not trusted alone."""


@lru_cache(maxsize=1)
def cue_names() -> tuple[str, ...]:
    """Every pseudo-word :func:`cue_list` can emit (documentation and explanations)."""
    return tuple(CUE_LABELS)


CUE_LABELS: dict[str, str] = {
    "__group__": "mentions a protected group",
    "__place__": "names a place (mosque, hotel housing asylum seekers, ...)",
    "__cta__": "call to action",
    "__cta_x_target__": "call to action against a group or place",
    "__derog__": "derogatory term",
    "__group_x_derog__": "derogatory term about a protected group",
    "__neg_derog__": 'negated derogatory term ("are not ...")',
    "__threat__": "threat phrase",
    "__threat_x_you__": "threat addressed to someone",
    "__counter__": "counter-speech cue (condemning, opposing)",
    "__counter_x_group__": "counter-speech about a group",
    "__counter_x_derog__": "condemns or quotes a derogatory term",
    "__counter_x_cta__": "condemns or quotes a call to action",
    "__reporting__": "reporting cue (news, police, court)",
    "__reporting_x_derog__": "reports a derogatory statement",
    "__reporting_x_cta__": "reports a call to action",
    "__neg_x_derog__": "negation near a derogatory term",
    "__abuse__": "insult",
    "__abuse_x_you__": "insult addressed to someone",
    "__quote__": "quotes someone else's words",
    "__rally__": "rallying or arming phrase",
    "__rally_x_place__": "rallying phrase naming a place",
    "__rally_x_time__": "rallying phrase naming a time",
    "__mobilise__": "call to gather at a place and time with a rallying phrase",
    "__benign_purpose__": "benign purpose (charity, vigil, sport, peaceful protest)",
    "__benign_x_rally__": "rallying phrase with a benign purpose",
    "__expel__": "call to expel people by force",
    "__expel_x_target__": "call to expel a group by force",
    "__counter_x_mobilise__": "condemns or quotes a mobilisation or expulsion call",
    "__reporting_x_mobilise__": "reports a mobilisation or expulsion call",
}
_QUOTE_OPEN = re.compile(r"(?:^|\s)'\w")


# --------------------------------------------------------------------------- literal gate
# Each cue pattern is "\b(?:many alternatives)": Python's engine tries every alternative at every
# word start, ~3-5 µs per pattern per post. Every alternative begins with a literal word prefix, so
# the set of possible 3-4 character prefixes of a match is small and can be computed from the
# compiled pattern itself (no hand-written list to keep in sync). A post whose word starts share no
# prefix with a pattern cannot match it, and the search is skipped. The gate is exact (never skips
# a match): prefixes are derived from the parse tree, and the test suite checks it on real posts.

_GATE_K = 6
_GATE_CAP = 20_000


def _charset(av: list[tuple[object, object]]) -> set[str] | None:
    from re import _constants as K  # type: ignore[attr-defined]

    out: set[str] = set()
    for op, a in av:
        if op is K.LITERAL:
            out.add(chr(a))  # type: ignore[arg-type]
        elif op is K.RANGE and a[1] - a[0] <= 64:  # type: ignore[index, operator]
            out.update(chr(c) for c in range(a[0], a[1] + 1))  # type: ignore[index, operator]
        else:
            return None
    return out


def _prefixes(seq: list[tuple[object, object]], k: int) -> set[str] | None:
    r"""Strings one of which every match of ``seq`` starts with: length k, or shorter where a match can
    end sooner or the next position is unbounded (``\w``, ``.``, negated classes: the prefix stops
    there, which is still a necessary condition). None when the set grows past a cap.
    """
    from re import _constants as K  # type: ignore[attr-defined]

    if k == 0 or not seq:
        return {""}
    op, av = seq[0]
    rest = seq[1:]
    if op is K.AT or op in (K.ASSERT, K.ASSERT_NOT):
        return _prefixes(rest, k)
    if op is K.LITERAL or op is K.IN:
        chars = {chr(av)} if op is K.LITERAL else _charset(av)  # type: ignore[arg-type]
        if chars is None:
            return {""}
        tails = _prefixes(rest, k - 1)
        if tails is None or len(chars) * len(tails) > _GATE_CAP:
            return None
        return {c + t for c in chars for t in tails}
    out: set[str] = set()
    if op is K.BRANCH:
        alts = [list(alt) + rest for alt in av[1]]  # type: ignore[index]
    elif op is K.SUBPATTERN:
        alts = [list(av[3]) + rest]  # type: ignore[index]
    elif op in (K.MAX_REPEAT, K.MIN_REPEAT):
        lo, hi, sub = av  # type: ignore[misc]
        alts = [list(sub) * j + rest for j in range(lo, max(lo, min(hi, k)) + 1)]
    else:
        return {""}
    for alt in alts:
        r = _prefixes(alt, k)
        if r is None:
            return None
        out |= r
        if len(out) > _GATE_CAP:
            return None
    return out


def _gate(pattern: re.Pattern[str], k_max: int = _GATE_K) -> dict[int, frozenset[str]] | None:
    """Prefix sets of ``pattern`` by length (the longest k <= k_max that stays small), or None if ungateable."""
    from re import _parser as P  # type: ignore[attr-defined]

    if pattern.flags & re.IGNORECASE:
        return None
    parsed = list(P.parse(pattern.pattern, pattern.flags))
    for k in range(k_max, 2, -1):
        pre = _prefixes(parsed, k)
        if pre is None:
            continue
        if any(len(x) < 3 or not (x[0].isalnum() or x[0] == "_") for x in pre):
            return None  # a 1-2 character prefix would let almost every post through: not worth a gate
        by_len: dict[int, set[str]] = {}
        for x in pre:
            by_len.setdefault(len(x), set()).add(x)
        return {n: frozenset(v) for n, v in sorted(by_len.items())}
    return None


_GATE_BIT: dict[int, int] = {}
"""id(pattern) -> its bit in the gate table (the cue patterns :func:`cue_list` gates)."""


_SCAN_K = 16
"""Longest literal prefix the cue scanner's table holds per pattern (:func:`_gate_scanner` matches
prefixes of any length, unlike the 6-character word-start slices of signals round 3). Measured on the
bench stream (signals round 5): with 6 characters a third of posts reached the call-to-action search on
words like "asylum", "attack" or "tonight" alone; with 16 ("asylum seekers out", "attack the") 3 %,
and the ten cue searches cost ~5 µs a post instead of ~16 µs, the scan itself unchanged (~5.5 µs).
Longer prefixes than 16 changed nothing there."""


@lru_cache(maxsize=1)
def _gate_table() -> tuple[dict[str, int], int]:
    """(literal prefix -> bitmask of the cue patterns it can start, bits of ungateable patterns).

    Why one table for all cue patterns: asking each pattern's prefix set in turn cost ten
    ``isdisjoint`` calls plus building the set of a post's slices; OR-ing the bits of the prefixes
    found gives all ten gate answers at once. Prefixes are up to ``_SCAN_K`` characters long, read
    from each pattern's parse tree, so the gate never skips a match (the tests check it on posts).
    """
    table: dict[str, int] = {}
    always = 0
    gated = (
        ANY_GROUP,
        PLACE_TARGET,
        CALL_TO_ACTION,
        DEROGATION,
        THREAT,
        ABUSE,
        COUNTER,
        REPORTING,
        RALLY,
        EXPEL,
    )
    for bit, rx in enumerate(gated):
        _GATE_BIT[id(rx)] = 1 << bit
        g = _gate(rx, _SCAN_K)
        if g is None:
            always |= 1 << bit
            continue
        for x in {y for v in g.values() for y in v}:
            table[x] = table.get(x, 0) | (1 << bit)
    return table, always


def prefix_gate(pattern: re.Pattern[str], k_max: int = _GATE_K) -> re.Pattern[str] | None:
    """A cheap regex that finds a match start of ``pattern`` wherever ``pattern`` can match; None if
    no such gate can be derived.

    Built from the literal prefixes of every match (read from the compiled pattern's parse tree, as
    for the cue gate above, so no hand-kept key list can drift) as a :func:`literal_trie`, anchored
    on a word boundary when the pattern itself starts with one. Exact: ``gate.search(t) is None``
    implies ``pattern.search(t) is None``. Why: a large alternation such as the rumour markers costs
    ~15 µs a post to scan, its gate ~3 µs, and most posts carry no marker. ``k_max``: the longest
    prefix kept (longer prefixes let fewer posts through when a pattern has alternatives that start
    with everyday words, e.g. "that is wrong", "never happened"; the trie stays exact either way).
    """
    from re import _constants as K  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]

    g = _gate(pattern, k_max)
    if g is None:
        return None
    parsed = list(P.parse(pattern.pattern, pattern.flags))
    bound = bool(parsed) and parsed[0] == (K.AT, K.AT_BOUNDARY)
    src = literal_trie(sorted({x for v in g.values() for x in v}))
    return re.compile((r"\b" if bound else "") + f"(?:{src})", pattern.flags)


@lru_cache(maxsize=1)
def _gate_scanner() -> tuple[re.Pattern[str], dict[str, int], int]:
    """(scanner, prefix -> bitmask of the cue patterns it can start, bits of ungateable patterns).

    The scanner finds, at every word start, the longest prefix of the gate table that the text
    holds there (a :func:`literal_trie` in a look-ahead, so word starts inside a matched prefix are
    still visited); ``mask_of`` ORs the bits of that prefix and of its shorter prefixes in the
    table: every table prefix the text holds at that word start is one of those. ~6 µs a post where
    the round-3 slices (one regex match, four slices and four dict look-ups per word, in Python)
    cost ~17 µs, and the longer prefixes it allows let a tenth as many posts through to the searches.
    """
    table, always = _gate_table()
    word = re.compile(r"\w")
    mask_of: dict[str, int] = {}
    for key in table:
        if not word.match(key[0]):  # a prefix must start a word for the scanner to see it
            return re.compile(r"(?!)"), {}, (1 << len(_GATE_BIT)) - 1
        bits = 0
        for n in range(3, len(key) + 1):
            bits |= table.get(key[:n], 0)
        mask_of[key] = bits
    if not table:
        return re.compile(r"(?!)"), {}, always
    return re.compile(r"\b(?=(" + literal_trie(sorted(table)) + "))"), mask_of, always


def cue_list(norm: str) -> list[str]:
    """Pseudo-words for the lexicon cues found in normalised text.

    The conjunctions are what carry the behavioural signal a bag of n-grams
    misses: "burn" is fine in a recipe, "burn" + "the hotel" is incitement;
    "vermin" about pests is fine, "vermin" + "migrants" is hate, and both
    flip when the post condemns, reports or directly negates them
    (``__counter_x_derog__``, ``__reporting_x_cta__``, ``__neg_derog__``: a
    negated term does not also emit ``__group_x_derog__``). Conjunction-only
    patterns (pronoun targets, negation, second person) run only when their
    parent cue fired, so a post with no cue pays for eight searches.
    """
    out: list[str] = []
    scan, mask_of, mask = _gate_scanner()
    for x in scan.findall(norm):  # the gate table's prefixes found at word starts
        mask |= mask_of[x]
    if not mask:
        # no cue pattern can match (most posts): every search below would be skipped by ``hit``, and
        # every conjunction needs its parent cue; only the quote cue, which is not gated, remains
        if '"' in norm or ("'" in norm and _QUOTE_OPEN.search(norm)):
            return ["__quote__"]
        return out

    def hit(rx: re.Pattern[str]) -> bool:
        return bool(mask & _GATE_BIT[id(rx)]) and rx.search(norm) is not None

    group = hit(ANY_GROUP)
    place = hit(PLACE_TARGET)
    if group:
        out.append("__group__")
    if place:
        out.append("__place__")
    cta = hit(CALL_TO_ACTION)
    if cta:
        out.append("__cta__")
        if group or place or PRONOUN_TARGET.search(norm):
            out.append("__cta_x_target__")
    derog = hit(DEROGATION)
    if derog:
        out.append("__derog__")
        negated = NEGATED_DEROGATION.search(norm) is not None
        if negated:
            out.append("__neg_derog__")
        elif group:
            out.append("__group_x_derog__")
        if NEGATION.search(norm):
            out.append("__neg_x_derog__")
    threat = hit(THREAT)
    abuse = hit(ABUSE)
    you = (threat or abuse) and SECOND_PERSON.search(norm) is not None
    if threat:
        out.append("__threat__")
        if you:
            out.append("__threat_x_you__")
    if hit(COUNTER):
        out.append("__counter__")
        if group:
            out.append("__counter_x_group__")
        if derog:
            out.append("__counter_x_derog__")
        if cta:
            out.append("__counter_x_cta__")
    if hit(REPORTING):
        out.append("__reporting__")
        if derog:
            out.append("__reporting_x_derog__")
        if cta:
            out.append("__reporting_x_cta__")
    if abuse:
        out.append("__abuse__")
        if you:
            out.append("__abuse_x_you__")
    rally = hit(RALLY)
    expel = hit(EXPEL)
    if rally:
        # place, time and purpose matter only next to a rallying phrase: checked only then
        out.append("__rally__")
        mplace = place or MOB_PLACE.search(norm) is not None
        mtime = MOB_TIME.search(norm) is not None
        if mplace:
            out.append("__rally_x_place__")
        if mtime:
            out.append("__rally_x_time__")
        if mplace and mtime:
            out.append("__mobilise__")
        if BENIGN_PURPOSE.search(norm):
            out.append("__benign_purpose__")
            out.append("__benign_x_rally__")
    if expel:
        out.append("__expel__")
        if group or place or PRONOUN_TARGET.search(norm):
            out.append("__expel_x_target__")
    if rally or expel:
        # condemning or reporting a call ("racists saying 'send them all back' don't speak for us")
        if "__counter__" in out:
            out.append("__counter_x_mobilise__")
        if "__reporting__" in out:
            out.append("__reporting_x_mobilise__")
    if '"' in norm or ("'" in norm and _QUOTE_OPEN.search(norm)):
        out.append("__quote__")
    return out


def cue_tokens(norm: str) -> str:
    """:func:`cue_list` as one space-separated string (kept for callers that append cues to text)."""
    return " ".join(cue_list(norm))


WORD_RE = re.compile(r"[\w'@-]+")
"""Word tokens of normalised text: the fast path's tokeniser (apostrophes and hyphens kept inside words)."""


def words(norm: str) -> list[str]:
    """Word tokens of normalised text (for explanations and simple lexicon look-ups)."""
    return WORD_RE.findall(norm)
