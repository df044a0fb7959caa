"""Context sensitivity, measured: (1) a linear probe of part-of-speech tags on the words that the tagged corpus
tags more than one way, from each model's vector of the word (alone, or in its sentence); (2) for a few polysemous
words found in the shipped corpora, how alike one model's vectors of the same word are across sentences, against
the same for different words."""

import collections
import re

import numpy as np

from zoo.data import load_stsb, load_vader_movie_reviews, load_wsj_pos
from zoo.evaluate.linear_probe import linear_probe_accuracy
from zoo.tour.models import in_batches
from zoo.tour.table import Table

SEED = 1337  # token_tagger's split seed: the same 801 training and 200 test lines
POLYSEMOUS = ("bank", "play", "light", "right", "fair", "rock", "match", "spring", "interest", "plant", "court")
WORD = re.compile(r"[a-z]+")


class InContext:
    """Token vectors of words in their sentences: `vectors(word_lists) -> [(words, dim) array]`, each word's
    first-piece contextual vector (zoo.contextual.TokenTagger's convention), from a frozen TextEncoder or from a
    text -> token_vectors export."""

    def __init__(self, family, name, what, run):
        self.family, self.name, self.what, self.run = family, name, what, run

    @classmethod
    def from_encoder(cls, encoder, name, what):
        import tensorflow as tf

        from zoo.contextual import TokenTagger

        tagger = TokenTagger(encoder, ["X"])  # its head is unused: only the first-piece vectors are read
        call = tf.function(tagger.call, reduce_retracing=True)
        return cls("contextual", name, what, lambda texts: call(tf.constant(texts))["token_vectors"].numpy())

    @classmethod
    def from_export(cls, export):
        return cls(export.family, export.name, export.what, lambda texts: export.run(texts)["token_vectors"].numpy())

    def vectors(self, word_lists, batch_size=32):
        run = lambda block: self.run([" ".join(words) for words in block])  # noqa: E731
        outputs = in_batches(run, list(word_lists), batch_size)
        return [out[i, : len(words)].astype(np.float64)
                for k, out in enumerate(outputs) for i, words in enumerate(word_lists[k * batch_size:][:batch_size])]


def tagged_split(limit=None):
    """(train, test) lines of wsj-pos: token_tagger's seeded 80/20 split (the first `limit` lines of its order)."""
    sentences = load_wsj_pos()
    order = np.random.default_rng(SEED).permutation(len(sentences))[:limit]
    n_test = int(round(len(order) * 0.2))
    return [sentences[i] for i in order[n_test:]], [sentences[i] for i in order[:n_test]]


def pos_table(encoders, in_context, limit=None):
    """Tagging accuracy on ambiguous words' test tokens of a logistic-regression probe on each model's vectors."""
    train, test = tagged_split(limit)
    counts = collections.defaultdict(collections.Counter)
    for s in train:
        for word, tag in zip(s.words, s.tags):
            counts[word][tag] += 1
    ambiguous = {w for w, c in counts.items() if len(c) > 1}
    tokens = lambda split: [(k, i) for k, s in enumerate(split) for i, w in enumerate(s.words)  # noqa: E731
                            if w in ambiguous]
    train_tokens, test_tokens = tokens(train), tokens(test)
    train_tags = [train[k].tags[i] for k, i in train_tokens]
    test_tags = [test[k].tags[i] for k, i in test_tokens]
    table = Table(
        "pos", "Context sensitivity: part-of-speech tags of ambiguous words",
        f"Accuracy of a logistic-regression probe (zoo.evaluate.linear_probe_accuracy) predicting the Penn Treebank "
        f"tag of the {len(test_tokens):,} test tokens (token_tagger's seeded split of wsj-pos: {len(train)} training, "
        f"{len(test)} test lines) whose word the training lines tag more than one way ({len(ambiguous):,} word "
        f"types, {len(train_tokens):,} training tokens). \"the word alone\": the export's vector of the word sent by "
        "itself, the same in every sentence; \"in its sentence\": the contextual vector of the word's first word "
        "piece in the whole line. Baseline: each word's most frequent training tag.",
        ("accuracy", "input"), digits=3, chart=("accuracy",), axis="tagging accuracy, ambiguous words")
    words = sorted({train[k].words[i] for k, i in train_tokens} | {test[k].words[i] for k, i in test_tokens})
    for encoder in encoders:
        lookup = dict(zip(words, encoder.embed(words)))
        accuracy = linear_probe_accuracy(np.stack([lookup[train[k].words[i]] for k, i in train_tokens]), train_tags,
                                         np.stack([lookup[test[k].words[i]] for k, i in test_tokens]), test_tags,
                                         seed=SEED)
        table.rows.append((encoder.family, encoder.name, accuracy, "the word alone"))
    for source in in_context:
        vectors = [source.vectors([s.words for s in split]) for split in (train, test)]
        accuracy = linear_probe_accuracy(np.stack([vectors[0][k][i] for k, i in train_tokens]), train_tags,
                                         np.stack([vectors[1][k][i] for k, i in test_tokens]), test_tags, seed=SEED)
        table.rows.append((source.family, source.name, accuracy, "in its sentence"))
    table.rows.sort(key=lambda row: -row[2])
    commonest = [counts[test[k].words[i]].most_common(1)[0][0] for k, i in test_tokens]
    table.rows.append(("-", "most frequent tag (baseline)", float(np.mean(np.array(commonest) == test_tags)), "-"))
    return table


