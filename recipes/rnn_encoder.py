"""RNN encoders from scratch: BiLSTM and BiGRU sentence encoders over a keras.layers.Embedding, trained two ways.

What: `zoo.custom.RNNEncoder` (TextVectorization -> Embedding -> bidirectional LSTM or GRU -> masked max or mean
      of the states) trained (a) as a sentiment classifier (a softmax on top) and (b) as a siamese model whose
      cosine of two sentence vectors is regressed onto the STS-B score / 5 (Sentence-BERT's cosine loss); beside
      it, on the same splits, the mean-pooled `zoo.custom.TextEmbedding` trained the same two ways, and averaged
      Word2Vec vectors of the static recipes' corpus (a logistic-regression probe for sentiment, the plain cosine
      for STS-B). One table, encoder x task; the RNN encoder best on STS-B dev is exported and checked.
Data: `vader-movie-reviews` (label = sign of the human score, zeros left out, the seeded 20% test split of
      text_embedding_classifier; `--sentiment-data FILE` takes yours), `stsb` (5,749 train pairs; dev for early
      stopping and the choice of export; 1,379 test pairs), `wiki-excerpt+lee` for the Word2Vec vectors.
Expected: STS-B test Spearman x 100 62-66 for the BiLSTM and BiGRU (max pooling; 40-49 untrained), level with
      the mean-pooled TextEmbedding (the baseline, 63.6-64.3): 5,749 pairs do not make an RNN beat a bag of
      words; averaged Word2Vec vectors 20-21. Sentiment test accuracy 0.77-0.80 for every learnt encoder (Word2Vec
      average 0.63-0.64, majority class 0.50). The export, text -> embedding, passes `zoo check`.

    zoo run rnn_encoder [--cell lstm,gru] [--pooling max|mean] [--epochs 8] [--limit 2000]
"""

import argparse
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo import distribute
from zoo.custom import RNNEncoder, TextEmbedding
from zoo.custom.rnn_encoder import CELLS
from zoo.data import load_stsb, load_vader_movie_reviews
from zoo.errors import ZooDataError
from zoo.evaluate.linear_probe import linear_probe_accuracy
from zoo.evaluate.sentence_similarity import sts_spearman
from zoo.recipes import RUN_FLAGS, HelpFormatter, Recipe, add_output_flags, checkpoint_dir
from zoo.serving import check, export
from zoo.static.vectors import Vectors
from zoo.static.word2vec import Word2Vec
from zoo.tables import print_table
from zoo.training import EpochBackup

RECIPE = Recipe(
    name="rnn_encoder", family="custom", data="vader-movie-reviews, stsb, wiki-excerpt+lee",
    exports="rnn_encoder: text -> embedding (the BiLSTM or BiGRU best on STS-B dev)",
    summary="BiLSTM/BiGRU sentence encoders from scratch, trained for sentiment and as a siamese STS-B model",
    metric="STS-B test Spearman x100", higher_is_better=True,
    quick_flags=("--cell", "gru", "--limit", "400", "--epochs", "1", "--static-epochs", "1"),
    tour_flags=("--cell", "gru", "--epochs", "3", "--static-epochs", "1"),
)

WARMUP = {"text": ["A man is playing a guitar.", "a dull, tedious film", ""]}


def vectors_of(encoder):
    """`sentences -> (n, dim) array` for a text -> {"embedding"} model, as zoo.evaluate's STS score takes it."""
    return lambda sentences: encoder.predict(tf.constant(list(sentences)), verbose=0)["embedding"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run rnn_encoder", description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--cell", default="lstm,gru", help="recurrent cells to train: lstm, gru, comma-separated")
    parser.add_argument("--pooling", choices=("mean", "max"), default="max", help="pooling of the RNN states")
    parser.add_argument("--output-dim", type=int, default=64, help="width of the learnt token vectors")
    parser.add_argument("--units", type=int, default=64, help="RNN units per direction (the vectors: twice that)")
    parser.add_argument("--dropout", type=float, default=0.2, help="dropout of the RNN's inputs, in training")
    parser.add_argument("--max-tokens", type=int, default=20_000, help="vocabulary size of TextVectorization")
    parser.add_argument("--sequence-length", type=int, default=48, help="tokens kept a text")
    parser.add_argument("--epochs", type=int, default=8, help="most passes over each training set (early stopping)")
    parser.add_argument("--batch-size", type=int, default=64, help="sentences (pairs) a batch")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="Adam's learning rate")
    parser.add_argument("--sentiment-data", help="a sentiment file of yours (id, score, text; tab-separated)")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="share of the sentiment sentences held out")
    parser.add_argument("--limit", type=int, help="at most this many sentences and pairs of each split (a quick run)")
    parser.add_argument("--corpus", default="wiki-excerpt+lee", help="Word2Vec's corpus: a text file or corpus names")
    parser.add_argument("--static-epochs", type=int, default=5, help="Word2Vec's passes over its corpus")
    parser.add_argument("--seed", type=int, default=1337, help="random seed (split, weights)")
    add_output_flags(parser)
    distribute.add_strategy_flag(parser, supported=("default",), why=distribute.NOT_WIRED)
    parser.add_argument("--name", default="rnn_encoder", help="export name of the best RNN encoder")
    parser.add_argument("--verbose", type=int, default=1, help="Keras verbosity: 0 silent, 1 progress bars")
    args = parser.parse_args(argv)
    args.cell = args.cell.split(",")
    if not set(args.cell) <= set(CELLS) or not 0 < args.test_fraction < 1:
        parser.error(f"--cell takes {', '.join(CELLS)}; --test-fraction must be between 0 and 1")
    return args


