"""Token tagger: contextual token vectors fine-tuned for part-of-speech tagging, against three other taggers.

What: `zoo.contextual.TokenTagger`: MiniLM (all-MiniLM-L6-v2) with a softmax head on each word's first
      WordPiece, fine-tuned end to end; on the same seeded split, (2) the same MiniLM frozen with a linear head,
      (3) a BiLSTM tagger learnt from scratch over `keras.layers.Embedding`, (4) static vectors (FastText
      trained on wiki-excerpt+lee and the training sentences; subword vectors for unseen words) with a linear
      head, and the most frequent tag of each word (unseen words: the most frequent tag) as the baseline.
      Token accuracy overall, on ambiguous words (types that the training split tags more than one way: context
      decides) and on words the training split never saw.
Data: `wsj-pos`: 1,001 Wall Street Journal lines, 25,026 tokens, 44 Penn Treebank tags; a seeded 80/20 split of
      the lines. `--data FILE` takes yours in the same format (a line of `word/TAG` tokens).
Expected: token accuracy about 0.95 fine-tuned (0.96 on ambiguous words, 0.88 on unseen ones), BiLSTM 0.90,
      frozen MiniLM 0.83, FastText 0.79, most frequent tag 0.85 (0.89; 0.20); the export, text (words separated
      by spaces) -> tokens, tags and token vectors, passes `zoo check`.

    zoo run token_tagger [--epochs 3] [--batch-size 16] [--limit 300] [--static-vectors fasttext|pretrained|FILE]
"""

import argparse
import collections
import contextlib
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo import distribute
from zoo.contextual import TextEncoder
from zoo.contextual.encoder_exports import TEXT_SIGNATURE
from zoo.contextual.presets import DEFAULT_PRESET
from zoo.contextual.token_tagger import TokenTagger
from zoo.data import load_wsj_pos, pretrained_vectors_path
from zoo.errors import ZooInputError
from zoo.recipes import HelpFormatter, Recipe, add_output_flags, checkpoint_dir
from zoo.serving import check, export
from zoo.tables import print_table
from zoo.training import training_callbacks

RECIPE = Recipe(
    name="token_tagger", family="contextual", data="wsj-pos, all-minilm-l6-v2",
    exports="token_tagger: text -> tokens, tags, token_vectors",
    summary="MiniLM fine-tuned to tag parts of speech, against frozen MiniLM, a BiLSTM and static vectors",
    metric="token accuracy", higher_is_better=True,
    quick_flags=("--limit", "100", "--epochs", "2", "--batch-size", "8", "--learning-rate", "3e-4", "--head-epochs",
                 "5", "--static-vectors", "pretrained"), tour_flags=None,
)

WARMUP = ["The company said it expects a loss .", "", "Mr. Vinken is chairman of Elsevier N.V. , the Dutch group ."]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run token_tagger", description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--data", help="a file of yours: a line of space-separated word/TAG tokens a sentence")
    parser.add_argument("--preset", default=DEFAULT_PRESET, help="a BERT-style zoo preset name or folder")
    parser.add_argument("--epochs", type=int, default=3, help="passes over the training split when fine-tuning")
    parser.add_argument("--batch-size", type=int, default=16, help="sentences a fine-tuning batch")
    parser.add_argument("--learning-rate", type=float, default=1e-4, help="AdamW's learning rate for fine-tuning")
    parser.add_argument("--head-epochs", type=int, default=15, help="passes of the two linear heads and the BiLSTM")
    parser.add_argument("--static-vectors", default="fasttext", help="fasttext (trained on wiki-excerpt+lee and "
                        "the training split), pretrained (gensim's Lee fastText .bin) or a vector file of yours")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="share of the sentences held out")
    parser.add_argument("--seed", type=int, default=1337, help="random seed (split, weights)")
    parser.add_argument("--limit", type=int, help="use only this many sentences (a quick run)")
    add_output_flags(parser)
    distribute.add_strategy_flag(parser, supported=("default",), why=distribute.NOT_WIRED)
    parser.add_argument("--name", default="token_tagger", help="export name of the fine-tuned tagger")
    parser.add_argument("--verbose", type=int, default=1, help="Keras verbosity: 0 silent, 1 progress bars")
    args = parser.parse_args(argv)
    if not 0 < args.test_fraction < 1:
        parser.error("--test-fraction must be between 0 and 1")
    return args


