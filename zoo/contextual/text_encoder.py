"""`TextEncoder`: a KerasHub backbone composed with pooling and normalisation, strings in, embedding out.

Like a sentence-transformers model it is a composition of small parts: tokenizer -> packing (special tokens,
truncation, padding) -> backbone -> `TokenPooling` -> `keras.layers.UnitNormalization`. Calling it on a batch of
strings runs all of it in the graph (that is what gets exported); `encode()` is the fast path for many sentences:
it sorts them by length and pads each batch only to its own longest sentence (with XLA, to a few bucketed
lengths, so that few shapes are compiled). A BERT backbone runs through `fused_bert` (the same arithmetic as
KerasHub's layers in fewer, larger ops), in training too (dropout where KerasHub has it, padding left out of the
dense products); other backbones run as their Keras models.
"""


import keras
import numpy as np
import tensorflow as tf

from zoo.contextual import fused_bert, presets
from zoo.contextual.int8_products import Int8Products
from zoo.deprecation import renamed_arguments, renamed_attribute
from zoo.errors import ZooInputError
from zoo.pooling import TokenPooling
from zoo.precision import check_precision
from zoo.shape_buckets import bucketed_length

# Each text is cut to sequence_length x this many bytes before it is tokenised. The first sequence_length tokens
# lie within the cut unless a token and the spaces before it average over 64 bytes; past it, GPT-2's byte-pair
# merges, quadratic in a word's length, took minutes on one 100,000-character word (found by fuzzing the exports:
# BENCHMARKS.md, fuzzed servables).
BYTES_PER_TOKEN = 64


def xla_padded_length(longest):
    """The length XLA batches are padded to: exact up to 15 tokens, then steps of 1/8 to 1/16 of the length (2 from
    16, 4 from 32, 8 from 64...), so at most 1/8 padding and at most 56 shapes to compile up to 256 tokens. (Without
    XLA batches take their longest exactly: rounding short sentences up to a coarser step costs work for nothing.)"""
    return bucketed_length(longest)


