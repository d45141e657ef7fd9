"""Every tunable threshold in one place (Community Notes style).

Why one module: a policy owner or auditor must be able to read every number
that changes what Wavebreak does without hunting through code. Each name says
what it bounds; each comment says why it has its value. Policy packs may
override the *policy* thresholds per rule; these are the engine's defaults.

Sections are owned by the stage of the same name; add new names to your own
section only.
"""

from __future__ import annotations

# ----------------------------------------------------------------- pipeline
BATCH_SIZE = 2048
"""Posts per micro-batch: big enough to amortise per-batch costs (vectorised
signals, one DB transaction), small enough that stream-time latency stays
well under a minute at demo rates."""

BATCH_MAX_SPAN_SECONDS = 300.0
"""A batch never covers more than 5 minutes of stream time: the engine decides once
per batch, so this bounds its reaction time on quiet streams (the issue asks for a
false claim flagged within 30 minutes of its first post)."""

PIPELINE_PREFETCH_BATCHES = 2
"""Batches handed to a prefetching stage (the text-scoring worker) before their turn: two keep
the worker busy while this process finishes the batch in hand, and cost only two batches of
posts in memory."""

PIPELINE_SCORE_WARMUP_MAX_BATCHES = 8
"""Batches the text-scoring stage scores in process at most while its worker starts
(``ParallelSignalsStage.score_while_warming``); after that it waits for the worker, as it always did.
Why a cap: a worker that is alive but never answers would otherwise leave every batch scored here
without a word, and every call queued for it in memory. Eight batches are ~5 s of this process's work
on the bench stream, against a start of ~1-2 s (the seventeenth session's 200k replay took one)."""

PIPELINE_HEAP_TRIM_EVERY_H = 6.0
"""Event-time hours between two returns of the C heap's free memory to the system
(``malloc_trim``, glibc only; :func:`wavebreak.pipeline.runner.trim_heap`). Why: the stages retire
state by event time (narratives archived and compacted, policy targets, co-sharing tables), and what
glibc's allocator frees that way stays in the process's resident memory as free heap until reused
(a replay of the bench stream held 90-135 MB of it from 1.5M posts on: RSS measured a high-water mark,
not the state). Six hours, the narratives stage's retirement period (``NARR_RETIRE_EVERY_H``): once per
pass of freeing, ~170k posts apart on the bench stream, 1.5 ms per call measured at 400k posts. 0 turns
it off. It changes no output, only what the process keeps resident (docs/narratives.md, tenth session)."""

PIPELINE_SCORE_WORKERS_DEFAULT = 1
"""Text-scoring worker processes that ``wavebreak demo`` and file replays start unless told
(``--score-workers``), on a machine with at least ``PIPELINE_SCORE_WORKERS_MIN_CPUS`` usable CPUs
(:func:`wavebreak.pipeline.runner.default_score_workers`; none below that). One, measured on this
project's 2-vCPU host in its fast phase (fourteenth session, ``json.loads`` ~225k lines/s): the full
demo, interleaved runs, 69.2 / 68.8 s without a worker against 59.2 / 62.1 s with one (-12 %), same
50 narratives and 22 alerted; ``bench.pipeline`` at 200k posts 6,445 -> 7,471 posts/s (+16 %), same
8,927 decisions and 83 alerts. At the demo's small CI scale (0.05) the wall time is the same either way
(15.5 / 15.4 s without, 15.3 / 14.8 s with), the worker's ~2 s of model loading running on the other
core. Earlier sessions, in slow phases of the same shared host where two busy processes ran slower
each than one alone, measured no gain (167 / 161 s with against 137 / 166 s without; thirteenth
session 147.3 / 153.8 s with against 162.5 / 149.6 s without): the worker costs about nothing there
and pays where the second core is real. Results are the in-process ones either way. The worker holds its
own copy of the fast models: ~180 MB resident (sampled with ``ps`` during a demo at scale 0.5, beside
the main process's ~925 MB)."""

PIPELINE_SCORE_WORKERS_MIN_CPUS = 2
"""Usable CPUs (this process's affinity) below which the default is no worker: on one core a worker
only adds its model loading and the hand-off of every batch."""

PIPELINE_RECORD_WORKER_MIN_CPUS = 3
"""Usable CPUs from which file replays apply their writes in a recorder process by default
(:func:`wavebreak.pipeline.runner.default_record_worker`, ``replay --record-worker/--no-record-worker``):
one core for the pipeline, one for the text-scoring worker, one for the recorder. Why not two: on this
project's 2-vCPU host the recorder helps where it has a core to itself, and not where it shares the
second one with the scoring worker. Fifteenth session, ``bench``-stream 200k posts, ABBA order: without a
scoring worker, 5,537 / 5,722 / 4,896 / 5,371 posts/s recording here against 6,625 / 6,463 / 5,454 /
5,764 with the recorder (+9 to +16 %; this process's CPU 36.9 -> 30.1 s, the recorder's 7.7 s); with a
scoring worker as well, 1M posts, 7,237 / 7,074 / 6,800 here against 7,652 / 7,293 / 7,281 (each pair on a
host slowing down, the recorder's run first: within noise), and 200k mixed. The demo keeps it off: its
review desk reads the store before every batch, which waits for each commit."""

RECORDER_MAX_IN_FLIGHT = 2
"""Batches the decisions stage may have handed to the recorder process (``PipelineOptions.record_worker``,
:mod:`wavebreak.storage.recorder`) without its commit being acknowledged; past that the stage waits
for the oldest. Two: the recorder writes one batch while the pipeline computes the next, and one more
absorbs a slow commit. Announcements wait for the commit, so this is also how many batches a listener
can lag behind the stage (each read or write of the store first waits for every commit anyway)."""

ACCOUNT_CACHE_SIZE = 250_000
"""Latest account snapshots kept in memory (LRU); bounds memory on long replays. Active
accounts of a crisis day (the demo has 50k) fit many times; evicted ones come back with
their next post's author snapshot."""

DEDUPE_WINDOW = 250_000
"""Recent post ids remembered to drop replayed duplicates; a bounded window
because a replayed firehose repeats records within minutes, not months (250k ids
is ~40 minutes of X's worldwide rate, ~30 MB)."""

# ----------------------------------------------------------------- storage
STORAGE_SQLITE_WAL_CHECKPOINT_PAGES = 10_000
"""SQLite WAL pages (4 KiB, ~40 MB) at which a commit checkpoints the WAL itself. A backstop: the
store's checkpoint thread (``STORAGE_SQLITE_CHECKPOINT_SECONDS``) normally runs first, off the
writer's path. SQLite's default (1,000 pages) checkpointed, and fsynced, several times per second."""

STORAGE_SQLITE_CHECKPOINT_SECONDS = 0.25
"""Least time between two background WAL checkpoints of a SQLite file store. A checkpoint copies
each page once however many commits rewrote it since the last one (the pages at the right edge of
the time-ordered per-post keys, and the random-key indexes of accounts, events and decisions, are
rewritten by batch after batch), so checkpointing after every commit wrote 37% more bytes in the
storage micro-benchmark (measured with random post keys, before migration 0004); a quarter second
is a few batches at replay rates and bounds the WAL."""

STORAGE_SQLITE_CHECKPOINT_IDLE_SECONDS = 5.0
"""The checkpoint thread exits after this long without a commit (and restarts with the next)."""

# (owned by wavebreak/storage/ and wavebreak/decisions/)
STORAGE_ANCHOR_EVERY = 1000
"""Write an anchor (seq, hash) every this many events. An anchor is the digest a
platform publishes (transparency report, public timestamping) so that rewriting the
whole chain after it is detectable; at demo rates (~1k events per run) this yields a
handful of anchors per run, and the decisions stage also anchors the head at close."""

STORAGE_IN_CHUNK = 500
"""Maximum ids per ``IN (...)`` query: below SQLite's historical 999-variable limit and
small enough for PostgreSQL to plan an index scan; the gate batches its look-ups in these.
Look-ups by post id bind each id's ``id_order`` too, so they take half as many ids per query."""

STORAGE_EVENT_PAGE = 2000
"""Events read per query when iterating the log, so verifying millions of events runs
in flat memory."""

STORAGE_PURGE_DELETED_CONTENT = True
"""When a source reports a post deleted, blank its stored text and raw record (keeping
id, times and the deletion mark). Platforms' terms (X, Bluesky) require honouring
deletions; decisions stay explainable because their ``facts`` are self-sufficient."""

DECISIONS_SIGNAL_KEEP_MIN = 0.5
"""The decisions stage stores a post's signals only if a toxicity, identity-claim, rumour
or claim-match score reaches this (or its stance is not ``comment``): those are the posts
a statement of reasons or an investigation may quote; storing every post's signals would
multiply the database size for no audit value."""

DECISIONS_NARRATIVE_MIN_POSTS = 5
"""Narratives are written to storage once they have this many posts (or as soon as an
alert or decision names them): most clusters in a stream are one-off chatter, and storing
each of them would bloat the table the gate and reports list."""

DECISIONS_WRITTEN_CACHE = 100_000
"""Account snapshots the decisions stage remembers having written (LRU by id), so that an unchanged
snapshot is not upserted again: in the demo three of four posts are by an author already written
with the same snapshot. ~40 MB at most; a forgotten id only costs one redundant upsert."""

