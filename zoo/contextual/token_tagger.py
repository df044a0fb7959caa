"""`TokenTagger`: a BERT-style `TextEncoder` with a softmax head over its token vectors, a tag a word.

Words are whitespace-separated tokens (as in a `word/TAG` file: tokenise your text as the training data was);
each word is split into WordPiece pieces on its own (what WordPiece does after splitting at spaces, so the pieces
are the sentence's), the pieces are packed into one sequence ([CLS] pieces [SEP]) and each word is tagged by the
vector of its FIRST piece, the usual BERT tagging convention. In training the head runs on every piece and the
loss counts only the first pieces (sample weights; `TokenTagger.dataset` makes them). Everything from text to
tags runs in the graph, so an export takes text and returns the words, their tags and their token vectors.
"""

import keras
import numpy as np
import tensorflow as tf

from zoo.contextual import fused_bert, presets
from zoo.errors import ZooInputError

PAD_TAG = ""  # the tag (and word) of padding, and of words past `sequence_length` pieces


@keras.saving.register_keras_serializable(package="zoo")
class TokenTagger(keras.Model):
    """A token tagger (part-of-speech, named entities...): text in, its words, their tags and vectors out.

    Args:
        encoder: a `zoo.contextual.TextEncoder` with a BERT-style (WordPiece) tokenizer and backbone, e.g.
            `TextEncoder.from_preset("all-minilm-l6-v2")`; its `sequence_length` bounds the pieces a text.
            Required.
        tags: the tag vocabulary, a list of str (class i is tags[i]). Required.
        dropout: dropout on the token vectors before the head, in training. Default 0.1.
        **kwargs: `keras.Model` arguments; `name` defaults to "token_tagger".

    Input/Output:
        text: (batch,) string, words separated by whitespace -> {"tokens": (batch, words) string, the words, ""
        as padding; "tags": (batch, words) string, "" for padding and for words past `sequence_length` pieces;
        "token_vectors": (batch, words, output_dim) float32, each word's first-piece contextual vector, zeros
        where the tag is ""}. `piece_tagger` (the training model): the backbone's features -> (batch, pieces,
        len(tags)) logits.

    Example:
    ```python
    tagger = zoo.contextual.TokenTagger(TextEncoder.from_preset("all-minilm-l6-v2"), tags=["DT", "NN", "VBZ"])
    tagger.compile_for_training(learning_rate=5e-5)
    tagger.piece_tagger.fit(tagger.dataset(word_lists, tag_lists, batch_size=16), epochs=3)
    tagger(tf.constant(["The dog barks ."]))["tags"]     # (1, 4) strings
    ```
    """

    def __init__(self, encoder, tags, dropout=0.1, **kwargs):
        name = kwargs.pop("name", "token_tagger")
        if presets.is_causal(encoder.backbone):
            raise ZooInputError("TokenTagger needs a BERT-style (WordPiece) encoder, not a causal one")
        # === Layers ===
        self.encoder = encoder
        self.head_dropout = keras.layers.Dropout(dropout, name="head_dropout")
        self.head = keras.layers.Dense(len(tags), name="head")

        # === Functional Model === (features -> logits of every piece; `call` puts text -> pieces in front)
        backbone = encoder.backbone
        inputs = {key: keras.Input(shape=value.shape[1:], dtype=value.dtype, name=key)
                  for key, value in dict(backbone.input).items()}
        token_vectors = backbone(inputs)
        if isinstance(token_vectors, dict):
            token_vectors = token_vectors["sequence_output"]
        logits = self.head(self.head_dropout(token_vectors))
        self.piece_tagger = keras.Model(inputs, logits, name="piece_tagger")
        super().__init__(name=name, **kwargs)
        self.built = True

        # === Config ===
        self.tags = [str(t) for t in tags]
        self.dropout = float(dropout)
        self.output_dim = encoder.output_dim

    # --- Words -> pieces, in the graph ---

    def word_pieces(self, words):
        """(batch, words) ragged string -> (batch, words, pieces) ragged int32: each word's WordPiece ids, one
        [UNK] for a word that gives none (only control characters, say)."""
        if not hasattr(self, "_tokenize_fn"):  # in a tf.function: eagerly KerasHub returns Python lists
            function = tf.function(self.encoder.tokenizer, input_signature=[tf.TensorSpec([None], tf.string)])
            object.__setattr__(self, "_tokenize_fn", function)  # a cache, not a tracked part of the model
        ids = self._tokenize_fn(words.flat_values)
        lengths = ids.row_lengths()
        width = tf.maximum(tf.reduce_max(tf.concat([lengths, [1]], 0)), 1)
        unknown = self.encoder.tokenizer.token_to_id(self.encoder.tokenizer.oov_token)
        padded = ids.to_tensor(default_value=tf.cast(unknown, ids.dtype), shape=tf.stack([tf.size(lengths,
                                                                                                  tf.int64), width]))
        ids = tf.RaggedTensor.from_tensor(padded, lengths=tf.maximum(lengths, 1))
        return words.with_flat_values(tf.cast(ids, tf.int32))

    def align(self, words):
        """(batch, words) ragged string -> (ids, first_piece, kept): ids (batch, pieces) ragged int32 with [CLS]
        and [SEP], truncated to `sequence_length`; first_piece (batch, words) ragged int64, the position of each
        word's first piece in `ids`; kept (batch, words) ragged bool, False for words cut off by truncation."""
        pieces = self.word_pieces(words)
        counts = pieces.row_lengths(axis=2).flat_values  # pieces a word, all words of the batch in a row
        before = tf.cumsum(counts, exclusive=True)  # pieces before each word, counted from the batch's start
        sentence_start = tf.gather(tf.concat([before, [tf.reduce_sum(counts)]], 0), words.row_starts())
        local = before - tf.gather(sentence_start, words.value_rowids())
        start_id, end_id, _ = self.encoder.special_ids
        room = self.encoder.sequence_length - 2
        ids = pieces.merge_dims(1, 2)[:, :room]
        batch = tf.shape(ids.row_lengths())[0]
        column = lambda i: tf.RaggedTensor.from_tensor(tf.fill([batch, 1], tf.cast(i, ids.dtype)))  # noqa: E731
        ids = tf.concat([column(start_id), ids, column(end_id)], axis=1)
        return ids, words.with_flat_values(local + 1), words.with_flat_values(local < room)

    # --- Text -> words, tags and vectors, in the graph ---

    def call(self, text, training=None):
        words = tf.strings.split(tf.convert_to_tensor(text))
        ids, first_piece, kept = self.align(words)
        features = self.encoder.pack(ids)
        if self.encoder.fused and not training:
            token_vectors = fused_bert.sequence_output(self.encoder.backbone, features)
        else:
            token_vectors = self.encoder.token_vector_model(features, training=bool(training))
        keep = kept.to_tensor(False)
        positions = tf.where(keep, first_piece.to_tensor(0), 0)
        vectors = tf.gather(token_vectors, positions, batch_dims=1) * tf.cast(keep, token_vectors.dtype)[..., None]
        tag_ids = tf.argmax(self.head(self.head_dropout(vectors, training=training)), axis=-1)
        tags = tf.where(keep, tf.gather(tf.constant(self.tags), tag_ids), PAD_TAG)
        return {"tokens": words.to_tensor(PAD_TAG), "tags": tags, "token_vectors": vectors}

    def compute_output_spec(self, text, training=None):
        # Without it Keras would trace `call`, also while it rebuilds a saved model before the vocabulary loads.
        batch = text.shape[0]
        return {"tokens": keras.KerasTensor((batch, None), dtype="string"),
                "tags": keras.KerasTensor((batch, None), dtype="string"),
                "token_vectors": keras.KerasTensor((batch, None, self.output_dim), dtype="float32")}

    # --- Training: the head on every piece, the loss on first pieces only ---

    def targets(self, word_lists, tag_lists):
        """(ids, labels, weights), each (sentences, pieces) ragged: piece ids with [CLS]/[SEP]; at each word's
        first piece its tag's index and weight 1, elsewhere 0 and 0 (special tokens, later pieces, truncated
        words). A tag not in `tags` is a ZooInputError naming the sentence."""
        index = {tag: i for i, tag in enumerate(self.tags)}
        ids, first_piece, kept = self.align(tf.ragged.constant([list(w) for w in word_lists], dtype=tf.string,
                                                               ragged_rank=1))
        labels, weights = [], []
        for k, (row, positions, keeps, tags) in enumerate(zip(ids.row_lengths().numpy(), first_piece.to_list(),
                                                              kept.to_list(), tag_lists)):
            label, weight = np.zeros(row, np.int32), np.zeros(row, np.float32)
            for position, keep, tag in zip(positions, keeps, tags):
                if tag not in index:
                    raise ZooInputError(f"sentence {k}: tag {tag!r} is not one of the tagger's {len(index)} tags")
                if keep:
                    label[position], weight[position] = index[tag], 1.0
            labels.append(label)
            weights.append(weight)
        ragged = lambda rows, dtype: tf.ragged.constant(rows, dtype=dtype, ragged_rank=1)  # noqa: E731
        return ids, ragged(labels, tf.int32), ragged(weights, tf.float32)

    def dataset(self, word_lists, tag_lists, batch_size=32, shuffle=False, seed=None):
        """A tf.data.Dataset of (features, piece labels, piece weights) for `piece_tagger.fit`, each batch
        padded to its own longest sentence."""
        ids, labels, weights = self.targets(word_lists, tag_lists)
        dataset = tf.data.Dataset.from_tensor_slices((ids, labels, weights))
        if shuffle:
            dataset = dataset.shuffle(len(word_lists), seed=seed, reshuffle_each_iteration=True)
        return dataset.ragged_batch(batch_size).map(
            lambda i, y, w: (self.encoder.pack(i), y.to_tensor(), w.to_tensor())).prefetch(2)

    def compile_for_training(self, learning_rate=5e-5, weight_decay=0.01, **kwargs):
        """Compiles `piece_tagger`: AdamW, cross-entropy of the logits averaged over the weighted (first) pieces.
        Without XLA unless `jit_compile=True` is passed: batches padded to their own length would each compile."""
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="mean_with_sample_weight")
        kwargs.setdefault("jit_compile", False)
        self.piece_tagger.compile(optimizer=keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay),
                                  loss=loss, weighted_metrics=["accuracy"], **kwargs)

    def get_config(self):
        return {**super().get_config(), "encoder": keras.saving.serialize_keras_object(self.encoder),
                "tags": self.tags, "dropout": self.dropout}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return cls(**config)
