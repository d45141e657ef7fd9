"""Signals round 5 speed changes keep every output: trie regexes, the trie cue gate, the rumour gate.

Each fast form is compared with the form it replaced on texts that stress prefixes and word starts
(the hand-written functional suites in both languages, claims, markers, disguises).
"""

from __future__ import annotations

import re

import pytest

from wavebreak.signals import identity_claims as ic
from wavebreak.signals import rumour as ru
from wavebreak.signals import text as T
from wavebreak.signals.eval import load_functional
from wavebreak.signals.text import literal_trie, normalise, prefix_gate

STRESS = [
    "",
    "a b c d e f",
    "is this true?? source? really ? c'est vrai ? c’est faux, d'où vient cette info",
    "Police say this is FALSE: the attacker was NOT an asylum seeker. Stop sharing! #FakeNews",
    "The attacker was Ali Al-Shakati, an asylum seeker who came by boat, known to MI5",
    "Le suspect, un demandeur d'asile arrivé en bateau, était fiché S. Info ou intox ?",
    "let's show them tonight at the mosque, bring everything you've got, masks on",
    "get them all out by force, dehors les migrants, jetez-les, on y va ce soir 19h",
    "you absolute idiot, i know where you live, watch your back",
    "we stand with our muslim neighbours, no place for hate, report this",
    "le tribunal a condamné l'auteur des messages appelant à brûler l'hôtel",
    "unconfirmed reports say the stabber was a refugee; allegedly reportedly apparently",
    "m0zl3ms r4ts k.i.l.l them all muuuuslims #BurnThemOut",
    "named as Karim B., il s'appelle Karim, se nomme, du nom de",
    "isthis true istrue fakenews notthe wasn't not the arrête arrêtez de partager",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    out = list(STRESS)
    for lang in ("en", "fr"):
        for cases in load_functional(lang).values():
            out += [c["text"] for c in cases]
    out += [t.upper() for t in STRESS] + [t.lower() for t in STRESS]
    return out


def test_literal_trie_finds_what_the_longest_first_alternation_finds(texts: list[str]) -> None:
    words = ["name", "named", "nom de", "nomm", "known to", "kill", "killer", "a", "ab", "abc", "a.c", "(x)"]
    alt = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    trie = re.compile(literal_trie(words))
    for t in [*texts, "named nomme nom de a.c abc abd ab (x) killers known to kill"]:
        assert trie.findall(t) == alt.findall(t), t
        assert trie.findall(t.lower()) == alt.findall(t.lower()), t
    with pytest.raises(ValueError):
        literal_trie(["ok", ""])


def test_identity_trigger_is_the_old_alternation(texts: list[str]) -> None:
    keys = {*ic._IDENTITY_KEYS, *ic._ROLE_KEYS, *ic._NAMED_KEYS}
    old = re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)))
    for t in texts:
        low = t.lower()
        assert ic._TRIGGER_RE.findall(low) == old.findall(low), t