def sentiment_splits(args):
    """Scored sentences -> (train, test) of (texts, labels): sign of the score, zeros left out, seeded split."""
    records = [r for r in load_vader_movie_reviews(path=args.sentiment_data) if r.score != 0]
    kept = sorted(np.random.default_rng(args.seed).permutation(len(records))[: args.limit])
    texts = np.array([records[i].text for i in kept], dtype=object)
    labels = np.array([int(records[i].score > 0) for i in kept], dtype="int32")
    order = np.random.default_rng(args.seed).permutation(len(texts))
    n_test = int(round(len(texts) * args.test_fraction))
    train, test = order[n_test:], order[:n_test]
    missing = [sign for label, sign in enumerate(("negative", "positive")) if label not in labels[train]]
    if missing:
        raise ZooDataError(args.sentiment_data or "vader-movie-reviews", f"no {' or '.join(missing)} score among "
                           f"its {len(train)} training sentences: a sentiment classifier needs scores of both signs")
    return (texts[train], labels[train]), (texts[test], labels[test])


def batches(inputs, targets, args, shuffle=False):
    data = tf.data.Dataset.from_tensor_slices((inputs, targets))
    return (data.shuffle(len(targets), seed=args.seed) if shuffle else data).batch(args.batch_size)


def train(model, name, run, args, training, validation, loss):
    """Fits `model` (early stopping on validation accuracy for a classifier, else loss), resumable twice over:
    EpochBackup within the fit, and a finished fit's weights kept in `run`, loaded by a run started again."""
    classifier = loss == "sparse_categorical_crossentropy"
    model.compile(keras.optimizers.Adam(args.learning_rate), loss, metrics=["accuracy"] if classifier else None)
    finished = run / f"{name}.weights.h5"
    if finished.exists():
        model.optimizer.build(model.trainable_variables)  # its state was saved with the weights
        model.load_weights(finished)
        print(f"   {name}: trained in an earlier run, weights loaded from {finished}")
        return
    monitor = "val_accuracy" if classifier else "val_loss"
    model.fit(training, validation_data=validation, epochs=args.epochs, verbose=args.verbose, shuffle=False,
              callbacks=[EpochBackup(run / name),
                         keras.callbacks.EarlyStopping(monitor, patience=2, restore_best_weights=True)])
    model.save_weights(finished)