DECISIONS_SERIES_MAX_NARRATIVES = 200
"""At the end of a run, the time series of this many narratives (all alerted or decided
ones first, then the biggest) are written for charts; the rest keep only their totals."""

SUMMARY_MAX_NARRATIVES = 50
"""Narratives listed in summary.json: the alerted and acted-on ones come first;
the long tail of chatter clusters is counted, not listed."""

SUMMARY_DETAILED_NARRATIVES = 12
"""Narratives whose origin, amplifiers and coordination are spelled out."""

SUMMARY_EXAMPLES_PER_RULE = 5
"""Example decisions kept per rule in summary.json; the rest are counted."""

REPORT_MAX_MARKERS = 40
"""Alert/decision markers drawn on a run report's timeline; more would hide the curves."""

REPORT_TOP_NARRATIVES = 6
"""Narratives drawn on a run report's timeline chart."""

# ----------------------------------------------------------------- demo
DEMO_CRISIS_CONFIRM_MINUTES = 10
"""The scripted duty officer confirms an engine-proposed crisis after this
review delay (stream time): a person decides, and deciding takes minutes."""

DEMO_REVIEWERS = 3
"""Size of the demo's review team: a small platform's on-call crisis desk."""

DEMO_REVIEW_MINUTES_PER_CASE = 4.0
"""Stream minutes a reviewer spends per case (read the post in context, decide, note)."""

DEMO_MAX_REPORTS = 1200
"""Simulated notices at scale 1.0 (scaled down with the stream): a crisis day's intake for a small
platform's team of three, enough to show the SLA and queue metrics by source."""

DEMO_AUTHORITY_DOMAIN = "marlowe-bay-police.example"
"""Fictional domain of the demo's police force (statement URL)."""

DEMO_SCORING_TOP_NARRATIVES = 5
"""Detected narratives considered per true narrative when scoring lead time."""

DEMO_SCORING_MIN_SHARE = 0.05
"""A detected narrative counts for a true one only if it holds at least this
share of the true narrative's posts (tiny fragments do not define lead time)."""

REPLAY_GC_THRESHOLDS = (1_000_000, 100, 100)
"""Cyclic-GC thresholds while ``demo``, ``replay``, ``simulate`` or ``policy dry-run`` runs a stream
(``pipeline.runner.replay_gc``; restored after; what existed before, such as the scenario and the
loaded models, is frozen out of collection first).

Why a young generation of a million objects: a replay frees what it allocates by reference counting
(it makes no cyclic garbage batch after batch since the storage reuses its write statements;
``tests/pipeline/test_runner.py`` checks it), so a collection finds nothing and its cost is walking
the live young objects and their references into a heap of a gigabyte or more. Fourteenth session,
``bench.pipeline --score-workers 1``, same decisions and alerts in every arm, 1M posts: the thirteenth
session's (50_000, 20, 10) ran at 6,024 posts/s with 12.4 % of wall time in collections, these
thresholds at 7,081 (5.7 %) and, after the statements were reused, 6,801 and 7,367 (the host's noise);
their nine young collections took 0.23 to 1.68 s each, growing with the heap, and collected nothing.
Arms with the older generations never collected: a young generation of 100k, 6,516 posts/s (9.6 %); of
1M, 7,198; of 5M, 7,607; of 10M, 7,787; no automatic collection, 8,285 (2.9 %, the collection before
the freeze). 200k posts: 7,781 / 7,661 → 8,246 / 8,539, two young collections in the whole replay.
Resident memory at the end was the same in every arm (1.74 GB at 1M posts).

Why not larger, or off: a larger young generation mostly defers the same walk (what is walked is the
heap's net growth, once) past the end of a bench-sized run and makes each pause longer (~0.7 s per
million objects at that heap), which a live feed piped into ``replay -`` would feel; turning collection
off leaves no backstop for cycles made on paths not measured here (the PostgreSQL driver, third-party
code, bad records). The older generations (every 100 young collections, ~100M allocations: not once in
a 1M-post run) stay a backstop for cycles that become garbage after promotion. Earlier: CPython's default
(700, 10, 10) cost the full demo 14.8 s of 114 s CPU in collections, 10.6 s of it in 21 full ones."""

DEMO_PROGRESS_REFRESH_PER_SECOND = 2
"""Redraws per second of the demo's progress bar. Rich's default (10) drew it from a second thread
that took the GIL from the pipeline for ~1.7 s of a full demo's samples; twice a second still
reads as live."""

# ----------------------------------------------------------------- ingest
MAX_LINE_BYTES = 4 * 1024 * 1024
"""A single source line above this is quarantined rather than parsed (a 4 MiB
JSON line is never a real post; it is a DoS or a corrupt file)."""

MAX_TEXT_CHARS = 100_000
"""Texts longer than this are truncated (and flagged) at ingest: real platforms
cap posts far below this; the raw record still holds the original."""

QUARANTINE_RAW_CHARS = 10_000
"""A quarantined record keeps at most this much of its raw text: enough to see
what was wrong and find it again (source + line), without letting a flood of
bad input fill the quarantine store."""

MAX_EMBED_DEPTH = 8
"""Embedded tweets (quote of a quote of ...) deeper than this are referenced,
not parsed: the real API embeds one or two levels; deeper means a crafted record."""

EMIT_URI_WINDOW = 500_000
"""Converted posts whose Jetstream AT-URI the writer remembers (``jetstream.line_emitter``), so a
reply, quote or repost of one points at it: the demo's 200k posts and any parent within the last
500k posts of a bigger stream resolve (~100 MB at most); an older parent gets a URI no post has."""

# ----------------------------------------------------------------- signals

# --- signals A: toxicity, language ID, the signals stage (wavebreak/signals/{toxicity,lang,stage}.py)
SIGNALS_MODEL_RELEASE = "2026.11"
"""Release tag written into every shipped signals model version ("toxicity-2026.11-<hash>"), so a
decision names the model generation as well as the exact weights."""

SIGNALS_TOXICITY_FLAG = 0.5
"""Score from which a toxicity signal carries its label and an explanation. 0.5 is the logistic
decision boundary the heads were trained for (class weights balance positives); policy packs set
their own, usually higher, action thresholds per rule."""

SIGNALS_EXPLAIN_TOP = 3
"""Words quoted per positive score in explanations (plus the strongest cue): enough to show what
fired, short enough for a statement of reasons."""

SIGNALS_LANG_MIN_CONFIDENCE = 0.55
"""Below this language-ID confidence the label is "und" (undetermined): on 3-word posts the model
is often near-uniform, and a wrong language routes a post to the wrong lexicons and reviewers."""

SIGNALS_REPOST_CACHE_SIZE = 50_000
"""Recent post signals kept (LRU) so that reposts, which carry no text, inherit the signals of the
post they amplify; a crisis wave's originals are minutes to hours old, well inside this window.
Each entry holds ~8 Signal objects (~2 kB): 200k entries cost ~400 MB of a 1M-post replay, 50k
(hours of a national crisis at demo rates) keep it near 100 MB."""

SIGNALS_CASCADE_UNCERTAIN = 0.15
"""Word-model score (any toxicity head) from which a post is re-scored by the full char n-gram model.
Low on purpose: the word model is only trusted to say "clearly benign"; at 0.15 the cascade agrees
with the full model on nearly every held-out row (see `wavebreak eval signals`, cascade section)
while most chatter (no cue, score ~0.01-0.1) skips the expensive char n-grams."""

SIGNALS_CASCADE_UNCERTAIN_ABUSE = 0.3
"""Word-model *abuse* score from which a post goes to the full model (the other heads use
SIGNALS_CASCADE_UNCERTAIN). Why apart: Davidson is 77 % "offensive", so the word model's abuse head
gives ordinary chatter 0.15-0.45, and at 0.15 it sent ~58 % of the demo stream's distinct texts to the
char model for nothing. At 0.3 that share falls to ~38 %, while the cascade's labels differ from the
full model's on 3 of ~9,900 held-out rows (chosen on held-out *agreement*, which needs no labels; 0.25:
2 rows; 0.4: 20). Abuse is the one head no policy rule restricts on."""

SIGNALS_TEXT_CACHE_SIZE = 20_000
"""Recent distinct texts whose signals are kept (LRU, key = raw text). Copy-paste waves and "RT @x:"
reposts repeat text verbatim, so a hit skips every model; 20k rows (~40 MB) cover the last tens of
thousands of posts, which is where the repeats of a viral wave are."""

SIGNALS_SHARED_SIGNAL_POOL_MAX = 20_000
"""Distinct (label, rounded score) Signal objects the signals stage shares between posts (language,
unflagged toxicity heads): most posts get one of a few thousand identical signals, and sharing them
cuts long-lived objects by a third (fewer full GC passes). Emptied whole past this size (~2 MB)."""

SIGNALS_EMBED_CACHE_SIZE = 10_000
"""Distinct slow-path texts whose embedding is kept (LRU, 2 KB each, ~20 MB). Slow-path candidates
are the viral texts themselves, so their repeats (reposts quoting the claim) hit this cache."""

SIGNALS_SLOW_PATH_TOXICITY = 0.7
"""Fast hate/incitement/threat score from which a post is a slow-path (embedding) candidate. 0.7 is the
default policy pack's incitement/threat restriction threshold: what policy may act on is worth an
embedding; 0.5 (signals round 2) also took the abuse head, which flags everyday insults by the thousand."""

