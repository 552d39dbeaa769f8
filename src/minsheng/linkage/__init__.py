"""Probabilistic linkage of department records to registry persons (大数据比对).

Ingest links a feed record exactly when its valid ID number's name and birth
date agree (`feeds.linking.ExactIdLinker`). The rest — no number, a mistyped
one, someone else's, a name written with a homophone or a look-alike
character — are linked here, with Splink (Fellegi-Sunter, trained without
labels), on DuckDB or Spark:

    chinese, shapes   name keys: pinyin, near-homophones, similar-looking characters (pure)
    features          one frame layout for both sides: name keys, dates, ID parts (pure)
    exact             the exact pass on frames (pure)
    comparisons       the model's comparisons and blocking rules (Splink)
    model             train, save and load the model (JSON)
    backend           DuckDB or Spark
    scoring           best candidate per record, thresholds, the waterfall of why
    pipeline          the steps in order, in memory: `link_records`
    store             the batch step over the registry: `link_unmatched`
    review            the caseworker's queue: `list_candidates`, `accept`, `reject`

Thresholds are match weights (bits, prior included), parameters with defaults
in `scoring` (UPPER, LOWER, MARGIN).
"""