def scores(predicted, test, ambiguous, seen):
    """Token accuracy overall, on ambiguous words and on words unseen in training (a tuple of three)."""
    rows = [(p == g, w in ambiguous, w not in seen) for s, tags in zip(test, predicted)
            for w, g, p in zip(s.words, s.tags, tags)]
    hit, ambiguous_word, unseen_word = (np.array(c, bool) for c in zip(*rows))
    return tuple(float(hit[where].mean()) if where.any() else np.nan
                 for where in (np.ones_like(hit), ambiguous_word, unseen_word))


def fit_head(features, labels, weights, args, folder, num_tags, name):
    """A softmax head (Dense, or a BiLSTM tagger when `features` is a string tensor) trained on word features."""
    words = isinstance(features, tf.Tensor) and features.dtype == tf.string
    inputs = keras.Input(shape=(None,) if words else features.shape[1:], dtype=features.dtype, name="words")
    hidden = inputs
    if words:  # (3): words -> Embedding -> BiLSTM, learnt from scratch
        lookup = keras.layers.StringLookup(mask_token="", name="lookup")
        lookup.adapt(tf.boolean_mask(features, weights > 0))
        hidden = keras.layers.Embedding(lookup.vocabulary_size(), 100, mask_zero=True)(lookup(inputs))
        hidden = keras.layers.Bidirectional(keras.layers.LSTM(100, return_sequences=True))(hidden)
    model = keras.Model(inputs, keras.layers.Dense(num_tags, activation="softmax")(hidden), name=name)
    model.compile(keras.optimizers.Adam(3e-3 if words else 1e-2), "sparse_categorical_crossentropy",
                  weighted_metrics=["accuracy"])
    _, callbacks = training_callbacks(Path(folder) / name, [])
    model.fit(features, labels, sample_weight=weights, batch_size=32 if words else 256,
              epochs=args.head_epochs, verbose=args.verbose, callbacks=callbacks)
    return model


def static_vectors(args, train, folder):
    from zoo.static.corpus import sentences_of
    from zoo.static.fasttext import FastText
    from zoo.static.vectors import Vectors

    if args.static_vectors == "fasttext":
        corpus = [*sentences_of("wiki-excerpt+lee"), *([w.lower() for w in s.words] for s in train)]
        trainer = FastText(output_dim=100, bucket=200_000, min_count=2, epochs=5, seed=args.seed)
        return trainer.fit(corpus, checkpoint_dir=Path(folder) / "fasttext",
                           verbose=args.verbose).vectors
    return Vectors.load(pretrained_vectors_path() if args.static_vectors == "pretrained" else args.static_vectors)


def word_features(vectors, words):
    """Each word's static vector (lowercased; subword vectors for unseen words where the model has them, else 0)."""
    keys = [w.lower() for w in words]
    if vectors.subwords is not None:
        return vectors[keys]
    return np.stack([vectors.get_vector(k) if k in vectors else np.zeros(vectors.vector_size, np.float32)
                     for k in keys])