SIGNALS_SLOW_PATH_IDENTITY = 0.6
"""identity_claim score from which a post is a slow-path candidate: the default pack's identity-claim
threshold (an attributed identity scores 0.8, a bare mention 0.35)."""

SIGNALS_SLOW_PATH_FOLLOWERS = 50_000
"""Authors with at least this many followers are slow-path candidates: their posts seed waves (the
2.8M-follower account) and they are few (well under 1 % of authors in the demo)."""

SIGNALS_STANCE_GATE_TOX = 0.3
"""Hate/incitement/threat score from which a post's stance is modelled even without an identity
claim or rumour marker: risky posts are the ones policy may restrict, so whether they deny a
claim (refutation protection) must be known; plain chatter is "comment" by construction."""

SIGNALS_EMBED_THREADS = 2
"""BLAS threads for the sentence encoder on large calls (see SIGNALS_EMBED_THREADED_MIN_TEXTS): measured
1,000 vs 720 texts/s (512 texts) on this 2-core machine. Small calls use one thread: a second OpenBLAS
thread spin-waits for work and takes the core the pipeline's Python thread needs (5th session, same tree,
`wavebreak demo --scale 0.25`, outputs identical: 174 s user CPU / 301 s wall with 2 threads on every
call, 77 s / 151 s with 1)."""

SIGNALS_EMBED_THREADED_MIN_TEXTS = 256
"""Encoder calls with fewer texts run on one BLAS thread (SIGNALS_EMBED_THREADS from this size up).
The slow path's calls are a few texts (1 % of a batch): there a second thread saves no wall time and,
on a loaded machine, spins for a core: one text cost 4.7 ms of CPU on one thread, 155-218 ms on two."""

SIGNALS_SLOW_PATH_BUDGET = 64
"""Most texts sent to the encoder per batch (highest priority first: reach x risk). USE encodes ~250-500
texts/s on one loaded core, so 64 bounds the slow path at ~0.15-0.25 s per batch whatever the wave's
size; texts already embedded (LRU cache) are free and do not count. Candidates over budget are
skipped for this batch, not queued: a viral text comes back in later batches and gets its turn."""

SIGNALS_SLOW_PATH_MAX_SHARE = 0.01
"""Also at most this share of a batch's posts (rounded up) goes to the encoder (1 % keeps the full demo's
slow path near 10 s; the first engineer's 2.5 % cost ~23 s of a 2-minute budget). Why a share as well as
SIGNALS_SLOW_PATH_BUDGET: batches span at most 5 minutes of stream time, so a quiet stream makes
small batches (the demo averages a few hundred posts), where 64 encodings would be 10-15 % of posts;
2.5 % keeps the demo under the 3 % target whatever the batch size."""

SIGNALS_PAUSE_GC = True
"""The signals fast path runs with Python's cyclic garbage collector paused for the batch (restored after;
``SignalsStage(pause_gc=False)`` turns it off). Why: the fast path allocates hundreds of thousands of
container objects a batch (rows, token lists, signals) and creates no reference cycles (reference counting
frees what it drops; a test collects after every batch and finds nothing), yet the collector ran ~200
young passes and two full passes over the whole heap (models, caches, the posts in flight) in a 20k-post
bench run: 12 % of the fast path's CPU. Paused, the young pass runs once per batch over its survivors and
no full pass runs inside the stage (H3, signals round 7; figures in docs/models/toxicity.md)."""

SIGNALS_REPLY_JOIN_PARENT_MIN = 0.5
"""Incitement score a parent post (replied to or quoted) must have for a reply that commits to joining it
("count me in", "j'y serai") to be read as joining a call to violence (wavebreak/signals/reply_context.py).
The flag threshold: only a parent the model itself labels incitement gives context; below it the reply's
words are ordinary chatter and keep their own score (H2, eighth session)."""

SIGNALS_REPLY_JOIN_DISCOUNT = 0.9
"""A joining reply's incitement score is its parent's times this (when higher than its own). Below 1: the
join phrase is lexical evidence read in context, so the reply ranks a notch under the call it answers and
never crosses a policy threshold its parent does not; close to 1 because joining a call publicly is taking
part in it (Serious Crime Act 2007 ss.44-46 reads encouragement the same way). Parent 0.92 -> 0.83:
above the pack's 0.7 restriction, and held for review from a large account as the call would be."""

# --- claim matching (wavebreak/signals/claim_match.py)
CLAIM_MATCH_LEXICAL_WEIGHT = 1.5
"""Weight of the saturated BM25 part added to the embedding cosine. Tuned on the
dev half of CLEF 2020 train (MAP@5); lexical overlap on names/numbers is strong
evidence in English, but the cosine must keep the scale so that French posts
(no shared words) still reach the threshold."""

CLAIM_MATCH_VIEW_SHARE = 0.8
"""With an optional second encoder ("view", e.g. English all-MiniLM-L6-v2, ``wavebreak.signals.embedders``)
mixed into the hand formula's cosine: rank = (1 - share) * cos_use + share * cos_view + lexical * sat(BM25).
Chosen on the dev half of CLEF 2020 train only (grid: view weight 0-1 against USE, lexical weight 1.5/2.0,
saturation 40/80; docs/models/claim_match.md): dev MAP@5 0.889 vs 0.852 without the view."""

CLAIM_MATCH_VIEW_LEXICAL_WEIGHT = 1.2
"""Lexical weight with a view: the dev-chosen 1.5 of the unnormalised mix (0.25 USE + 1 view) divided by its
1.25, so the cosine part stays a weighted mean on the cosine scale (same ranking)."""

CLAIM_EMBED_BATCH = 64
"""Texts per forward pass of the optional numpy MiniLM encoder. Texts are sorted by length first, so a
batch pads little, and the widest activation (64 x 256 tokens x 1536) stays at ~100 MB of float32."""

CLAIM_EMBED_ONE_THREAD_MAX = 32
"""Encoder calls with at most this many texts run with one BLAS thread. Why: the pipeline matches a few
narrative texts per call, and a matrix product that small gains nothing from threads while OpenBLAS's
spinning threads fight the rest of the process (and the host) for cores: one MiniLM text took 658 ms with
default threading and 49 ms with one thread on the loaded 2-core host (the demo's claim matching went from
75 s to a few seconds). Bulk indexing (a 10k registry) keeps the library's threading."""

CLAIM_MATCH_BM25_SATURATION = 40.0
"""BM25 score at which the lexical part reaches half its weight (bm25/(bm25+K)).
Tuned on CLEF dev together with the weight; keeps one long query from dominating."""

CLAIM_MATCH_BM25_K1 = 1.2
"""BM25 term-frequency saturation: the textbook value (Robertson); statements are short."""

CLAIM_MATCH_BM25_B = 0.75
"""BM25 length normalisation: textbook value; dev tuning moved MAP@5 by < 0.005."""

CLAIM_MATCH_BM25_REL_FLOOR = 20.0
"""Floor of a post's best BM25 in the learned fusion's ``bm25_rel`` feature (BM25 / best BM25
for that post). Without it a post sharing one common word with the registry (typically a French
post) gives full relative credit to whichever statement holds that word. Dev cross-validation
was flat from 0 to 20 (English tweets' best BM25 is almost always above 20) and fell at 40."""

CLAIM_MATCH_SIMILARITY_LEXICAL = 0.3
"""Share of saturated BM25 added to the cosine in the *similarity* (the absolute score
thresholds compare), much less than in the rank score: on CLEF dev + Twitter15
non-rumour tweets as unrelated posts, 0.3 passed more correct matches per unrelated
one than cosine alone or 0.5 (see docs/models/claim_match.md)."""

CLAIM_MATCH_THRESHOLD = 0.6
"""Similarity from which ``ClaimMatcher.best`` emits a claim_match signal (same scale as
POLICY_REFUTING_CLAIM_MATCH_MIN). Measured against the 10k-claim CLEF registry: 84 % of
correct top-1 matches pass, and 14 % of unrelated news tweets find some claim this close
(a topical neighbour); at 0.7: 61 % / 2.7 %. A match is a risk factor and a context-note
trigger, never a removal alone."""

CLAIM_MATCH_QUERY_CHUNK = 512
"""Queries scored per dense block: bounds memory at chunk x registry floats."""

CLAIM_MATCH_RERANK_DEPTH = 30
"""Candidates per post that the second-stage reranker (``ClaimReranker``) reorders: the hand formula's top
30. On the CLEF dev half the gold claim is in the top 30 for 98.0 % of posts (top 5: 95.5 %, top 100: 98.3 %),
so a deeper list adds cost and almost no recall."""

CLAIM_MATCH_CHAR_NGRAMS = (3, 5)
"""Character n-gram range (within word boundaries) of the reranker's TF-IDF cosine between a post and a
statement's claim line and title (quote marks dropped). Why characters: tweets quote claims with other
inflections, hashtags and spellings ("sings" / "singing", "Tide PODs" / "tide pod"), which BM25's words miss;
in dev cross-validation 2-4 and 4-6 were no better than 3-5 (docs/models/claim_match.md, "Reranker")."""