def corpus_lines():
    """Sentences of the shipped sentence-level corpora, as whitespace-separated words: STS-B (every split),
    vader-movie-reviews, wsj-pos."""
    texts = [s for split in ("train", "dev", "test") for p in load_stsb(split) for s in (p.sentence1, p.sentence2)]
    texts += [r.text for r in load_vader_movie_reviews()]
    texts += [" ".join(s.words) for s in load_wsj_pos()]
    return [t.split() for t in dict.fromkeys(texts)]


def normal(word):
    return word.lower().strip(".,;:!?\"'()")


def polysemous_sentences(words_wanted=4, per_word=20, min_sentences=5):
    """{word: [(words of a sentence, position of the word, position of another word)]} for the first
    `words_wanted` of POLYSEMOUS found in at least `min_sentences` corpus sentences (`per_word` at most each)."""
    rng = np.random.default_rng(SEED)
    found = {}
    lines = corpus_lines()
    for target in POLYSEMOUS:
        chosen = []
        for words in lines:
            normalised = [normal(w) for w in words]
            if target in normalised:
                others = [i for i, w in enumerate(normalised) if WORD.fullmatch(w) and w != target]
                if others:
                    chosen.append((words, normalised.index(target), int(rng.choice(others))))
            if len(chosen) == per_word:
                break
        if len(chosen) >= min_sentences:
            found[target] = chosen
        if len(found) == words_wanted:
            break
    return found


def mean_pairwise_cosine(vectors, labels=None):
    """The mean cosine over pairs of distinct rows; with `labels`, over pairs whose labels differ only."""
    vectors = np.asarray(vectors, np.float64)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = np.arange(len(unit)) if labels is None else np.asarray(labels)
    return float((unit @ unit.T)[labels[:, None] != labels[None, :]].mean())


def polysemy_table(encoders, in_context, words_wanted=4, per_word=20):
    """Mean pairwise cosine of one model's vectors of the same word across sentences, and of different words."""
    found = polysemous_sentences(words_wanted, per_word)
    columns = tuple(f"{w} ({len(s)} sentences)" for w, s in found.items()) + ("different words",)
    table = Table(
        "polysemy", "Context sensitivity: one word across sentences",
        "Mean pairwise cosine of a model's vectors of the same word in different sentences of the shipped corpora "
        "(STS-B, vader-movie-reviews, wsj-pos; the first sentences holding the word), and, as the reference, of "
        "different words (one other word drawn from each of those sentences; pairs of the same word left out). A "
        "static model gives a word the same vector in every sentence (1.0); a contextual model's same-word cosine "
        "below 1.0 is how much the sentence moves the vector, to be read against its different-words cosine.",
        columns, digits=3, chart=columns, axis="mean pairwise cosine")
    if not found:
        table.absent["every model"] = "none of the polysemous words is in 5 corpus sentences"
        return table
    others = [normal(s[0][s[2]]) for sentences in found.values() for s in sentences]
    for encoder in encoders:  # the word alone, as each sentence has it (lowercased, punctuation stripped)
        if encoder.family != "static":
            table.absent[encoder.name] = ("its export pools a whole text: a word's vector in a sentence is not "
                                          "among its outputs")
            continue
        known, _ = encoder.known(list(found))
        if not known.all():
            table.absent[encoder.name] = f"does not know {', '.join(w for w, k in zip(found, known) if not k)}"
            continue
        same = [mean_pairwise_cosine(encoder.embed([w] * len(sentences))) for w, sentences in found.items()]
        table.rows.append((encoder.family, f"{encoder.name} (the word alone)", *same,
                           mean_pairwise_cosine(encoder.embed(others), others)))
    for source in in_context:
        same, other = [], []
        for sentences in found.values():
            vectors = source.vectors([s[0] for s in sentences])
            same.append(mean_pairwise_cosine(np.stack([v[s[1]] for v, s in zip(vectors, sentences)])))
            other += [v[s[2]] for v, s in zip(vectors, sentences)]
        table.rows.append((source.family, f"{source.name} (in its sentence)", *same,
                           mean_pairwise_cosine(np.stack(other), others)))
    return table
