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