def main(argv=None):
    args = parse_args(argv)
    distribute.require_strategy(args.strategy, ("default",), "token_tagger", distribute.NOT_WIRED)
    keras.utils.set_random_seed(args.seed)
    folder = checkpoint_dir(args, "token_tagger")

    # 1. Data: a seeded split of the sentences; the word types the training split tags more than one way.
    sentences = load_wsj_pos(path=args.data)
    order = np.random.default_rng(args.seed).permutation(len(sentences))[: args.limit]
    n_test = int(round(len(order) * args.test_fraction))
    test, train = [sentences[i] for i in order[:n_test]], [sentences[i] for i in order[n_test:]]
    if not test or not train:
        raise ZooInputError(f"{len(order)} sentences: too few to hold out {args.test_fraction:.0%} for the test")
    counts = collections.defaultdict(collections.Counter)
    for s in train:
        for word, tag in zip(s.words, s.tags):
            counts[word][tag] += 1
    ambiguous = {w for w, c in counts.items() if len(c) > 1}
    tags = sorted({t for s in train for t in s.tags})
    print(f"1. data: {len(train)} training and {len(test)} test sentences ({sum(len(s.words) for s in test):,} "
          f"test tokens), {len(tags)} tags, {len(ambiguous):,} ambiguous word types")

    # 2. Baseline: each word's most frequent training tag; unseen words the most frequent tag overall.
    commonest = collections.Counter(t for s in train for t in s.tags).most_common(1)[0][0]
    predicted = {"most frequent tag": [[counts[w].most_common(1)[0][0] if w in counts else commonest
                                        for w in s.words] for s in test]}

    # 3. (1) MiniLM fine-tuned end to end; (2) the same MiniLM frozen, its first-piece vectors under a linear head.
    tagger = TokenTagger(TextEncoder.from_preset(args.preset), tags)
    run = tf.function(tagger.call, reduce_retracing=True)
    texts = lambda split: [" ".join(s.words) for s in split]  # noqa: E731

    def tag(split, output="tags"):
        blocks = [run(tf.constant(texts(split)[i:i + 64]))[output].numpy() for i in range(0, len(split), 64)]
        return [row[: len(s.words)] for s, row in zip(split, (row for block in blocks for row in block))]

    frozen = [np.concatenate(tag(split, "token_vectors")) for split in (train, test)]
    tagger.compile_for_training(args.learning_rate)
    _, callbacks = training_callbacks(Path(folder) / "fine_tuned", [])
    tagger.piece_tagger.fit(tagger.dataset([s.words for s in train], [s.tags for s in train], args.batch_size,
                                           shuffle=True, seed=args.seed),
                            epochs=args.epochs, verbose=args.verbose, callbacks=callbacks, shuffle=False)
    predicted["MiniLM fine-tuned"] = [[t.decode() for t in row] for row in tag(test)]
    labels = np.array([tags.index(t) for s in train for t in s.tags])
    head = fit_head(frozen[0], labels, np.ones(len(labels), np.float32), args, folder, len(tags), "frozen_head")
    predicted["MiniLM frozen + linear"] = split_rows(head.predict(frozen[1], verbose=0).argmax(1), test, tags)

    # 4. (3) A BiLSTM over word embeddings learnt from scratch (words as padded string rows, "" as padding).
    rows = lambda split: tf.ragged.constant([list(s.words) for s in split]).to_tensor("")  # noqa: E731
    padded = rows(train)
    label_rows = tf.ragged.constant([[tags.index(t) for t in s.tags] for s in train]).to_tensor(0).numpy()
    bilstm = fit_head(padded, label_rows, (padded != "").numpy().astype("float32"), args, folder, len(tags), "bilstm")
    out = bilstm.predict(rows(test), verbose=0).argmax(-1)
    predicted["BiLSTM from scratch"] = [[tags[i] for i in r[: len(s.words)]] for s, r in zip(test, out)]

    # 5. (4) Static vectors, no context, under a linear head.
    vectors = static_vectors(args, train, folder)
    features = [word_features(vectors, [w for s in split for w in s.words]) for split in (train, test)]
    head = fit_head(features[0], labels, np.ones(len(labels), np.float32), args, folder, len(tags), "static_head")
    predicted[f"static vectors ({args.static_vectors})"] = split_rows(
        head.predict(features[1], verbose=0).argmax(1), test, tags)

    # 6. The table: every tagger on the same test tokens.
    seen = set(counts)
    results = {name: scores(tag_rows, test, ambiguous, seen) for name, tag_rows in predicted.items()}
    print_table(("tagger", "token accuracy", "ambiguous words", "unseen words"),
                [(name, *(f"{v:.4f}" for v in r)) for name, r in results.items()])

    # 7. Export the fine-tuned tagger (text -> tokens, tags, token_vectors) and check it as TF Serving loads it.
    path = export(tagger, args.name, {"text": WARMUP}, root=args.export_dir, input_signature=TEXT_SIGNATURE)
    print(check(path).summary())
    with contextlib.suppress(OSError):  # each fit's backup went when it finished; their folder goes too
        Path(folder).rmdir()
    accuracies = {name: dict(zip(("all", "ambiguous", "unseen"), r)) for name, r in results.items()}
    return {"value": results["MiniLM fine-tuned"][0], "baseline": results["most frequent tag"][0],
            "accuracies": accuracies, "exports": [str(path)]}


def split_rows(flat_ids, split, tags):
    """Flat per-word predictions back into one list of tags a sentence."""
    ends = np.cumsum([len(s.words) for s in split])
    return [[tags[i] for i in part] for part in np.split(flat_ids, ends[:-1])]


if __name__ == "__main__":
    main()
