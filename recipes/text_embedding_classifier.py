"""Text embedding classifier: a sentence encoder learnt from scratch through a sentiment classifier.

What: `zoo.custom.TextEmbedding` (TextVectorization -> Embedding with masking -> masked mean or a BiLSTM)
      under a softmax classifier. The encoder alone is the embedding model; the classifier is its use.
Data: `vader-movie-reviews`: 10,605 movie-review sentences, each with the mean of 10 people's sentiment
      ratings (-4..+4; Hutto & Gilbert 2014). Label = sign of the score; the 37 sentences scored exactly 0
      are left out. A fixed, seeded split holds out 20% as the test set. `--data FILE` takes a file of yours
      in the same format (id, score, text; tab-separated).
Expected: test accuracy about 0.79 with mean pooling (majority class: about 0.50); the two exports,
      text -> embedding and text -> probabilities ([negative, positive]), pass `zoo check`.

    zoo run text_embedding_classifier [--pooling bilstm] [--epochs 8] [--limit 2000]
"""

import argparse

import keras
import numpy as np
import tensorflow as tf

from zoo import distribute
from zoo.custom import TextEmbedding
from zoo.data import load_vader_movie_reviews
from zoo.recipes import HelpFormatter, Recipe, RenamedFlag, add_output_flags, checkpoint_dir
from zoo.serving import check, export
from zoo.training import EpochBackup, EpochCounter, KeepBestEpoch

RECIPE = Recipe(
    name="text_embedding_classifier", family="custom", data="vader-movie-reviews",
    exports="text_embedding: text -> embedding; text_sentiment_classifier: text -> probabilities",
    summary="TextVectorization -> Embedding -> mean/BiLSTM sentence encoder, trained through a sentiment classifier",
    metric="test accuracy", higher_is_better=True, quick_flags=("--limit", "1500", "--epochs", "2"),
)

CLASSES = ("negative", "positive")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run text_embedding_classifier", description=__doc__,
                                     formatter_class=HelpFormatter)
    parser.add_argument("--data", help="a ground-truth file of yours (id, score, text); default: the shipped one")
    parser.add_argument("--pooling", choices=("mean", "bilstm"), default="mean",
                        help="mean of the word vectors, or a bidirectional LSTM")
    parser.add_argument("--output-dim", "--dim", action=RenamedFlag, dest="output_dim", type=int, default=64,
                        help="embedding size (--dim: deprecated spelling)")
    parser.add_argument("--max-tokens", type=int, default=20_000, help="vocabulary size of the TextVectorization layer")
    parser.add_argument("--sequence-length", type=int, default=48, help="tokens kept a text")
    parser.add_argument("--epochs", type=int, default=8, help="passes over the training split")
    parser.add_argument("--batch-size", type=int, default=64, help="sentences a batch")
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="Adam's learning rate")
    parser.add_argument("--test-fraction", type=float, default=0.2,
                        help="share of the sentences held out for the test accuracy")
    parser.add_argument("--seed", type=int, default=1337, help="random seed (split, weights)")
    parser.add_argument("--limit", type=int, help="use only this many sentences (a quick run)")
    add_output_flags(parser)
    distribute.add_strategy_flag(parser, supported=("default",), why=distribute.NOT_WIRED)
    parser.add_argument("--name", default="text_embedding", help="export name of the encoder")
    parser.add_argument("--verbose", type=int, default=1, help="Keras verbosity: 0 silent, 1 progress bars")
    args = parser.parse_args(argv)
    if not 0 < args.test_fraction < 1:
        parser.error("--test-fraction must be between 0 and 1")
    return args