CLAIM_MATCH_CHAR_HASH_FEATURES = 2**20
"""Hashed character n-gram space of the reranker's TF-IDF (so the registry grows without refitting)."""

# --- signals B: identity claims (wavebreak/signals/identity_claims.py)
IDENTITY_ATTRIBUTED_SCORE = 0.8
"""Score of one identity term attributed to a person (role word, pronoun subject or name in
the text): "he is an asylum seeker". High because the pattern is the Southport claim shape;
each further identity raises it (1 - (1-s) * 0.7^(k-1))."""

IDENTITY_NAME_SCORE = 0.85
"""Score of a capitalised name attached to a role ("the attacker was X", "the suspect is
named X"): naming a suspect (often a minor) is the most harmful single element of the wave."""

IDENTITY_MENTION_SCORE = 0.35
"""Score of an identity term or a name with nobody it is attributed to ("asylum seekers
deserve protection"): below the claim threshold on purpose, topical not a claim."""

IDENTITY_ROLE_ONLY_SCORE = 0.1
"""Score of a bare role word ("the attacker", "the victims"): incident talk, no identity."""

IDENTITY_NEGATED_SCORE = 0.25
"""Cap for negated/refuted mentions ("police say he is NOT an asylum seeker"): kept visible
in data for narrative linking, never labelled a claim so policy does not restrict a refutation."""

IDENTITY_CLAIM_THRESHOLD = 0.5
"""Score from which the label "identity_claim" is set: above every mention-only score and
below every attributed one, so the label is the attribution decision."""

IDENTITY_QUESTIONED_SCORE = 0.35
"""Cap for an attribution that is only asked about ("was he really an asylum seeker?", "c'est
confirmé que l'agresseur est arrivé en bateau ?"): a yes/no question does not assert what it asks,
so it scores as a mention (``data["questioned"]``), below the claim threshold; the rumour ``query``
marker and the policy's question exemption then apply to it instead of the claim rules."""

IDENTITY_NAME_SUBJECT_GAP = 60
"""Most characters between "<First Last> is/was/est/était" and the identity it attributes ("Jon Doe
was already on an MI5 watch list"): the name is the subject of the identity, as a pronoun would be."""

# --- signals B: rumour markers (wavebreak/signals/rumour.py)
RUMOUR_BASE_PRIOR = 0.05
"""Rumour prior of a post with no marker: a small floor, most posts are not rumours."""

RUMOUR_QUERY_WEIGHT = 0.6
"""Weight of one enquiry marker ("is this true?", "c'est vrai ?"): enquiry tweets are an
early rumour signal (Zhao, Resnick & Mei 2015, "Enquiring minds")."""

RUMOUR_CORRECTION_WEIGHT = 0.6
"""Weight of one correction marker ("debunked", "intox"): corrections cluster around
rumours as much as enquiries do (same paper), so the same weight."""

RUMOUR_HEDGE_WEIGHT = 0.3
"""Weight of a hedge ("reportedly", "unconfirmed", "apparemment"): weaker, also common in
ordinary careful news writing."""

# --- signals B: stance (wavebreak/signals/stance.py)
STANCE_HASH_FEATURES = 2**18
"""Hashed n-gram space of the stance model: RumourEval has ~5k posts so collisions are
negligible at 2^18, and the shipped coefficient file stays small once compressed."""

STANCE_LEXICON_BLEND = 0.6
"""How far a strong EN/FR refutation or enquiry lexicon hit pulls the stance probabilities
toward deny/query. RumourEval is English only, so French denials ("c'est faux", "intox")
have no learned weights; 0.6 makes the lexicon win over a "comment" prior of up to ~0.8."""

# --- signals B: credibility (wavebreak/signals/credibility.py)
CREDIBILITY_NEW_ACCOUNT_DAYS = 30
"""Accounts younger than this are "new": throwaway accounts created for a wave are
typically days old; a month keeps ordinary new users from being singled out for long."""

CREDIBILITY_RATE_HALF_LIFE_S = 3600.0
"""Half-life of the per-author posting-rate EWMA: an hour tracks a burst during a crisis
without forgetting it between two batches."""

CREDIBILITY_HIGH_RATE_PER_HOUR = 30.0
"""Posting rate (EWMA, posts/hour) from which an author looks automated or campaign-like:
one post every two minutes sustained is beyond ordinary human use."""

CREDIBILITY_MAX_TRACKED_AUTHORS = 200_000
"""Bound on per-author state in the tracker (least recently seen evicted first)."""

CREDIBILITY_LOW_THRESHOLD = 0.35
"""Score under which an ordinary account is labelled "low_credibility"."""

# ----------------------------------------------------------------- narratives
# --- veracity prior (wavebreak/narratives/veracity.py)
VERACITY_DUP_COSINE = 0.5
"""Source texts with char-3-gram TF-IDF cosine above this are one near-duplicate group
for grouped CV: Twitter15 repeats claims with small edits, and at 0.5 the pairs read
as the same claim while distinct claims on one topic stay apart."""

VERACITY_CV_FOLDS = 5
"""Folds of the reported cross-validation: 5 keeps ~300 test cascades per fold on Twitter15."""

VERACITY_INNER_FOLDS = 3
"""Inner folds for out-of-fold text probabilities fed to the booster (stacking): 3 keeps
training fast; the booster only needs roughly calibrated text probabilities."""

VERACITY_TEXT_C = 4.0
"""Inverse L2 strength of the text logistic regression: short tweets with sparse
n-grams need weak regularisation; chosen on grouped CV of Twitter15 only."""

VERACITY_GB_ITERS = 100
"""Boosting rounds of the structure+text booster: enough to converge on ~10k rows
(cascades x cut-offs) while training stays well under a minute on one core."""

# --- narratives: clustering (wavebreak/narratives/stage.py)
NARR_TICK_MINUTES = 5
"""Event-time step at which bursts, risk and alerts are evaluated inside a batch: a 2048-post
batch can span 20+ minutes of a quiet stream, and the early-detection target is 30 minutes."""

NARR_SERIES_MINUTES = 10
"""Width of the chart buckets returned by ``series``: readable over a 36 h crisis (216 points)."""

NARR_SERIES_MAX_BUCKETS = 1008
"""Chart buckets kept per narrative (7 days at 10 min): bounds memory on long replays."""

NARR_VELOCITY_WINDOW_MIN = 10
"""Window of the live ``velocity`` (posts/min) and of ``acceleration`` (change vs the window
before): short enough to see a surge within minutes, long enough to smooth single posts."""

NARR_MINHASH_PERMS = 18
"""MinHash permutations over word bigrams (6 bands x 3 rows): a pair with Jaccard 0.8 collides
in some band with p = 0.99, at 0.3 with p = 0.15, so copy-paste variants join cheaply and
loosely related posts fall through to the term index."""

NARR_LSH_BANDS = 6
"""LSH bands of the MinHash signature (see NARR_MINHASH_PERMS)."""

NARR_MATCH_THRESHOLD = 0.30
"""TF-IDF cosine between a post and a narrative centroid from which the post joins it. Set on
seed 7 of the demo scenario: paraphrases of one claim score 0.35-0.7, unrelated crisis chatter
sharing only the town name scores below 0.25."""

NARR_ENTITY_WEIGHT = 2.5
"""Weight multiplier of entities (capitalised names, hashtags, URL domains) over plain words:
a false name or a pseudo-news link is the strongest sign two posts carry the same claim, and
it survives translation."""

NARR_CENTROID_TERMS = 64
"""Terms kept per narrative centroid (largest weights): bounds memory and matching cost."""

NARR_POSTINGS_PER_TERM = 12
"""Narratives indexed per term (most recent win): a term shared by hundreds of narratives is
not discriminative anyway, and the cap keeps scoring a few microseconds per post."""

NARR_IDF_TABLE_BITS = 20
"""Hashed document-frequency table size (2^20 floats): collisions are rare at crisis vocab."""

NARR_IDF_HALF_LIFE_DOCS = 200_000
"""Document frequencies are halved after this many posts so IDF follows the current stream."""

NARR_POST_LRU = 300_000
"""Posts remembered (id -> narrative, author, reach) for parent joins and cascades; replies to
older posts fall back to content matching."""

NARR_MAX_NARRATIVES = 20_000
"""Live narratives kept; beyond this the smallest dormant ones are evicted first."""

NARR_DORMANT_AFTER_MIN = 360
"""Minutes without a post after which a narrative is dormant (6 h: a news cycle)."""

NARR_EVICT_MAX_POSTS = 25
"""Dormant narratives at most this big are evicted (chatter singletons); bigger ones stay
queryable for reports."""

NARR_ARCHIVE_AFTER_H = 48
"""Hours of silence after which a narrative leaves the live set whatever its size or alert: its record
moves to the bounded archive (``get`` still answers) and storage already holds it (the decisions stage
writes every touched narrative). Why: without it, every narrative past ``NARR_EVICT_MAX_POSTS`` stayed live
until the 20,000-narrative cap (a replay added ~8,800 live narratives per 400k posts, each with its series,
minutes, amplifiers and cascade), so memory was bounded only by that cap. The live set is thus the last two
days of stories; the demo (36 h) is unaffected."""

