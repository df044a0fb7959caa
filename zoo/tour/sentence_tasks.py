"""Sentence tasks measured on every text -> embedding export: STS-B test (Spearman x 100 of the cosine), sentiment
on vader-movie-reviews (frozen embeddings under a logistic-regression probe, one seeded split for all), and the
encoding speed of each export on the same sentences."""

import time

import numpy as np

from zoo.data import load_stsb, load_vader_movie_reviews
from zoo.evaluate.linear_probe import linear_probe_accuracy
from zoo.evaluate.sentence_similarity import sts_spearman
from zoo.tour.table import Table

SEED = 1337  # text_embedding_classifier's and rnn_encoder's split seed: their test sentences are held out here too
BATCH = 64


def sts_table(encoders, limit=None):
    """STS-B test Spearman x 100 of each text -> embedding export's cosine (each distinct sentence encoded once)."""
    pairs = load_stsb("test")
    if limit:
        pairs = [pairs[i] for i in sorted(np.random.default_rng(SEED).permutation(len(pairs))[:limit])]
    table = Table("sts", "STS-B test: sentence similarity",
                  f"Spearman x 100 between the cosine of the two sentences' embeddings and the human score, on "
                  f"{len(pairs):,} STS-B test pairs (each export's `embedding`, no training on top). Recipes whose "
                  "data includes stsb may have trained on its training split (`zoo list`); the test pairs are "
                  "held out from all.", ("Spearman x100", "recipe"), chart=("Spearman x100",), axis="Spearman x 100")
    for encoder in encoders:
        value = sts_spearman(encoder.embed, pairs)
        if np.isfinite(value):
            table.rows.append((encoder.family, encoder.name, float(value), encoder.recipe))
        else:
            table.absent[encoder.name] = "its embeddings give every pair the same cosine (no ranking)"
    table.rows.sort(key=lambda row: -row[2])
    return table


def sentiment_split(limit=None, train_limit=None):
    """((train texts, labels), (test texts, labels)): text_embedding_classifier's labels (the sign of the human
    score, zeros left out) and its seeded 20% test split, so the test sentences are held out from every recipe;
    `limit`: of a seeded sample of the sentences; `train_limit`: the probe's training sentences, the first of the
    training split (in its seeded order)."""
    from zoo.recipes.text_embedding_classifier import split

    records = [r for r in load_vader_movie_reviews() if r.score != 0]
    if limit:
        keep = np.random.default_rng(SEED).permutation(len(records))[:limit]
        records = [records[i] for i in sorted(keep)]
    texts = np.array([r.text for r in records], dtype=object)
    labels = np.array([int(r.score > 0) for r in records], dtype="int32")
    (train_texts, train_labels), test = split(texts, labels, 0.2, SEED)
    return (train_texts[:train_limit], train_labels[:train_limit]), test


def sentiment_and_speed_tables(encoders, limit=None, train_limit=None):
    """(sentiment table, speed table): each export embeds the same sentences once; that pass is timed."""
    (train_texts, train_labels), (test_texts, test_labels) = sentiment_split(limit, train_limit)
    texts = list(train_texts) + list(test_texts)
    words = float(np.mean([len(t.split()) for t in texts]))
    order = np.argsort([len(t) for t in texts], kind="stable")  # shortest first; the same order for every export
    back = np.argsort(order)
    sentiment = Table(
        "sentiment", "Sentiment: vader-movie-reviews, frozen embeddings + logistic regression",
        f"Accuracy on {len(test_texts):,} held-out sentences (text_embedding_classifier's seeded 20% split; label = "
        f"sign of the human score) of a logistic-regression probe (zoo.evaluate.linear_probe_accuracy) on frozen "
        f"embeddings, trained on {len(train_texts):,} sentences of that split's training part. Recipes "
        "whose data includes vader-movie-reviews train on the training part; the test sentences are held out "
        "from all.",
        ("accuracy", "recipe"), digits=3, chart=("accuracy",), axis="test accuracy")
    speed = Table(
        "speed", "Encoding speed",
        f"Sentences a second through each export's serving_default in this process, on the same {len(texts):,} "
        f"review sentences ({words:.1f} words on average) sorted by length (so a batch pads little), batches of "
        f"{BATCH}, two batches in flight at once, after one untimed warm-up batch; one pass each, the pass whose "
        "vectors the probe above uses.",
        ("sentences/s",), digits=0, chart=("sentences/s",), axis="sentences a second (log scale)", log_scale=True)
    majority = float(max(test_labels.mean(), 1 - test_labels.mean()))
    for encoder in encoders:
        encoder.embed(texts[:BATCH])  # warm-up: tracing, the first allocation
        started = time.perf_counter()
        vectors = encoder.embed([texts[i] for i in order], batch_size=BATCH)
        seconds = time.perf_counter() - started
        vectors = vectors[back]  # the sentences' own order again
        speed.rows.append((encoder.family, encoder.name, len(texts) / seconds))
        accuracy = linear_probe_accuracy(vectors[: len(train_texts)], train_labels, vectors[len(train_texts):],
                                         test_labels, seed=SEED)
        sentiment.rows.append((encoder.family, encoder.name, accuracy, encoder.recipe))
    sentiment.rows.sort(key=lambda row: -row[2])
    sentiment.rows.append(("-", "majority class (baseline)", majority, "-"))
    speed.rows.sort(key=lambda row: -row[2])
    return sentiment, speed
