import keras
import numpy as np
import tensorflow as tf

from zoo.deprecation import renamed_arguments, renamed_attribute, with_current_names


@keras.saving.register_keras_serializable(package="zoo")
class CachedTextEncoder(keras.layers.Layer):
    """A frozen text encoder whose vectors for a known set of texts are computed once and looked up after.

    A feature such as a movie title through MiniLM costs a transformer pass per example, every step of every
    epoch, though the catalogue has a few thousand titles; this layer encodes each known text once (with the
    encoder's own `encode()` where it has one: sorted by length, batched) and answers known texts from a table.
    A text it does not know (a new item, at serving time) goes through the encoder in the graph, so the layer
    gives the encoder's vector for any text. The encoder is frozen: its vectors are inputs, not trained.

    Args:
        encoder: a Keras model, strings (batch,) -> (batch, width) or {"embedding": (batch, width)}: a
            `zoo.contextual.TextEncoder`, a `Vectors.text_encoder()`, any TF-Hub-style text embedding model.
            Required.
        texts: the texts to encode now (duplicates are fine). Required.
        batch_size: batch size of the encoding. Default 64.
        output_dim: the encoder's width, given only by `from_config`: the table is then restored with the saved
            weights, not encoded again (a KerasHub tokenizer gets its vocabulary only after construction, when
            the assets load). Default None: encode `texts` now, the width read from the vectors.
        dim: the former name of `output_dim`, deprecated (a DeprecationWarning); give one of the two, not both.
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Input/Output:
        text: (batch,) string -> embedding: (batch, output_dim) float32, the encoder's vector of each text.

    Example:
    ```python
    minilm = zoo.contextual.TextEncoder.from_preset("all-minilm-l6-v2")
    title = zoo.custom.CachedTextEncoder(minilm, catalogue_titles)       # each title encoded once, here
    title(tf.constant(["Toy Story (1995)", "A title never seen"]))       # (2, 384): a table row, then MiniLM
    ```
    """

    RENAMED_ARGUMENTS = {"dim": "output_dim"}  # old name: new name (the old ones are accepted, with a warning)

    @renamed_arguments(**RENAMED_ARGUMENTS)
    def __init__(self, encoder, texts, batch_size=64, output_dim=None, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.batch_size = encoder, batch_size
        self.encoder.trainable = False
        self.texts = sorted({str(t) for t in texts})
        vectors = (self._encode(self.texts) if output_dim is None
                   else np.zeros((len(self.texts), output_dim), np.float32))
        self.output_dim = vectors.shape[1]

        # === Layers ===
        self.lookup = keras.layers.StringLookup(vocabulary=self.texts or None, num_oov_indices=1, name="lookup")
        # Row 0, the OOV index, is a placeholder: call() replaces those rows with the encoder's vectors.
        self.table = self.add_weight(shape=(len(self.texts) + 1, self.output_dim), name="vectors", trainable=False,
                                     initializer=keras.initializers.Constant(
                                         np.concatenate([np.zeros((1, self.output_dim), np.float32), vectors])))
        self.built = True

    dim = renamed_attribute("dim", "output_dim")

    def _encode(self, texts):
        if hasattr(self.encoder, "encode"):
            return np.asarray(self.encoder.encode(texts, batch_size=self.batch_size), np.float32)
        parts = [self._run(tf.constant(texts[s:s + self.batch_size])).numpy()
                 for s in range(0, len(texts), self.batch_size)]
        return np.concatenate(parts) if parts else self._run(tf.constant([""])).numpy()[:0]

    def _run(self, text):
        vectors = self.encoder(text, training=False)
        return vectors["embedding"] if isinstance(vectors, dict) else vectors

    def call(self, text):
        ids = self.lookup(text)
        vectors = tf.gather(self.table, ids)
        # tf.where / tf.gather / tf.tensor_scatter_nd_update: keras.ops has no scatter of a dynamic row set.
        unknown = tf.where(tf.equal(ids, 0))
        computed = tf.cast(self._run(tf.gather_nd(text, unknown)), vectors.dtype)
        return tf.tensor_scatter_nd_update(vectors, unknown, computed)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        # === Config ===
        return {**super().get_config(), "encoder": keras.saving.serialize_keras_object(self.encoder),
                "texts": self.texts, "batch_size": self.batch_size, "output_dim": self.output_dim}

    @classmethod
    def from_config(cls, config):
        config = with_current_names(config, cls.RENAMED_ARGUMENTS)  # a config with `dim`: no warning
        return cls(**{**config, "encoder": keras.saving.deserialize_keras_object(config["encoder"])})