NARR_COMPACT_ACCOUNTS = 256
NARR_COMPACT_AMPLIFIERS = 100
NARR_COMPACT_CASCADE_EDGES = 500
"""When a narrative goes dormant it is compacted: its exact account set (past 256 accounts) becomes
a HyperLogLog (4 KB), its amplifier pool keeps the top 100 by contributed or downstream reach (reports
show 10, bridges among them) and its cascade the first 500 edges (the origin side). Why: dormant big
narratives stay live for reports until ``NARR_ARCHIVE_AFTER_H``, and uncompacted each held up to ~3 MB
(20k account ids, 2,000 amplifiers, 5,000 edges). A narrative that wakes up keeps counting, approximately,
from there."""

NARR_DISTINCT_EXACT_MAX = 20_000
"""Distinct accounts a narrative counts exactly (a set of ids) before switching to a sketch: exact
where counts are small and every threshold reads them (``NARR_RISK_FULL_ACCOUNTS``, burst minimums),
at most ~1.5 MB of ids for the biggest live story, 4 KB past it."""

NARR_HLL_PRECISION = 12
"""Register bits of the distinct-account sketch (HyperLogLog++, 2^12 = 4,096 one-byte registers,
standard error 1.04 / 64 = 1.6 %): well inside the reach and account figures' own uncertainty."""

NARR_EMBED_MATCH = 0.72
"""USE-multilingual cosine from which a candidate post (or a young narrative) is merged into a
risky narrative: translations of the same sentence score 0.75-0.9 with USE-m, related but
different claims 0.5-0.65."""

NARR_EMBED_MAX_PER_BATCH = 64
"""Embedding calls per batch are capped so the slow path never stalls the stream."""

NARR_EMBED_CANDIDATE_FOLLOWERS = 100_000
"""Authors with at least this many followers are embedding candidates (high reach)."""

NARR_EMBED_TARGETS = 40
"""Narratives (the riskiest/fastest growing) whose centroid embeddings candidates are matched to."""

NARR_ANCHOR_MIN_CLAIMS = 3
"""Posts whose identity-claim signal attributed a name before that name (spelling skeleton) is
an anchor that consolidates narratives: one misfire must not glue stories together, while a
false name spreading through several accounts becomes an anchor within its first minutes."""

NARR_ANCHOR_MIN_SHARE = 0.25
"""Share of a narrative's text posts that must carry an anchor name (as a name or a hashtag) for
that narrative to be consolidated into the anchor's claim narrative. The claim's own fragments
carry it in 40-100 % of posts; a news story that quotes the name in a few posts (the French
news thread carried it in ~18 %) stays apart."""

NARR_HARM_JOIN_MIN_POSTS = 10
"""Posts (reposts and replies included) from which a narrative is an established story that a post
flagged identity claim, incitement, threat or hate may not join by shared words, an LSH band collision
or a shared link alone (``NARR_HARM_JOIN_MAX_SHARE``); younger narratives take any post that matches,
so a thread forming around its first flagged posts is not split."""

NARR_HARM_JOIN_MAX_SHARE = 0.02
"""Flagged posts (identity claim, incitement, threat, hate; counted over all posts, a post flagged twice
counts twice) per post of an established narrative at or under which it is a benign story: a flagged
post that matches it by words, a near-duplicate band or a link founds or joins another narrative
instead (a true copy of a benign post is not flagged). Replies, quotes and reposts still join their
parent's narrative (same conversation)."""

NARR_HARM_JOIN_ALLOWED = 2
"""Flagged posts a benign story may hold whatever its size (``NARR_HARM_JOIN_MAX_SHARE``): one misfire
or a hateful reply under a benign post must not open a 40-post story to every call sharing its words."""

NARR_ANCHOR_MIN_POSTS = 3
"""Text posts a fragment needs before it can be consolidated (its anchor share means something)."""

NARR_CONSOLIDATE_EVERY_MIN = 10
"""Event-time minutes between two consolidation passes (anchor merges): frequent enough that a
fragment is folded in before policy acts on it twice, cheap (only anchored narratives are read)."""

# --- narratives: burst detection
NARR_BURST_TABLE_BITS = 20
"""SigniTrend hash table size for terms and term pairs."""

NARR_BURST_ALPHA = 0.05
"""EWMA weight per tick (5 min): a ~100-minute memory (SigniTrend uses a half-life of a few
periods), so a burst is judged against the last hour or two."""

NARR_BURST_BETA = 2.0
"""Noise floor added to the standard deviation (SigniTrend's beta): without it a term never
seen before scores infinite z on its first two posts."""

NARR_BURST_Z = 4.0
"""Z-score from which a term, pair or narrative is bursting."""

NARR_BURST_MIN_ACCOUNTS = 5
"""Distinct accounts needed in one tick for a burst: one spammer cannot trigger a trend alert."""

NARR_BURST_MIN_COUNT = 8
"""Posts needed in one tick for a narrative burst alert."""

NARR_BURST_COOLDOWN_MIN = 60
"""Minimum minutes between two burst alerts of the same narrative."""

# --- narratives: risk
NARR_SIGNAL_POSITIVE = 0.5
"""Signal score from which a post counts towards a share (identity_claim, incitement, hate...)."""

NARR_RISK_WEIGHTS = {
    "identity_claim": 0.85,
    "incitement": 0.95,
    "threat": 0.8,
    "hate": 0.55,
    "rumour": 0.25,
    "pseudo_news": 0.35,
    "new_account": 0.15,
    "coordination": 0.3,
    "veracity": 0.35,
}
"""Weight of each risk factor in risk = 1 - prod(1 - w * f). Identity claims about a suspect and
incitement dominate (the Southport harms); pseudo-news, new accounts and coordination only add
to content risk, never create it alone (a new account posting about a goal is not a risk)."""

NARR_RISK_PRIOR_POSTS = 2.0
"""Pseudo-posts added to every shrunk share's denominator (``NarrativeState.share``)."""

NARR_RISK_FULL_ACCOUNTS = 4
"""Distinct accounts carrying a content flag (identity claim, incitement...) at which that
factor's account evidence saturates. Three accounts give 0.75: enough, with a 0.85 weight, to
alert on the third account naming a suspect; one spammer alone only reaches 0.25."""

NARR_RISK_REFUTING_FULL = 0.6
"""Share of refuting posts (stance deny or a correction marker) at which a narrative's
identity-claim factor drops to zero: refutations repeat the false name to deny it, and the
counter-speech must not be restricted as if it were the claim."""

NARR_RISK_FULL_SHARE = 0.25
"""Share of a narrative's posts carrying a flag at which that factor's share evidence saturates.
A false claim keeps ~40 % identity-claim posts even diluted by replies; a sport burst with a few
classifier misfires stays near 1 %, so its factor stays near 0.04."""

NARR_RISK_ALERT = 0.45
"""Risk from which a "risk" alert is raised. Background bursts (sport, weather) sit below 0.15
on seed 7; 3 identity-claim posts reach ~0.5."""

NARR_RISK_MIN_POSTS = 3
"""Posts a narrative needs before a risk alert."""

NARR_RISK_MIN_ACCOUNTS = 3
"""Distinct accounts a narrative needs before a risk alert: one account cannot raise it."""

# --- narratives: origin, amplifiers, bridges
NARR_ORIGIN_POOL = 40
"""Earliest posts kept per narrative as patient-zero candidates."""

NARR_ORIGIN_TAU_MIN = 90.0
"""Time scale of the origin prior: confidence decays as exp(-minutes after first post / tau)."""

NARR_ORIGIN_SIMILAR_WEIGHT = 0.2
"""Weight of a near-duplicate follower relative to an explicit child (repost, quote, reply, URL
citation) in the origin score: copies of a text point to its source, but a popular template copied
by many later posts must not outrank the earlier post that started the claim."""

NARR_AMPLIFIER_POOL = 2_000
"""Accounts tracked per narrative for amplifier ranking (pruned to the top half by reach)."""

NARR_BRIDGE_MIN_REACH = 10_000
"""Downstream reach (followers + views of descendants) from which an account can be a bridge."""

NARR_BRIDGE_MIN_RATIO = 3.0
"""A bridge's downstream reach must exceed its own reach by this factor: it carried the claim
to audiences much larger than its own (a small pseudo-news site quoted by a megaphone)."""

NARR_CASCADE_MAX_EDGES = 5_000
"""Cascade edges kept per narrative (the earliest): enough to draw the start of a wave."""

# --- narratives: coordination
NARR_COORD_WINDOW_S = 30.0
"""Co-share window: coordinated networks post within seconds (CooRnet estimates ~10-60 s)."""

NARR_COORD_MIN_REPEATS = 3
"""Distinct items a pair must co-share within the window: one coincidence is common."""

NARR_COORD_MIN_ACCOUNTS = 4
"""Accounts a coordinated cluster needs to be reported."""

NARR_COORD_ALPHA = 1e-4
"""Poisson tail probability under the random-timing null below which a co-share edge is kept
(many pairs are tested, so far below 0.05)."""

NARR_COORD_NULL_SPAN_S = 3600.0
"""Floor of an item's sharing span in the random-timing null: two shares of an item are placed
uniformly over max(observed span, 1 h), so a pair lands within the window with probability
2 x window / span. A text posted only by a network within seconds has a tiny observed span; the
floor says what "random timing" would have been for an organic item."""