def split(texts, labels, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(texts))
    n_test = int(round(len(texts) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return (texts[train], labels[train]), (texts[test], labels[test])


def main(argv=None):
    args = parse_args(argv)
    distribute.require_strategy(args.strategy, ("default",), "text_embedding_classifier", distribute.NOT_WIRED)
    keras.utils.set_random_seed(args.seed)

    # 1. Data: scored sentences -> binary labels, a seeded held-out test split.
    records = [r for r in load_vader_movie_reviews(path=args.data) if r.score != 0]
    if args.limit:
        keep = np.random.default_rng(args.seed).permutation(len(records))[: args.limit]
        records = [records[i] for i in sorted(keep)]
    texts = np.array([r.text for r in records], dtype=object)
    labels = np.array([int(r.score > 0) for r in records], dtype="int32")
    (train_texts, train_labels), (test_texts, test_labels) = split(texts, labels, args.test_fraction, args.seed)
    print(f"1. data: {len(train_texts)} training and {len(test_texts)} test sentences "
          f"({train_labels.mean():.0%} positive in training)")

    # 2. Model: the text encoder (text -> embedding) under a classifier (text -> probabilities).
    text_embedding = TextEmbedding(max_tokens=args.max_tokens, output_dim=args.output_dim,
                                   sequence_length=args.sequence_length, pooling=args.pooling)
    text_embedding.adapt(train_texts.tolist())
    text = keras.Input(shape=(), dtype="string", name="text")
    embedding = text_embedding(text)
    encoder = keras.Model(text, {"embedding": embedding}, name="text_embedding")
    hidden = keras.layers.Dropout(0.3)(embedding)
    probabilities = keras.layers.Dense(len(CLASSES), activation="softmax", name="probabilities")(hidden)
    classifier = keras.Model(text, probabilities, name="text_sentiment_classifier")
    print(f"2. model: vocabulary {len(text_embedding.get_vocabulary()):,}, {classifier.count_params():,} parameters")

    # 3. Train, resumable: a run interrupted or killed and started again with the same flags resumes from its last
    #    finished epoch and ends as the uninterrupted run would (each epoch's order depends on the seed and the
    #    epoch alone; the best epoch and the patience count are kept on disk, which EarlyStopping does not do).
    run = checkpoint_dir(args, "text_embedding_classifier")
    classifier.compile(optimizer=keras.optimizers.Adam(args.learning_rate),
                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    n_val = max(1, len(train_texts) // 10)
    (val_texts, val_labels), (fit_texts, fit_labels) = ((train_texts[:n_val], train_labels[:n_val]),
                                                        (train_texts[n_val:], train_labels[n_val:]))
    counter = EpochCounter()

    def epoch_order():
        order = np.random.default_rng([args.seed, counter.epoch]).permutation(len(fit_texts))
        yield from zip(fit_texts[order].tolist(), fit_labels[order])

    def val_accuracy():
        return float((classifier.predict(tf.constant(val_texts.tolist()), verbose=0).argmax(axis=1)
                      == val_labels).mean())

    training = tf.data.Dataset.from_generator(epoch_order, output_signature=(
        tf.TensorSpec((), tf.string), tf.TensorSpec((), tf.int32))).batch(args.batch_size)
    training = training.apply(tf.data.experimental.assert_cardinality(-(-len(fit_texts) // args.batch_size)))
    classifier.fit(training, epochs=args.epochs, verbose=args.verbose, shuffle=False, callbacks=[
        counter, EpochBackup(run),
        KeepBestEpoch(val_accuracy, name="val_accuracy", folder=f"{run}-best", patience=2)])

    # 4. Evaluate on the held-out test split.
    predicted = classifier.predict(tf.constant(test_texts.tolist()), verbose=0).argmax(axis=1)
    accuracy = float((predicted == test_labels).mean())
    majority = float(max(test_labels.mean(), 1 - test_labels.mean()))
    print(f"4. test accuracy {accuracy:.3f} (majority class {majority:.3f}) on {len(test_labels)} sentences")

    # 5. Export both models and check that TF Serving can load and run them.
    warmup = {"text": [str(t) for t in test_texts[:3]] + [""]}
    paths = [
        export(encoder, args.name, warmup, root=args.export_dir),
        export(classifier, "text_sentiment_classifier", warmup, root=args.export_dir,
               output_name="probabilities"),
    ]
    for path in paths:
        print(check(path).summary())
    return {"value": accuracy, "baseline": majority, "exports": [str(p) for p in paths]}


if __name__ == "__main__":
    main()
