"""Reply context: a reply that commits to joining a call to violence is read with the call it answers.

Why: the most-viewed incitement in a riot wave is not only the call itself but the replies under it
("count me in", "see you there", "j'y serai"). Alone those words are everyday chatter and every text
model scores them ~0 (they are, under a vigil or a match); under a post that calls for an attack they
are a public commitment to take part, and the platform's recommender would amplify them like any other
engaging reply. The toxicity heads cannot see the parent, so the signals stage applies this after the
text rows are scored (:meth:`wavebreak.signals.stage.SignalsStage._fast`):

- the parent (the post replied to or quoted) must be known to the stage (its signals are in the stage's
  recent-post memory: the same LRU reposts inherit from) with an incitement score of at least
  ``SIGNALS_REPLY_JOIN_PARENT_MIN``;
- the reply's own text must say it joins (:data:`JOIN`) and must not refuse (:data:`REFUSE`), condemn,
  report or protect (the shared counter-speech, reporting and benign-purpose lexicons): "I'll be there
  too, to protect the families" is counter-mobilisation, not a commitment to the attack;
- then its incitement score becomes ``max(own, parent x SIGNALS_REPLY_JOIN_DISCOUNT)``, labelled and
  explained with the parent's id, so a statement of reasons says which call the reply was read with.

Only the incitement head changes (hate and threat stay the text's own: joining a call says nothing new
about a group). Parents the stage never saw (evicted, or before the stream began) give no context: the
reply keeps its own score. Lexicons are hand-written from the definition (commitments to attend, join or
bring people, EN and FR), not from any scenario text; held-out cases: ``reply_context`` in
``data/functional_{en,fr}.yaml`` (written before this module).
"""

from __future__ import annotations

import re

from wavebreak.core import constants as C
from wavebreak.core.records import Signal, SignalName
from wavebreak.signals.text import BENIGN_PURPOSE, COUNTER, REPORTING

_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
JOIN = re.compile(
    # EN: attending, coming, counting oneself in, on the way, bringing people
    r"\b(?:(?:i'll|i will|ill|we'll|we will|i'm gonna|im gonna|we're gonna|i'm going to|we're going to)"
    r" be there|(?:see|c) (?:you|u|ya|yous|you all|you lot) (?:there|tonight|later|tomorrow|"
    r"(?:on )?"
    + _DAYS
    + r"|at (?:the|\d))|count (?:me|us) in|(?:i'm|im|i am|we're|we are) in(?=\s*(?:[.!,;]|$))|"
    r"on (?:my|our) way|omw|(?:i'm|im|i am|we're|we are|we're all|we are all) coming(?! for)\b|"
    r"(?:wouldn't|would not|won't|will not) miss (?:it|this)|"
    r"let's (?:do (?:this|it)|go(?! (?:home|back|inside|away))|roll|get it done)|"
    r"lets (?:do (?:this|it)|go(?! (?:home|back|inside|away))|roll)|"
    r"meet (?:you|u|ya) (?:there|at|outside|first)|save (?:me|us) a (?:spot|place)|"
    r"(?:already|i'm|im|we're) in the (?:car|van)|heading (?:there|down|over)|"
    r"been waiting for this|(?:i'll|we'll|i will|we will) bring (?:the|my|our|some|a few|everyone)|"
    r"bringing (?:the|my|our|some|a few|everyone)|(?:i'm|im|we're) up for (?:it|this)|"
    # FR (accents folded by the normaliser)
    r"j'y serai|j'y suis|on y sera|nous y serons|(?:on|je|nous) (?:sera|serai|serons) la|"
    r"on sera (?:une|un|\d+|nombreux|plusieurs)|compte(?:z)? sur (?:moi|nous)|"
    r"(?:je|on|j') ?(?:viens|vient|arrive)\b(?! de\b| d')|partant(?:e|s|es)?\b|je suis (?:chaud|chaude|partant|dedans)|"
    r"on est (?:chauds?|partants?)|a ce soir\b|je passe (?:vous|te) chercher|dis(?:-moi)? l'heure|"
    r"on y va tous|j'en suis|on en est)"
)
"""A commitment to join: attending, coming, counting oneself in, bringing people (EN, FR)."""

REFUSE = re.compile(
    r"\b(?:count (?:me|us) out|(?:won't|wont|will not|not|never|don't|do not|dont) (?:be )?(?:there|going|"
    r"coming|go)\b|stay (?:at )?home|nobody (?:is |should )?(?:go|going)|counter[- ]?protest\w*|"
    r"(?:je|on|nous) n'(?:irai|ira|irons|y serai|y sera|y serons|y vais|y va) (?:pas|jamais)|"
    r"(?:ne )?compte(?:z)? pas sur|n'y allez pas|restez chez vous|personne (?:n'ira|ne va)|"
    r"contre-manif\w*)"
)
"""Refusals and counter-mobilisation, which override a join phrase ("count me out", "je n'irai pas")."""


def joins(norm: str) -> bool:
    """Whether a normalised reply commits to joining (and neither refuses, condemns, reports nor
    states a protective or charitable purpose)."""
    if JOIN.search(norm) is None:
        return False
    return not (
        REFUSE.search(norm) or COUNTER.search(norm) or REPORTING.search(norm) or BENIGN_PURPOSE.search(norm)
    )


def joined_signal(own: Signal | None, parent: Signal, parent_id: str) -> Signal | None:
    """The reply's incitement signal read with its parent's, or ``None`` when the parent is not a call
    (or the reply's own score is already at least what the context gives)."""
    if parent.score < C.SIGNALS_REPLY_JOIN_PARENT_MIN:
        return None
    score = round(parent.score * C.SIGNALS_REPLY_JOIN_DISCOUNT, 4)
    if own is not None and own.score >= score:
        return None
    return Signal(
        SignalName.INCITEMENT,
        score,
        "incitement" if score >= C.SIGNALS_TOXICITY_FLAG else None,
        f"{own.model if own is not None else parent.model}+reply-context",
        (f"commits to joining the call it answers ({parent_id}, incitement {parent.score:.2f})",),
        {"joins": parent_id, "parent_incitement": round(parent.score, 4), "own": own.score if own else None},
    )
