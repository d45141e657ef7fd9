"""The featurizer's fast paths give exactly what the plain formulations give.

Why: ``fold`` skips ``translate`` for ASCII and uses a regex for the rest, and ASCII texts are
tokenised with a range-only regex; clustering must not depend on which path a text took.
"""

from __future__ import annotations

from wavebreak.narratives.text import _FOLD, _WORD, _WORD_ASCII, fold, url_domain

SAMPLES = [
    "Idris Al-Qamari is the attacker, share before they delete it!!",
    "L'ATTAQUANT s'appelle Idriss Al Qamari… la police ment 🔥🔥",
    "Ça suffit : élèves, ÉCOLE fermée à Marlowe Bay’s centre ☔️",
    "GOAAAAL 90+2' what a strike from Darrow #KUFC @kingsport_rovers",
    "naïve café œuvre Noël ÿ résumé — c'est l’été",
    "mixed-case x2 twenty-one o'neill don't 3rd #Tag_1 @user-name",
    "",
    "1234 ?! ...",
]


def test_fold_matches_translate() -> None:
    for s in SAMPLES:
        assert fold(s) == s.lower().translate(_FOLD)


def test_ascii_word_regex_matches_unicode_one_on_ascii_text() -> None:
    for s in SAMPLES:
        low = fold(s)
        if low.isascii():
            assert _WORD_ASCII.findall(low) == _WORD.findall(low)
    assert _WORD.findall("l'attaquant al-qamari x-1 a--b") == ["l'attaquant", "al-qamari", "x", "a", "b"]


def test_url_domain_cached_result_is_the_same() -> None:
    assert url_domain("https://www.Example.com/a") == "example.com"
    assert url_domain("https://www.Example.com/a") == "example.com"
    assert url_domain("http://[::1") == ""


def test_ascii_stopword_filter_matches_the_length_and_stopword_test() -> None:
    """ASCII texts drop one-letter tokens through the stop set (in C); same terms as the plain test."""
    from itertools import filterfalse

    from wavebreak.narratives.text import _STOP_OR_SHORT, STOPWORDS, Featurizer

    toks = ["a", "i", "z", "ab", "the", "x2", "suspect", "l", "le", "attaquant", "rt", "q"]
    assert list(filterfalse(_STOP_OR_SHORT.__contains__, toks)) == [
        t for t in toks if len(t) > 1 and t not in STOPWORDS
    ]
    fz = Featurizer()
    f = fz.features("I saw a man at the x2 gate, l'attaquant was #a #Idris j y")
    assert f.terms == ("saw", "man", "x2", "gate", "attaquant", "idris")
    # a non-ASCII text keeps the plain test (its one-letter tokens are any letter)
    assert fz.features("ø øy é ñ café noël").terms == ("øy", "cafe", "noel")


def test_vocabulary_pass_gives_the_same_hashes_on_hits_and_misses() -> None:
    import zlib

    from wavebreak.narratives.text import Featurizer

    fz = Featurizer()
    first = fz.features("suspect named at marlowe bay station tonight")
    again = fz.features("station tonight suspect named marlowe bay again")  # hits and one miss
    for f in (first, again):
        assert f.hashes == tuple(zlib.crc32(t.encode()) for t in f.terms)


def test_capspan_class_first_matches_the_boundary_form() -> None:
    """``[A-Z](?<!\\w\\w)`` (class first, faster to scan for) finds exactly what ``\\b[A-Z]`` found."""
    import re

    from wavebreak.narratives.text import _CAPSPAN

    tail = r"[a-zà-ÿ]+(?:[ -](?:[A-Z][a-zà-ÿ]+(?:[A-Z][a-zà-ÿ]+)?|[Aa]l|[Ee]l|[Bb]in|[Ii]bn))+)"
    boundary = re.compile(r"\b([A-Z]" + tail)
    texts = [
        "Ali Al Shakati did it",
        "xAli Al Qamari",
        "éAli Bin Laden",
        "_Ali Al-Qamari",
        "1Ali Ben Salah",
        "L'Ali Al Qamari",
        "Ébène Al Qamari",
        "Ωmega Ali Bin Said",
        "Breaking: Idris Al-Qamari named, says Jean-Paul Martin",
        "RT @x: IDRIS Al Qamari #IdrisAlQamari",
        "Ali",
        "A Al",
        "",
    ]
    for t in texts:
        assert _CAPSPAN.findall(t) == boundary.findall(t), t


def _names_mentioned_reference(text: str, names: list[str]) -> list[str]:
    """The name scan written plainly: every run of one to three words, skeleton by skeleton."""
    from wavebreak.narratives.text import _NAME_WORD, _name_skeletons, skeleton

    wanted: dict[str, str] = {}
    for n in names:
        for k in _name_skeletons(n):
            wanted.setdefault(k, n)
    words = _NAME_WORD.findall(fold(text))
    found: dict[str, None] = {}
    for i in range(len(words)):
        for j in range(i, min(i + 3, len(words))):
            hit = wanted.get(skeleton("".join(words[i : j + 1])))
            if hit is not None:
                found[hit] = None
    return list(found)


def test_name_scan_prefilter_never_loses_a_mention() -> None:
    """The whole-text prefilter (ASCII letters, one search) finds what the plain scan finds: names
    split by emoji, other scripts, digits, punctuation, doubled letters, accents, or a non-ASCII key."""
    import random

    from wavebreak.narratives.text import names_mentioned

    # "Yusuf Ali", "Jo Tam": surnames too short to be keys alone, so only the whole name can match
    names = ["Idris Al-Qamari", "Zoë Kettering", "Søren Mølgaard", "Yusuf Ali", "Jo Tam"]
    pieces = [
        "idris", "al", "qamari", "AL-QAMARRI", "Kamari", "Idriss", "#IdrisAlQamari", "zoe", "kettering",
        "KETTERINGG", "søren", "mølgaard", "molgaard", "yusuf", "ali", "aly", "jo", "tam", "🔥", "ß", "łódź",
        "قمري", "42", "_", "-", "'", "’", "camera", "the", "police", "é", "ça", "boat", "\n",
    ]  # fmt: skip
    rng = random.Random(7)
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 9))) for _ in range(3000)]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(2000)]
    texts += SAMPLES
    found = 0
    for text in texts:
        for group in (names, names[:2], names[2:3], names[3:]):
            want = _names_mentioned_reference(text, group)
            assert names_mentioned(text, group) == want, (text, group)
            found += bool(want)
    assert found > 500  # the generated texts do name people, in every form above