NARR_COMPACT_AGE_H = NARR_ARCHIVE_AFTER_H
"""Hours after its first post after which a narrative that is still live (it never fell silent for
``NARR_DORMANT_AFTER_MIN``) is compacted like a dormant one (``NARR_COMPACT_*``) at every retirement
pass (``NarrativeStage._retire``): account set to a HyperLogLog, top amplifiers, first cascade edges.
Why (issue #4, ninth session): compaction only on dormancy left the stories that never fall silent
(background topics of a long stream) growing their exact account sets (up to 20,000 ids), amplifier
pools (2,000) and cascades (5,000 edges) for days, the largest per-narrative grower of a multi-million
post replay. Two days, the live set's horizon (``NARR_ARCHIVE_AFTER_H``): early detection acts within
minutes to hours of a story's start, so a two-day-old story's exact counts change no alert (its
distinct accounts are then estimated to ~1.6 %, its reach counted approximately, as for a dormant
narrative that wakes up); the 36 h demo and the early-detection evaluation are unaffected."""

NARR_COORD_RETIRE_AFTER_H = NARR_ARCHIVE_AFTER_H
"""Hours after its last share (an item) or its last fast co-share (a pair of accounts) after which
the co-sharing detector forgets it. Why: both tables were bounded only by count (200k items, 300k
pairs), which a long stream reaches slowly, so memory kept growing for millions of posts (the
largest grower of a 2M-post replay's first million, ~170 MB). Two days, like the live narrative set
(``NARR_ARCHIVE_AFTER_H``): a network that keeps co-sharing keeps its edge, one silent for two days
is no longer pushing anything the live set still shows; the 36 h demo is unaffected."""

NARR_RETIRE_EVERY_H = 6
"""Event-time hours between two retirement passes of the narratives stage (``NarrativeStage._retire``:
index entries of narratives no longer live, co-sharing state past ``NARR_COORD_RETIRE_AFTER_H``). Each
pass scans the LSH, URL, postings and co-sharing tables (~1M entries on a long replay, ~0.3-0.6 s):
hourly that was ~4 % of the pipeline's time on the 7.7 posts/s bench stream, every 6 h under 1 %,
and state lingers at most 6 h past its window (an eighth of the 48 h one)."""

NARR_COORD_EVERY_MIN = 15
"""Event-time minutes between two coordination recomputations (connected components)."""

NARR_CLAIMED_NAMES_MAX = 8
"""Names a narrative record keeps in ``claimed_names`` (the names the identity-claim signal attributed
in its posts, each with its count; the order is not meaningful, and storage returns them sorted by name).
Up to twice this many are held; past that, only this many of the most attributed are kept. A false
name spreads in a handful of spellings (the simulator's "Idris Al-Qamari" in 4-6); eight keeps them all
while bounding a narrative that collects misfires. The policy stage reads them to tell a post that
carries the claim (names its subject) from one clustered with it by shared event words."""


# ----------------------------------------------------------------- policy
POLICY_REFUTING_STANCE_MIN = 0.5
"""A post counts as refuting (and is protected from being demoted with the claim
it quotes) when its stance label is ``deny`` with at least this confidence: the
stance classifier's decision point; below it the label is a coin toss."""

POLICY_REFUTING_CLAIM_MATCH_MIN = 0.6
"""A post whose claim-match similarity to an authority statement reaches this is
treated as repeating the authority's refutation (unless its stance is
``support``). Set where TF-IDF / sentence-embedding matches stop being topical
neighbours and start being restatements."""

POLICY_NARRATIVE_REEVAL_GROWTH = 0.2
"""Narrative rules are re-evaluated when a narrative's post, account or reach
count has grown by this fraction since the last evaluation (or its status,
alert, risk band or crisis scope changed): 20 % growth is enough to cross any
threshold meaningfully, and re-evaluating on every post would cost O(posts)."""

POLICY_NARRATIVE_REEVAL_RISK_DELTA = 0.05
"""A change of narrative risk of at least this much also triggers re-evaluation
(risk thresholds in packs are set in steps of 0.05-0.1)."""

POLICY_STATE_RETIRE_AFTER_H = NARR_ARCHIVE_AFTER_H + 1
"""Hours of silence of a target's narrative (and age of its last decision) after which the policy
stage forgets the target's dedupe signature, cover, last evaluated snapshot and remembered refuting
posts (``PolicyStage._retire_idle``). Two days, as the narratives stage's live set, plus its hourly
eviction period: past it the narrative has been archived and no post can join it, so the state
answers nothing any more (at exactly two days the narratives stage may not have run its hourly
eviction yet, and a post joining in that gap would get a decision without ``supersedes`` while the
old cover stayed in force: review finding, eighth session). Why: these
maps were bounded only by count (250k targets, 40k narratives), filled at ~20-30 MB per million
posts of a long replay; the 36 h demo is unaffected."""

POLICY_WITHHELD_MAX = 100_000
"""Post decisions withheld because their narrative's (or a repost's original's) decision
already applies everything they would (kept in memory so they can be issued if that
decision is reversed or expires). Past this many, new ones are issued instead: memory
stays bounded (~1-2 kB each, ~150 MB at most) and nothing is ever lost. A 200k-post
viral wave withholds ~50k."""

POLICY_WITHHELD_RETIRE_AFTER_H = POLICY_STATE_RETIRE_AFTER_H
"""Hours (event time) after its evaluation after which a withheld post decision is forgotten: neither
issued nor kept (``PolicyStage._forget_withheld``, at the hourly retirement pass). Why: the count cap
(``POLICY_WITHHELD_MAX``) alone let them fill for millions of posts of a long replay (100k, ~150 MB,
reached at ~2.3M posts of the bench stream; past it every covered decision was issued instead) - memory
bounded by the stream's length, not its recent days. With it: 31k-75k held over 0.5-4M posts. Safe because the post's cover still applies everything the decision would, in the gate, until it
expires or is reversed; what is lost is only the release after that, a post-level decision on a post
more than two days old. The surfaces these decisions restrict (trends, recommendations, search) serve
recent posts (trend windows of an hour, engagement half-lives of hours: ``SIM_TREND_WINDOW_MIN``,
``SIM_ENGAGEMENT_HALF_LIFE_H``), so a two-day-old post's restriction there changes next to nothing, and
a decision with an item action under a narrative cover is never withheld. Two days plus an hour like the
rest of the policy stage's per-target state (``POLICY_STATE_RETIRE_AFTER_H``): the 36 h demo and the
early-detection evaluation never reach it."""

POLICY_NARRATIVE_STATE_MAX = 2 * NARR_MAX_NARRATIVES
"""Narratives whose last evaluated snapshot (and refuting posts) the policy stage remembers, least
recently evaluated dropped first: twice the narratives stage's live set (``NARR_MAX_NARRATIVES``).
Unbounded, this grew by one entry per narrative ever seen (100k after 450k posts) and a refutation
or crisis change re-evaluated all of them. A forgotten narrative that comes back is simply
evaluated afresh (the issued-decision signatures still stop a duplicate decision)."""

POLICY_MAX_DECISION_DAYS = 90
"""A rule ``duration`` above this is rejected: restrictions must be reviewed at
least quarterly (same bound as a crisis declaration)."""

CRISIS_MAX_DAYS = 90
"""A crisis declaration lasts at most 3 months and must then be renewed by a
person (EU DSA art. 36 crisis-response measures are limited to 3 months)."""

CRISIS_DEFAULT_DAYS = 7
"""Default duration of a declared crisis when none is given: a riot wave like
Southport 2024 ran for about a week; renewal extends it."""

CRISIS_PROPOSE_MIN_RISK = 0.6
"""A narrative must reach at least this risk before Wavebreak proposes a crisis
(proposals go to a duty officer: too low floods them, too high is too late)."""

CRISIS_PROPOSE_MIN_ZSCORE = 4.0
"""...and have burst: raised a narratives-stage alert, or be at least this many
standard deviations above its baseline volume (a 4-sigma burst is rare in
ordinary news traffic)."""

CRISIS_PROPOSE_MIN_ACCOUNTS = 50
"""...carried by at least this many distinct accounts, so a single spammer
cannot trigger crisis mode."""

CRISIS_REACH_VIEWS_PER_FOLLOWER = 0.05
"""Reach-avoided estimate: algorithmic surfaces (trends, search, recommendations,
notifications) would have shown an excluded post to about 5 % of its author's
followers' worth of extra viewers (order of magnitude of published out-of-network
impression shares); used only for the crisis facts sheet, never for decisions."""

HOLD_FOLD_CACHE = 65_536
"""Folded texts memoised for hold and crisis-scope matching (bounded; ~a few MB)."""

HOLD_MIN_TERM_CHARS = 3
"""Legal-hold terms shorter than this (after folding) are refused: they would
match inside ordinary words and withhold unrelated posts."""

GATE_CACHE_TTL_S = 5.0
"""The gate caches decisions looked up from storage for this many seconds:
fresh enough that a new decision reaches every surface within seconds, long
enough that a hot item costs no SQL on repeated requests."""

GATE_TREND_EXCLUDED_SHARE = 0.5
"""A trend candidate is ineligible when at least this share of its sample posts
is excluded (or worse) from trends: a term carried mostly by restricted posts
would amplify them."""