def main(argv=None):
    args = parse_args(argv)
    distribute.require_strategy(args.strategy, ("default",), "rnn_encoder", distribute.NOT_WIRED)
    keras.utils.set_random_seed(args.seed)

    # 1. Data: sentiment sentences in a seeded split; STS-B train, dev and test pairs.
    (train_texts, train_labels), (test_texts, test_labels) = sentiment_splits(args)
    sts = {split: load_stsb(split)[: args.limit] for split in ("train", "dev", "test")}
    print(f"1. data: sentiment {len(train_texts)} training, {len(test_texts)} test sentences; STS-B "
          + ", ".join(f"{len(pairs)} {split}" for split, pairs in sts.items()) + " pairs")

    # 2. Static baseline: Word2Vec on the static recipes' corpus (its weights kept in the run, as a vector file).
    run = Path(checkpoint_dir(args, "rnn_encoder"))
    run.mkdir(parents=True, exist_ok=True)
    static_file = run / "word2vec.txt"
    if not static_file.exists():
        trainer = Word2Vec(output_dim=100, epochs=args.static_epochs, seed=args.seed)
        trainer.fit(args.corpus, checkpoint_dir=run / "word2vec", verbose=0).vectors.save(static_file)
    word_vectors = Vectors.load(static_file)
    static = vectors_of(word_vectors.text_encoder(combiner="mean", name="word2vec_average"))
    print(f"2. Word2Vec: {len(word_vectors):,} words from {args.corpus}, averaged per sentence")

    def make(kind, texts):  # a fresh encoder layer, its vocabulary from the training texts
        common = {"max_tokens": args.max_tokens, "output_dim": args.output_dim, "sequence_length": args.sequence_length}
        layer = (TextEmbedding(pooling="mean", **common) if kind == "mean"
                 else RNNEncoder(units=args.units, cell=kind, pooling=args.pooling, dropout=args.dropout, **common))
        layer.adapt(list(texts))
        return layer

    kinds = [*args.cell, "mean"]
    names = {**{c: f"Bi{c.upper()} ({args.pooling})" for c in args.cell}, "mean": "TextEmbedding (mean)",
             "word2vec": "Word2Vec average"}
    accuracy, dev, test, encoders = {}, {}, {}, {}
    text = keras.Input(shape=(), dtype="string", name="text")

    # 3. Sentiment: each encoder under a softmax; the Word2Vec average under a logistic regression.
    n_val = max(1, len(train_texts) // 10)
    fit_set = batches(train_texts[n_val:].tolist(), train_labels[n_val:], args, shuffle=True)
    val_set = batches(train_texts[:n_val].tolist(), train_labels[:n_val], args)
    for kind in kinds:
        embedding = make(kind, train_texts)(text)
        probabilities = keras.layers.Dense(2, activation="softmax")(keras.layers.Dropout(0.3)(embedding))
        classifier = keras.Model(text, probabilities)
        train(classifier, f"sentiment-{kind}", run, args, fit_set, val_set, "sparse_categorical_crossentropy")
        predicted = classifier.predict(tf.constant(test_texts.tolist()), verbose=0).argmax(axis=1)
        accuracy[kind] = float((predicted == test_labels).mean())
        print(f"3. sentiment, {names[kind]}: test accuracy {accuracy[kind]:.3f}")
    accuracy["word2vec"] = linear_probe_accuracy(static(train_texts), train_labels, static(test_texts), test_labels,
                                                 seed=args.seed)
    majority = float(max(test_labels.mean(), 1 - test_labels.mean()))
    print(f"3. sentiment, Word2Vec average: test accuracy {accuracy['word2vec']:.3f} (majority class {majority:.3f})")

    # 4. STS-B: a siamese model per encoder, cosine regressed onto score / 5; Spearman x 100 on dev and test.
    def pair_set(pairs, shuffle=False):
        inputs = {"sentence1": [p.sentence1 for p in pairs], "sentence2": [p.sentence2 for p in pairs]}
        return batches(inputs, np.array([p.score / 5 for p in pairs], "float32"), args, shuffle)

    first, second = (keras.Input(shape=(), dtype="string", name=n) for n in ("sentence1", "sentence2"))
    for kind in kinds:
        layer = make(kind, [s for p in sts["train"] for s in (p.sentence1, p.sentence2)])
        siamese = keras.Model([first, second], keras.layers.Dot(axes=1, normalize=True)([layer(first), layer(second)]))
        train(siamese, f"stsb-{kind}", run, args, pair_set(sts["train"], True), pair_set(sts["dev"]), "mse")
        encoders[kind] = keras.Model(text, {"embedding": layer(text)}, name=args.name)
        dev[kind], test[kind] = (sts_spearman(vectors_of(encoders[kind]), sts[split]) for split in ("dev", "test"))
        print(f"4. STS-B, {names[kind]}: Spearman x 100 {dev[kind]:.2f} dev, {test[kind]:.2f} test")
    dev["word2vec"], test["word2vec"] = (sts_spearman(static, sts[split]) for split in ("dev", "test"))

    # 5. One table: encoder x task.
    print("5. encoder x task (sentiment: test accuracy; STS-B: Spearman x 100 of cosine against the human score)")
    print_table(("encoder", "sentiment accuracy", "STS-B dev", "STS-B test"),
                [(names[k], f"{accuracy[k]:.3f}", f"{dev[k]:.2f}", f"{test[k]:.2f}") for k in [*kinds, "word2vec"]]
                + [("majority class", f"{majority:.3f}", "-", "-")])

    # 6. Export the RNN encoder best on STS-B dev, and check that TF Serving can load and run it.
    best = max(args.cell, key=lambda kind: dev[kind])
    path = export(encoders[best], args.name, WARMUP, root=args.export_dir)
    print(f"6. exported {names[best]} (best on STS-B dev) to {path}\n{check(path).summary()}")
    # The run is over: nothing left to resume.
    for finished in [static_file, *run.glob("*.weights.h5"), *run.glob(RUN_FLAGS)]:
        finished.unlink()
    if not any(run.iterdir()):  # a --checkpoint-dir of yours keeps whatever else it holds
        run.rmdir()
    return {"value": test[best], "baseline": test["mean"], "exports": [str(path)], "best": names[best],
            "sentiment_accuracy": accuracy, "stsb_dev": dev, "stsb_test": test, "majority": majority}


if __name__ == "__main__":
    main()