@keras.saving.register_keras_serializable(package="zoo")
class TextEncoder(keras.Model):
    """A sentence encoder: strings in, one vector per string out (tokenizer -> backbone -> pooling -> L2 norm).

    Usually made with `TextEncoder.from_preset(...)`, which reads the pooling, normalisation and sequence length
    from the preset's own files. `encode()` is the fast path for many sentences from Python; calling the model
    runs everything in the graph (what an export holds); `token_embeddings()` gives the vector of every token.

    Args:
        backbone: a KerasHub backbone taking `token_ids` and `padding_mask` (and `segment_ids` for BERT).
            Required.
        tokenizer: its KerasHub tokenizer. Required.
        pooling: "mean", "cls", "max" or "last" (see `zoo.pooling.TokenPooling`). Default "mean".
        normalize: L2-normalise the sentence vectors (cosine similarity = dot product). Default True.
        sequence_length: most tokens per text, special tokens included; longer texts are truncated at the end
            (as sentence-transformers and Hugging Face tokenizers do). Default 256.
        precision: the inference pass' matrix products: "float32" (default), "bfloat16" (a BERT backbone,
            through `fused_bert`, on a CPU with AVX-512 BF16 or AMX: see zoo/precision.py) or "int8" (the dense
            products quantised from the backbone's weights as they are now, on a CPU with VNNI or AMX: see
            zoo/contextual/int8_products.py). `encode`, calls and exports all compute at it; training
            (`training=True`) stays float32 (quantise again after training: `with_precision("int8")`).
        calibration_sentences: int8 only: the sentences whose activations set the quantisation's smoothing;
            None (default) takes the first 256 distinct sentences of the shipped STS-B train split. An empty
            list quantises nothing: the int8 weights are then zeros until saved ones are loaded (`from_config`).
        **kwargs: `keras.Model` arguments; `name` defaults to "text_encoder".

    The width of the vectors is `output_dim`, the backbone's hidden size (`dim` is its former name, deprecated).

    Input/Output:
        text: (batch,) string -> embedding: (batch, output_dim) float32. `encode(sentences)`: a list of n str ->
        (n, output_dim) float32 numpy. `token_embeddings(sentences)`: per sentence, tokens, character offsets
        and (tokens, output_dim) float32 vectors.

    Example:
    ```python
    encoder = zoo.contextual.TextEncoder.from_preset("all-minilm-l6-v2")
    encoder.encode(["A man is playing a guitar.", "A woman is slicing an onion."])   # (2, 384) numpy
    encoder(tf.constant(["a string"]))                                            # (1, 384) tensor
    ```
    """

    def __init__(self, backbone, tokenizer, pooling="mean", normalize=True, sequence_length=256,
                 precision="float32", calibration_sentences=None, **kwargs):
        name = kwargs.pop("name", "text_encoder")
        # === Layers ===
        self.backbone = backbone
        self.tokenizer = tokenizer
        self.token_pooling = TokenPooling(pooling, name="token_pooling")
        self.unit_normalization = keras.layers.UnitNormalization(name="unit_normalization") if normalize else None

        # === Functional Model === (token ids -> embedding; `call` puts the tokenizer in front)
        inputs = dict(backbone.input)
        token_vectors = backbone(inputs)
        if isinstance(token_vectors, dict):
            token_vectors = token_vectors["sequence_output"]
        embedding = self.token_pooling(token_vectors, inputs["padding_mask"])
        if self.unit_normalization is not None:
            embedding = self.unit_normalization(embedding)
        self.token_id_encoder = keras.Model(inputs, embedding, name="token_id_encoder")
        self.token_vector_model = keras.Model(inputs, token_vectors, name="token_vector_model")
        super().__init__(name=name, **kwargs)
        self.built = True  # every weight exists once the backbone does (what lets `keras.saving` load them)
        self.fused = fused_bert.supports(backbone)  # inference through fused_bert: fewer ops, the same vectors
        check_precision(precision)
        if precision != "float32" and not self.fused:
            raise ZooInputError(f"precision {precision!r} runs through zoo's fused BERT pass, which "
                                f"{type(backbone).__name__} does not take: use precision 'float32'")

        # === Config ===
        self.pooling = pooling
        self.normalize = normalize
        self.sequence_length = int(sequence_length)
        self.precision = precision
        self.output_dim = int(embedding.shape[-1])
        self.int8_products = self._int8_products(calibration_sentences) if precision == "int8" else None
        # Dropout's draws in training through fused_bert (KerasHub's own Dropout layers draw from theirs)
        self.dropout_seed = keras.random.SeedGenerator(name="dropout_seed") if self.fused else None

    def _int8_products(self, calibration_sentences):
        if calibration_sentences is None:
            calibration_sentences = default_calibration_sentences()
        if not len(calibration_sentences):
            return Int8Products(self.backbone.num_layers, self.backbone.hidden_dim, self.backbone.intermediate_dim,
                                name="int8_products")
        ids = self._ragged_ids(list(calibration_sentences))
        batches = (self.pack(ids[start:start + 32]) for start in range(0, len(calibration_sentences), 32))
        return Int8Products.from_backbone(self.backbone, batches)

    dim = renamed_attribute("dim", "output_dim")

    @classmethod
    def from_preset(cls, preset=presets.DEFAULT_PRESET, pooling=None, normalize=None, sequence_length=None,
                    precision="float32", calibration_sentences=None):
        """A zoo name, a KerasHub preset folder or name, or a Hugging Face-format folder (see `presets`).

        `pooling`, `normalize` and `sequence_length` default to what the preset's files say (a sentence-
        transformers folder: its pooling, Normalize module and max_seq_length), else mean/last-token pooling,
        normalised, the backbone's longest sequence. `precision`, `calibration_sentences`: see the class.
        """
        parts = presets.load_parts(preset, sequence_length)
        return cls(parts.backbone, parts.tokenizer, pooling=pooling or parts.pooling,
                   normalize=parts.normalize if normalize is None else normalize,
                   sequence_length=parts.sequence_length, precision=precision,
                   calibration_sentences=calibration_sentences)

    def with_precision(self, precision, calibration_sentences=None):
        """This encoder at another precision: a new TextEncoder over the same backbone and tokenizer (their
        weights shared, not copied; at int8, quantised from the backbone's weights as they are now)."""
        return type(self)(self.backbone, self.tokenizer, pooling=self.pooling, normalize=self.normalize,
                          sequence_length=self.sequence_length, precision=precision,
                          calibration_sentences=calibration_sentences, name=self.name)

    @property
    def special_ids(self):
        """(start, end, pad) token ids; read when used, as a loaded tokenizer gets its vocabulary after __init__."""
        return special_token_ids(self.backbone, self.tokenizer)

    # --- In the graph: strings -> features -> embedding ---

    def token_ids(self, text):
        """Ragged token ids of each text (its first `sequence_length * BYTES_PER_TOKEN` bytes), special tokens added,
        truncated to `sequence_length`."""
        ids = self._tokenize(tf.strings.substr(text, 0, self.sequence_length * BYTES_PER_TOKEN))
        start_id, end_id, _ = self.special_ids
        specials = [i for i in (start_id, end_id) if i is not None]
        ids = ids[:, : self.sequence_length - len(specials)]
        pieces = [ids]
        batch = tf.shape(ids.row_lengths())[0]
        if start_id is not None:
            pieces.insert(0, tf.RaggedTensor.from_tensor(tf.fill([batch, 1], tf.cast(start_id, ids.dtype))))
        if end_id is not None:
            pieces.append(tf.RaggedTensor.from_tensor(tf.fill([batch, 1], tf.cast(end_id, ids.dtype))))
        return tf.concat(pieces, axis=1)

    def _tokenize(self, text):
        # In a tf.function: called eagerly, KerasHub tokenizers turn ragged output into Python lists.
        if not hasattr(self, "_tokenize_fn"):
            function = tf.function(self.tokenizer, input_signature=[tf.TensorSpec([None], tf.string)])
            object.__setattr__(self, "_tokenize_fn", function)  # a cache, not a tracked part of the model
        return self._tokenize_fn(text)

    def pack(self, ids, padded_length=None):
        """Ragged ids -> the backbone's features, padded on the right to `padded_length` (default: the batch's
        longest text)."""
        lengths = ids.row_lengths()
        if padded_length is None:
            padded_length = tf.reduce_max(tf.concat([lengths, [1]], 0))
        padded_length = tf.cast(padded_length, tf.int64)
        token_ids = ids.to_tensor(default_value=tf.cast(self.special_ids[2], ids.dtype),
                                  shape=tf.stack([tf.size(lengths, out_type=tf.int64), padded_length]))
        features = {"token_ids": tf.cast(token_ids, "int32"),
                    "padding_mask": tf.sequence_mask(lengths, padded_length, dtype="int32")}
        if "segment_ids" in self.token_id_encoder.input:
            features["segment_ids"] = tf.zeros_like(features["token_ids"])
        return features

    def preprocess(self, text):
        return self.pack(self.token_ids(tf.convert_to_tensor(text)))

    def call(self, text, training=None):
        features = self.preprocess(text)
        return self.train_features(features) if training else self.embed_features(features)

    def compute_output_spec(self, text, training=None):
        # Without it Keras would trace `call` to learn the shape, also while it rebuilds a saved model around
        # this encoder, before the tokenizer's vocabulary (an asset) is loaded.
        return keras.KerasTensor((text.shape[0], self.output_dim), dtype="float32")

    def get_sentence_embedding_dimension(self):
        """sentence-transformers' name for `output_dim`."""
        return self.output_dim

    def similarity(self, embeddings1, embeddings2):
        """sentence-transformers' `similarity`: the cosine similarity of every pair, (n, m) float32 tf.Tensor;
        1-D inputs count as one row."""
        rows = [tf.math.l2_normalize(tf.reshape(tf.cast(e, tf.float32), [-1, self.output_dim]), axis=1)
                for e in (embeddings1, embeddings2)]
        return tf.matmul(rows[0], rows[1], transpose_b=True)

    def embed_features(self, features):
        """Packed features (see `pack`) -> embedding, in inference: through `fused_bert` where the backbone is a
        KerasHub BERT, else the Keras model (the same vectors: tested)."""
        if not self.fused:
            return self.token_id_encoder(features, training=False)
        token_vectors = fused_bert.sequence_output(self.backbone, features, self.precision, self.int8_products)
        embedding = self.token_pooling(token_vectors, features["padding_mask"])
        return embedding if self.unit_normalization is None else self.unit_normalization(embedding)

    def train_features(self, features):
        """Packed features -> embedding, in training (dropout on, float32): through `fused_bert`'s training pass
        where the backbone is a KerasHub BERT (the real tokens alone through the dense products), else the Keras
        model with training=True."""
        if not self.fused:
            return self.token_id_encoder(features, training=True)
        token_vectors = fused_bert.training_sequence_output(self.backbone, features, self.dropout_seed)
        embedding = self.token_pooling(token_vectors, features["padding_mask"])
        return embedding if self.unit_normalization is None else self.unit_normalization(embedding)

    # --- In Python: many sentences, fast ---

    @renamed_arguments(progress="show_progress_bar")
    def encode(self, sentences, batch_size=32, show_progress_bar=None, output_value="sentence_embedding",
               convert_to_numpy=True, convert_to_tensor=False, normalize_embeddings=False, jit_compile=False,
               concurrent_batches=2):
        """Sentence vectors, with sentence-transformers' arguments and meanings.

        Args:
            sentences: a list of str (or one str, which gives one vector).
            batch_size: sentences a batch. Default 32.
            show_progress_bar: a progress bar; None (default) shows one for 50 batches or more.
            output_value: "sentence_embedding" (default) or "token_embeddings" (per sentence, a (tokens,
                output_dim) array of its contextual token vectors, special tokens included).
            convert_to_numpy: True (default): one (n, output_dim) float32 numpy array; False: a list of vectors.
            convert_to_tensor: a (n, output_dim) tf.Tensor (before convert_to_numpy, as sentence-transformers).
            normalize_embeddings: L2-normalise the vectors (for a dot product equal to the cosine).
            jit_compile, concurrent_batches: zoo's speed settings (below).
            (`progress=` is the deprecated former name of show_progress_bar.)

        Returns: (len(sentences), output_dim) float32 numpy array (an empty list gives (0, output_dim)); one
        (output_dim,) vector for one str; or as the conversion arguments say.

        Sentences are sorted by token count and each batch is padded only to its own longest, so a batch of
        short sentences costs little; the result is in the order given. `concurrent_batches` batches run at once
        (threads sharing TensorFlow's thread pools), so that the cores stay busy through the small ops a batch
        runs one after another (see BENCHMARKS.md). `jit_compile=True` runs the model through XLA, compiling once
        for each padded length met (`xla_padded_length`): it pays for many sentences, not for a few.
        """
        one = isinstance(sentences, str)
        sentences = [sentences] if one else sentences
        if output_value == "token_embeddings":
            vectors = [t.vectors for t in self.token_embeddings(sentences)]
            return vectors[0] if one else vectors
        if output_value != "sentence_embedding":
            raise ZooInputError(f"output_value={output_value!r}: choose 'sentence_embedding' or 'token_embeddings'")
        if jit_compile and self.precision == "int8":
            raise ZooInputError("jit_compile=True: XLA has no kernel for the int8 matrix product; leave it off "
                                "at precision 'int8'")
        output = self._sentence_vectors(sentences, batch_size, show_progress_bar, jit_compile, concurrent_batches)
        if normalize_embeddings:
            output /= np.maximum(np.linalg.norm(output, axis=1, keepdims=True), 1e-12)
        if convert_to_tensor:
            output = tf.constant(output)
        elif not convert_to_numpy:
            output = [tf.constant(row) for row in output]
        return output[0] if one else output

    def _sentence_vectors(self, sentences, batch_size, progress, jit_compile, concurrent_batches):
        from concurrent.futures import ThreadPoolExecutor

        ids = self._ragged_ids(sentences)
        output = np.zeros((len(sentences), self.output_dim), np.float32)
        if not len(sentences):
            return output
        lengths = ids.row_lengths().numpy()
        order = np.argsort(-lengths, kind="stable")
        run = self._compiled_encoder(jit_compile)

        def encode_batch(start):  # each batch writes its own rows of `output`
            chosen = order[start:start + batch_size]
            longest = max(int(lengths[chosen].max()), 1)
            padded = min(xla_padded_length(longest), self.sequence_length) if jit_compile else longest
            output[chosen] = run(self.pack(tf.gather(ids, chosen), padded)).numpy()

        starts = range(0, len(order), batch_size)
        with ThreadPoolExecutor(max(1, int(concurrent_batches))) as pool:
            for _ in _progress(pool.map(encode_batch, starts), len(starts), progress, "encode"):
                pass
        return output

    def encode_without_context(self, sentences, batch_size=256):
        """The mean of each sentence's input token embeddings, no transformer layers: (n, token embedding size)
        float32 numpy. A baseline: what the context adds to `encode` is the difference."""
        rows = [np.zeros((0, self.backbone.token_embedding.output_dim), np.float32)]
        for start in range(0, len(sentences), batch_size):
            features = self.preprocess(tf.constant(list(sentences[start:start + batch_size]), tf.string))
            token_vectors = self.backbone.token_embedding(features["token_ids"])
            rows.append(TokenPooling("mean")(token_vectors, features["padding_mask"]).numpy())
        return np.concatenate(rows)

    def token_embeddings(self, sentences):
        """For each sentence: its tokens (special tokens included), their character offsets in the sentence
        ((0, 0) for special tokens), and their contextual vectors, (tokens, output_dim)."""
        from zoo.contextual.token_offsets import TokenEmbeddings, token_offsets

        ids = self._ragged_ids(sentences)
        start_id, end_id, _ = self.special_ids
        results = []
        for i, sentence in enumerate(sentences):
            row = ids[i:i + 1]
            vectors = self.token_vector_model(self.pack(row), training=False)[0].numpy()
            row_ids = row.values.numpy().tolist()
            added = [(k == 0 and start_id is not None) or (k == len(row_ids) - 1 and end_id is not None)
                     for k in range(len(row_ids))]  # by packing, not read from the text
            tokens, offsets = token_offsets(self.tokenizer, sentence, row_ids, added)
            results.append(TokenEmbeddings(tokens, offsets, vectors[: len(row_ids)]))
        return results

    def _ragged_ids(self, sentences):
        if isinstance(sentences, str):
            raise ZooInputError("token_embeddings() takes a list of sentences; wrap a single sentence in a list")
        if not all(isinstance(s, str) for s in sentences):
            bad = next(i for i, s in enumerate(sentences) if not isinstance(s, str))
            raise ZooInputError(f"sentence {bad} is a {type(sentences[bad]).__name__}, not a string")
        return self.token_ids(tf.constant(list(sentences), tf.string)) if len(sentences) else None

    def _compiled_encoder(self, jit_compile):
        key = f"_encoder_fn_{bool(jit_compile)}"
        if not hasattr(self, key):
            function = tf.function(self.embed_features, reduce_retracing=True, jit_compile=jit_compile)
            object.__setattr__(self, key, function)  # not tracked: a cache, not part of the model
        return getattr(self, key)

    def get_config(self):
        return {**super().get_config(), "pooling": self.pooling, "normalize": self.normalize,
                "sequence_length": self.sequence_length, "precision": self.precision,
                "backbone": keras.saving.serialize_keras_object(self.backbone),
                "tokenizer": keras.saving.serialize_keras_object(self.tokenizer)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["calibration_sentences"] = ()  # int8: the saved weights are loaded next
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        config["tokenizer"] = keras.saving.deserialize_keras_object(config["tokenizer"])
        return cls(**config)


def default_calibration_sentences(count=256):
    """The first `count` distinct sentences of STS-B train (shipped; not the test split that scores encoders)."""
    from zoo.data import load_stsb

    return list(dict.fromkeys(s for pair in load_stsb("train") for s in pair[:2]))[:count]


def special_token_ids(backbone, tokenizer):
    """(start, end, pad) ids: [CLS] text [SEP] for BERT-style models, <start> text for causal ones."""
    def token_id(*names):
        return next((getattr(tokenizer, n) for n in names if getattr(tokenizer, n, None) is not None), None)

    pad = token_id("pad_token_id") or 0
    if presets.is_causal(backbone):
        return token_id("start_token_id", "bos_token_id"), None, pad
    return token_id("cls_token_id", "start_token_id"), token_id("sep_token_id", "end_token_id"), pad


def _progress(iterable, total, progress, description):
    from tqdm import tqdm

    show = progress if progress is not None else total >= 50
    return tqdm(iterable, total=total, desc=description, unit="batch", disable=not show, leave=False)