REFUTATION_MATCH_MIN = 0.35
"""Narrative-to-statement similarity (TF-IDF cosine fallback or ClaimMatcher
score) from which a narrative counts as refuted by an authority statement.
Narrative texts (title + keywords + representative posts) are short; 0.35 keeps
topical neighbours out on the Southport demo while matching paraphrases."""


# ----------------------------------------------------------------- review
# (owned by wavebreak/review/ and wavebreak/console/)
REVIEW_NOTIFIER_WEIGHT: dict[str, float] = {
    "authority": 3.0,
    "trusted_flagger": 2.0,
    "automated": 1.5,
    "user": 1.0,
}
"""Queue weight of a notice by who sent it (Ofcom's prioritisation: an order from an
authority outranks a trusted flagger, which outranks an ordinary user; DSA art. 22 asks
that trusted flaggers' notices be handled with priority). Engine referrals (uncertain or
high-impact automated decisions) sit between flaggers and users: they are precise but
not a human assessment."""

REVIEW_PRIORITY_WEIGHTS: dict[str, float] = {
    "reach": 0.25,
    "velocity": 0.2,
    "severity": 0.3,
    "illegality": 0.25,
}
"""Weights of the expected-harm factors (each in [0, 1]) summed into the base priority,
then multiplied by the notifier weight. Severity weighs most because the worst harms
(incitement, threats) must rise even when still small; reach and velocity together
(0.45) make a fast, large wave outrank a slow niche one."""

REVIEW_REACH_SATURATION = 1_000_000
"""Reach (followers/views) at which the reach factor reaches 1 (log scale): a
2.8M-follower amplifier saturates, a 50-follower account scores ~0.28."""

REVIEW_VELOCITY_SATURATION = 60.0
"""Narrative posts per hour at which the velocity factor reaches 1 (linear): a wave
adding one post a minute is already at full spread speed for a review queue."""

REVIEW_CATEGORY_SEVERITY: dict[str, float] = {
    "incitement": 1.0,
    "threat": 1.0,
    "terrorism": 1.0,
    "child_safety": 1.0,
    "minor_identity": 0.9,
    "illegal_hate": 0.9,
    "hate": 0.8,
    "misinformation": 0.6,
    "harassment": 0.5,
    "impersonation": 0.4,
    "spam": 0.2,
    "other": 0.3,
}
"""Severity of a reported category (DSA statement categories, coarsened). Illegal
harms to life and children score 1; misinformation 0.6 (harmful at scale, rarely
illegal alone); unknown categories fall back to "other"."""

REVIEW_HIGH_SEVERITY = 0.8
"""A case whose category severity is at least this uses the "high" SLA column."""

REVIEW_SLA_HOURS: dict[str, dict[str, float]] = {
    "authority": {"high": 1.0, "normal": 4.0},
    "trusted_flagger": {"high": 4.0, "normal": 24.0},
    "automated": {"high": 4.0, "normal": 24.0},
    "user": {"high": 24.0, "normal": 72.0},
}
"""Default deadline for the first action, per source and severity (hours). Authority
orders on severe harms: 1 h (the EU TCO regulation's one-hour removal order); trusted
flaggers on severe harms: 4 h; ordinary users: within a day for severe harms and
three days otherwise (Ofcom expects "swift" action, ordered by harm)."""

REVIEW_SLA_CRISIS_HOURS: dict[str, float] = {
    "authority": 1.0,
    "trusted_flagger": 1.0,
    "automated": 2.0,
    "user": 4.0,
}
"""Deadline caps while the case is in scope of a confirmed crisis: a wave turns into
riots within hours (Southport: ~24 h), so trusted flaggers and authorities get a first
action within 1 hour and users within 4."""

REVIEW_SLA_WARN_FRACTION = 0.75
"""An open case past this share of its SLA window is flagged "due soon"."""

REVIEW_ACCURACY_PRIOR = 1.0
"""Laplace prior (pseudo-reports each way) for a notifier's accuracy, so one unfounded
report does not halve a new notifier's weight."""

REVIEW_WARN_MIN_UNFOUNDED = 3
"""Unfounded reports before a notifier can be warned (DSA art. 23: only *frequent*
manifestly unfounded notices count; three is the smallest pattern, not a mistake)."""

REVIEW_SUSPEND_MIN_UNFOUNDED = 6
"""Unfounded reports before a (previously warned) notifier is suspended from reporting."""

REVIEW_UNFOUNDED_RATE = 0.7
"""Share of a notifier's decided reports that must be unfounded to warn or suspend:
a prolific, mostly accurate reporter is never penalised for its misses."""

REVIEW_NOTIFIER_SUSPENSION_DAYS = 30
"""Length of a reporting suspension (DSA art. 23: "for a reasonable period")."""

REVIEW_CONFIRM_FOLLOWERS = 100_000
"""Automated decisions on posts by accounts above this many followers go to the queue
for human confirmation: a mistake there is highly visible and highly consequential."""

REVIEW_APPEAL_WINDOW_DAYS = 183
"""Appeals are accepted for six months after a decision (DSA art. 20(1))."""

REVIEW_STRIKE_TTL_DAYS = 90
"""A strike expires after this long: repeat offending is judged on recent conduct."""

REVIEW_STRIKES_TO_SUSPEND = 3
"""Active strikes at which an account is suspended (three-strikes, as most platforms)."""

REVIEW_ACCOUNT_SUSPENSION_DAYS = 14
"""Length of an account suspension triggered by strikes (temporary, proportionate)."""

REVIEW_DECISION_TTL_DAYS = 90
"""Reviewer decisions restrict reach for this long unless the action is removal; they
are re-reviewable on appeal at any point in between."""

REVIEW_CONSOLE_SESSION_HOURS = 12
"""Console session cookie lifetime: one working shift."""

REVIEW_FOUR_EYES_CATEGORIES: tuple[str, ...] = ("incitement", "threat", "terrorism")
"""Report categories whose held or restricted posts need a second, different reviewer to
release ("four eyes", dual control for high-impact reversals): a wrongly released call to
violence is the costliest single reviewer error in a crisis (Southport 2024), while a wrongly
kept hold on such a post costs minutes of delay, not the speech itself."""

REVIEW_FOUR_EYES_FOLLOWERS = REVIEW_CONFIRM_FOLLOWERS
"""Author followers above which releasing a hold in those categories needs a second reviewer
(outside a crisis): the same line as confirmation, for the same reason (a mistake at that reach
is highly visible and highly consequential). Inside a confirmed crisis every such release does."""


# ----------------------------------------------------------------- transparency

SOR_BATCH_MAX = 100
"""Statements per POST /api/v1/statements call: the DSA Transparency Database rejects larger batches."""

SOR_MAX_ATTEMPTS = 6
"""Tries per batch before the client gives up on it (429/5xx): with exponential backoff from
SOR_BACKOFF_BASE_S this spans about a minute, longer than the database's usual throttling window."""

SOR_BACKOFF_BASE_S = 1.0
"""First retry delay; doubled each attempt (with jitter) unless the server sends Retry-After."""

SOR_BACKOFF_MAX_S = 30.0
"""Cap on one retry delay, so a long Retry-After cannot stall an export run indefinitely."""

APPEAL_WINDOW_DAYS = 183
"""DSA Art. 20(1): internal complaints must be possible for at least six months after the decision
is notified; 183 days covers the longest six-month span."""

RESEARCH_PUBLIC_MIN_FOLLOWERS = 100_000
"""Followers from which an account is named (not pseudonymised) in research exports and reports:
a public-figure audience, well above private users; news and authority accounts are always named."""

NARRATIVE_REPORT_CASCADE_NODES = 400
"""Posts drawn in the cascade graph of an investigation report (earliest first, then largest): more
makes the picture unreadable at print size."""

NARRATIVE_REPORT_TOP = 10
"""Rows in the amplifier, bridge and first-post tables of an investigation report."""

WHY_TREND_SAMPLE = 50
"""Most recent posts carrying a term that ``why --trend`` asks the gate about (the trends service
vets a term from a sample of its posts; 50 keeps the share stable to about +/-7 points)."""

# ----------------------------------------------------------------- simulate
# (owned by wavebreak/simulate/; every figure below is a model assumption documented in docs/simulate.md)
SIM_STEP_MINUTES = 5
"""Time step of the diffusion simulator: fine enough that a trend refresh, a reshare wave and a
review pick-up are separate events, coarse enough that 36 h is 432 vectorised steps."""

SIM_MEAN_DEGREE = 30.0
"""Mean in-graph followers per agent. Agents are the scenario's *active posters*, a small slice of the
platform; 30 keeps the poster network connected (giant component) at scale 0.05 without making
every account a hub."""

SIM_DEGREE_CAP_SHARE = 0.5
"""No agent is followed by more than this share of the agents: a 2.8M-follower account scaled
down would otherwise need more followers than the graph has."""

SIM_LANG_HOMOPHILY = 0.9
"""Share of an account's followers who write in its language (the French-language wave stays mostly
French, as in the scenario)."""

SIM_POPULATION_AT_SCALE_1 = 5_000_000
"""Platform users (viewers, not only posters) in the scenario's regions at scale 1, split by the
agents' regional mix and scaled with ``scale``. Order of magnitude of X's UK daily users; views
through trends, search and recommendations are drawn from this population."""