def test_trie_cue_gate_never_skips_a_match(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cue pattern that matches a post has its bit in the scanner's mask, and the cues equal
    those of running every search (the gate only skips searches that cannot match)."""
    table, always = T._gate_table()
    scan, mask_of, base = T._gate_scanner()
    assert base == always and mask_of and max(map(len, table)) > 6  # prefixes longer than the old slices
    norms = [normalise(t) for t in texts]
    for norm in norms:
        mask = base
        for x in scan.findall(norm):
            mask |= mask_of[x]
        for rx, bit in ((rx, T._GATE_BIT[id(rx)]) for rx in _CUE_PATTERNS):
            if rx.search(norm) is not None:
                assert mask & bit, (norm, rx.pattern[:40])
    gated = [T.cue_list(n) for n in norms]
    monkeypatch.setattr(T, "_gate_scanner", lambda: (re.compile(r"(?!)"), {}, (1 << 10) - 1))
    assert [T.cue_list(n) for n in norms] == gated


_CUE_PATTERNS = (
    T.ANY_GROUP, T.PLACE_TARGET, T.CALL_TO_ACTION, T.DEROGATION, T.THREAT, T.ABUSE, T.COUNTER,
    T.REPORTING, T.RALLY, T.EXPEL,
)  # fmt: skip


def test_rumour_gate_never_skips_a_marker(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert ru._ANY_GATE is not None
    for t in texts:
        low = t.lower()
        if ru._ANY_RE.search(low) is not None:
            assert ru._ANY_GATE.search(low) is not None, t
    gated = ru.score(texts, [None] * len(texts))
    monkeypatch.setattr(ru, "_ANY_GATE", None)
    assert ru.score(texts, [None] * len(texts)) == gated
    assert any(s.label for s in gated) and any(s.label is None for s in gated)


def test_prefix_gate_is_none_when_a_match_can_start_anywhere() -> None:
    assert prefix_gate(re.compile(r"\w+ing")) is None  # no literal prefix
    assert prefix_gate(re.compile(r"is|it", re.IGNORECASE)) is None  # case-folded: not derived
    g = prefix_gate(re.compile(r"\b(?:police (?:say|said)|fake)"))
    assert g is not None and g.pattern.startswith(r"\b")
    assert g.search("the police said") and not g.search("nothing here")


def _reference_normalise_flag(text: str) -> tuple[str, bool]:
    """normalise_flag as it was before round 5 (regex accent folding, ``[0-9@$]`` leet test, tokenised
    variant test), kept here as the reference the faster one must equal."""
    import unicodedata

    if not text:
        return "", False
    obfuscated = False
    if "&" in text:
        text = T._HTML_ENT.sub(lambda m: T._HTML_MAP[m.group(1)], text)
    if not text.isascii():
        nfkc = unicodedata.normalize("NFKC", text)
        if nfkc != text:
            obfuscated = obfuscated or nfkc.isascii()
            text = nfkc
    if "://" in text or "www." in text or "WWW." in text or "@url" in text or "@URL" in text:
        text = T._URL.sub(" url ", text)
    if "@" in text:
        text = T._MENTION.sub(" @user ", text)
    if "#" in text:
        text = T._HASHTAG.sub(lambda m: " " + T._CAMEL.sub(" ", m.group(1)) + " ", text)
    text = text.lower()
    if not text.isascii():
        for q, r in T._QUOTE_PAIRS:
            if q in text:
                text = text.replace(q, r)
        text = T._combining_re().sub("", unicodedata.normalize("NFD", text))
    if T._HAS_SPACED.search(text):
        new = T._SPACED.sub(T._unspace, text)
        obfuscated = obfuscated or new != text
        text = new
    if re.search(r"[0-9@$]", text):
        new = T._LEET_WORD.sub(lambda m: m.group(0).translate(T._LEET), text)
        obfuscated = obfuscated or new != text
        text = new
    if T._HAS_RUN.search(text):
        obfuscated = obfuscated or T._HAS_LETTER_RUN.search(text) is not None
        text = T._REPEAT_VOWEL.sub(r"\1", text)
        text = T._REPEAT.sub(r"\1\1", text)
    if not T._VARIANT_KEYS.isdisjoint(T._VARIANT_TOKEN.findall(text)):
        new = T._VARIANT_RE.sub(lambda m: T.SPELLING_VARIANTS[m.group(1)], text)
        obfuscated = obfuscated or new != text
        text = new
    return " ".join(text.split()), obfuscated


DISGUISES = [
    "h@te h@\u0301te h\u0301@te a$@b x@user @bob m0zl3ms r4ts mu$lims 19h 8pm covid19 2nd a_1b $5 4all",
    "e\u0301te\u0301 brûlez Ａｌｌ ｍｕｓｌｉｍｓ 𝐦𝐮𝐬𝐥𝐢𝐦𝐬 ﷺ الإسلام مُسلم 🙏🙏 ❤️ 👍🏽 café e\u0301",
    "mozlems!! kil them, ki11, kiil, skill, skills_kil, dégagez, muzzies_, jooz99, refujees.",
    "@@user @ user @#abc #BurnThemOut #MarloweBay k.i.l.l k i l l m-u-s-l-i-m-s muuuuslims",
    "&amp; &lt;3 &#39;quoted&#39; « guillemets » “curly” ‘single’ www.example.org https://t.co/x",
    "runs made by the folding steps: b4aa sh00t l00l k.k.k a a a m.m.m.m z-z-z 3ee x$$s",
]


def test_faster_normalise_equals_the_reference(texts: list[str]) -> None:
    for t in [*texts, *DISGUISES, *(d.upper() for d in DISGUISES)]:
        assert T.normalise_flag(t) == _reference_normalise_flag(t), t


def test_fold_accents_removes_exactly_the_combining_marks() -> None:
    import unicodedata

    for t in DISGUISES:
        assert T.fold_accents(t) == T._combining_re().sub("", unicodedata.normalize("NFD", t))


def test_word_hasher_equals_scikit_learn_feature_hasher(texts: list[str]) -> None:
    from wavebreak.signals import toxicity as tox

    norms = [normalise(t) for t in texts] * 2  # twice: cold then warm caches
    ours = tox._WORDS.transform([tox.word_seq(n) for n in norms])
    ref = tox.featurize_words([tox.word_features(n) for n in norms])
    assert ours.shape == ref.shape
    assert (ours.indptr == ref.indptr).all() and (ours.indices == ref.indices).all()
    assert (ours.data == ref.data).all()
    small = tox.WordHasher(tox.WORD_FEATURES, cache_size=10)  # clears its caches between batches
    for _ in range(2):
        again = small.transform([tox.word_seq(n) for n in norms])
        assert (again != ref).nnz == 0


def test_rows_kept_for_reposts_do_not_see_later_stages_additions() -> None:
    """The stage keeps shared rows for repost inheritance; what later stages add to a batch's dicts
    (or to score_texts' copies) must not reach them."""
    from datetime import UTC, datetime

    from wavebreak.core.records import Post, PostKind, Signal
    from wavebreak.pipeline.context import PipelineContext
    from wavebreak.pipeline.stage import Batch
    from wavebreak.signals.stage import SignalsStage

    t0 = datetime(2024, 7, 29, 12, tzinfo=UTC)

    def post(pid: str, text: str, **kw: object) -> Post:
        return Post(id=pid, platform="demo", author_id="demo:a", created_at=t0, text=text, **kw)  # type: ignore[arg-type]

    stage, ctx = SignalsStage(), PipelineContext()
    same = "Burn the asylum hotel down tonight"
    first = Batch(posts=[post("demo:1", same), post("demo:2", same)])
    stage.process(first, ctx)
    assert first.signals["demo:1"] is not first.signals["demo:2"]
    first.signals["demo:1"]["claim_match"] = Signal("claim_match", 1.0)  # a later stage adds its signal
    stage.score_texts([same])[0]["extra"] = Signal("extra", 1.0)
    second = Batch(
        posts=[
            post("demo:3", "", kind=PostKind.REPOST, repost_of="demo:1"),  # remembered row
            post("demo:4", same),  # text cache
            post("demo:5", "", kind=PostKind.REPOST, repost_of="demo:4"),  # this batch's row
        ]
    )
    stage.process(second, ctx)
    for pid in ("demo:3", "demo:4", "demo:5"):
        assert "claim_match" not in second.signals[pid] and "extra" not in second.signals[pid], pid
        assert second.signals[pid]["hate"] is first.signals["demo:1"]["hate"]  # shared, never copied


def test_leet_precheck_is_the_two_branch_pattern(texts: list[str]) -> None:
    old = re.compile(r"[0-9$][^\W\d_]|[\w@$]@[^\W\d_]")
    for t in [*texts, *DISGUISES, "@user", " @user x@user", "a@b", "@@b", "1a", "$x", "_@a", "é@a"]:
        low = t.lower()
        assert T._may_have_leet(low) == (old.search(low) is not None), t