SIM_FOLLOWER_VIEW_RATE = 0.06
"""Share of an account's (real) followers who see one of its posts in their following timeline at
mean activity. Published impressions-per-follower ratios on X sit between 2 % and 10 %."""

SIM_AGENT_ATTENTION = 0.15
"""Probability that an agent (an active poster) sees a followed agent's post: posters read their
timeline more than the average follower, hence above ``SIM_FOLLOWER_VIEW_RATE``."""

SIM_SHARE_PROB: dict[str, float] = {
    "false_claim": 0.165,
    "incitement": 0.39,
    "refutation": 0.24,
    "benign": 0.006,
    "leak": 0.165,
}
"""Probability that an agent with affinity for a post's class reshares it once exposed. Calibrated
on the *uncontrolled* arm so the cascade matches the scenario's own repost volumes (tens of
thousands of false-claim mentions by tens of thousands of accounts at scale 1); benign posts are
plentiful and each is rarely reshared."""

SIM_AFFINITY_OTHER = 0.08
"""Relative reshare propensity of an agent for a class it never posted in the scenario (believers
reshare the claim; most other people rarely do)."""

SIM_SHARE_HALF_LIFE_H = 3.0
"""Half-life of a post's reshare appeal: news-like posts get most of their reshares in hours."""

SIM_SHARE_DELAY_STEPS = 2.0
"""Mean delay (steps, geometric) between seeing a post and resharing it."""

SIM_QUOTE_SHARE = 0.2
"""Share of reshares that are quotes (with their own text, drawn from the scenario's quotes of the
same class) rather than plain reposts; quotes become new items that can spread in turn."""

SIM_ENGAGEMENT_HALF_LIFE_H = 2.0
"""Half-life of the engagement score that ranks trends samples, search results and recommendations
(recency-weighted engagement, as engagement-ranked feeds do)."""

SIM_VIEW_ENGAGEMENT = 0.002
"""Engagement points per view (likes and clicks) on top of one point per reshare."""

SIM_TREND_WINDOW_MIN = 60
"""Trend detection window: a term's count in the last hour against its baseline."""

SIM_TREND_BASELINE_H = 6.0
"""Baseline window before the trend window, for the burst score."""

SIM_TREND_TOP_K = 10
"""Trends shown per region (the size of X's "trending" panel)."""

SIM_TREND_MIN_COUNT_AT_SCALE_1 = 40
"""Posts in the window a term needs before it can trend, at scale 1 (scaled, minimum 3)."""

SIM_TREND_SAMPLE = 20
"""Sample posts per candidate term handed to ``Gate.vet_trends``: the term's most recent posts in the
region (reposts resolved to what they show) inside the trend window (``SIM_TREND_WINDOW_MIN``), i.e. the
posts that make it trend now; also the size of the pool a trend's page is ranked from (top by engagement)."""

SIM_TREND_PANEL_RATE_H = 0.02
"""Share of a region's users who open the trends panel and click a trend per hour (at mean activity);
clicks go to positions with weights 1/(1+rank)."""

SIM_TREND_POSTS_PER_CLICK = 5
"""Posts a user sees on a trend's page."""

SIM_SEARCH_RATE = 0.05
"""Searches for a term per user per hour, per unit of "share of the region's posters who posted the
term in the last hour": people search what they hear about."""

SIM_SEARCH_RESULTS: tuple[float, ...] = (1.0, 0.7, 0.5, 0.4, 0.3, 0.25, 0.2, 0.18, 0.16, 0.15)
"""Views per search by result position (eye-tracking-like decay over a 10-result page)."""

SIM_RECS_RATE_H = 0.5
"""Recommended impressions per user per hour at mean activity ("For you" feed)."""

SIM_RECS_CANDIDATES = 100
"""Candidates the recommendation feed ranks per region and step (top by engagement)."""

SIM_RECS_EXPONENT = 0.5
"""Recommended impressions are spread over candidates in proportion to engagement**0.5: feeds
diversify, so one viral item cannot take every impression (1.0 would be winner-takes-all)."""

SIM_DEMOTE_FACTOR = 0.1
"""Ranking score multiplier of a demoted item on a surface (X's visibility filtering order of
magnitude: demoted, not hidden)."""

SIM_CONTEXT_NOTE_SHARE_FACTOR = 0.5
"""Reshare probability multiplier when a surface shows an item with a context note or label
(published Community Notes studies measure roughly halved reposting)."""

SIM_REVIEWERS = {"small": 3, "large": 30}
"""Reviewers on duty for the crisis queue (a small team vs a staffed crisis desk)."""

SIM_REVIEW_MINUTES_PER_ITEM = 6.0
"""Minutes a reviewer spends on one held item (read, check context, decide)."""

SIM_REVIEW_PICKUP_MIN = 20.0
"""Minimum time between a hold and a reviewer's decision (routing, queueing, second look)."""

SIM_REVIEW_ACCURACY = 0.95
"""Probability that a reviewer's decision matches the ground truth."""

SIM_REVIEW_SECOND_REPEATS_ERROR = 0.5
"""Four eyes: probability that a second reviewer of a proposed release shares the first one's
judgement because the case is hard (coded or ironic wording, missing context: both read the same
post under the same guidelines); otherwise the second look is an independent draw at
``SIM_REVIEW_ACCURACY``. 0 would be independent reviewers (optimistic: a second look would catch
95 % of errors); 1 would make the second look useless. 0.5 is a documented assumption, not a
measurement: double-coding studies of moderation and hate-speech labels report moderate, not
near-perfect, agreement, i.e. a large share of disagreements and errors are in hard items. The
mixture keeps each reviewer's own accuracy at ``SIM_REVIEW_ACCURACY``. Not tuned: figures with
0 and 1 are reported in docs/simulate.md."""

SIM_BENIGN_TREND_BLOCK_MAX_MIN = 30.0
"""Target: no benign trend is kept off the panel for longer than this."""

SIM_TARGET_ALGO_CUT = 0.90
"""Target: algorithmic exposures to the false claim and incitement cut by at least this share."""

SIM_TARGET_TOTAL_CUT = 0.50
"""Target: total exposures to the false claim and incitement cut by at least this share."""

SIM_TARGET_COLLATERAL = 0.01
"""Target: at most this share of benign posts restricted (demoted or excluded) anywhere."""

SIM_SWEEP_FACTORS: tuple[float, ...] = (0.6, 0.8, 1.0, 1.2, 1.4)
"""Multipliers applied to the pack's named thresholds in ``wavebreak simulate sweep``."""


# ----------------------------------------------------------------- api
# (owned by wavebreak/api/)
API_MAX_BODY_BYTES = 2 * 1024 * 1024
"""Largest request body the HTTP API reads (413 above it, checked on Content-Length and
on the bytes actually streamed). 1,000 gate items or a 1,000-record ingest batch fit in
well under 1 MiB; 2 MiB leaves headroom while bounding memory per request."""

API_MAX_GATE_ITEMS = 1000
"""Items per ``POST /v1/gate`` call: a ranking surface asks for one page of candidates
(100-1,000); more per call only grows tail latency for every other caller."""

API_MAX_INGEST_RECORDS = 1000
"""Records per ``POST /v1/posts`` call: one pipeline micro-batch of this size runs in well
under a second; bigger feeds belong to ``wavebreak ingest`` (streaming, constant memory)."""

API_MAX_TREND_CANDIDATES = 200
"""Trend candidates per ``POST /v1/trends/vet`` call (a trends page has tens)."""

API_INDEX_POLL_S = 0.5
"""The server's in-memory decision index polls the event log for new events this often:
a decision recorded by a pipeline in another process reaches every surface within about
half a second, and one indexed query per poll costs nothing measurable."""

API_NARRATIVE_LINK_REFRESH_S = 10.0
"""How often the index re-reads which posts belong to a narrative that carries a decision
(new posts join a narrative continuously; a narrative decision must reach them)."""

API_POST_META_CACHE = 200_000
"""Post metadata (author, text) kept in memory by the server for the gate (LRU)."""

API_PAGE_MAX = 500
"""Largest page size the list endpoints return (narratives, decisions)."""

API_GATE_RESULT_TTL_S = 60.0
"""Safety bound on the server's memo of gate answers per (item, surface, region). Answers are
already forgotten exactly when they can change (a decision applied, reversed or expiring forgets
the answers it reaches; a hold added, ended, starting or ending drops them all; a post's metadata
or narrative arriving forgets that post's), so this only caps the damage of an invalidation path
nobody thought of, at one minute (each answer at its own time: ``API_GATE_RESULT_TTL_JITTER``). Hot items (a
trending post asked for by every ranking call) then cost one dict lookup instead of the full
combination of post, narrative, account and hold rules."""

API_GATE_RESULT_TTL_JITTER = 0.5
"""Each memoised gate answer lives a random share of ``API_GATE_RESULT_TTL_S`` in [1 - this, 1]
(30-60 s). Why: answers memoised together (all of them, after a restart or a hold change) would
otherwise expire together and be recomputed in the same half-second: the first version's one-minute
wall-clock bucket did that, ~0.3 s of gate CPU at once, and spiked the benchmark's p99 in about one
15-s run in four (60 s / 15 s). Spread over 30 s the recomputation is a few items per call."""

API_GATE_RESULT_CACHE = 500_000
"""Memoised gate answers kept at most (cleared whole when full; rebuilt within a second)."""
