import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="zoo")
class CachedTextEncoder(keras.layers.Layer):
    """A frozen text encoder whose vectors for a known set of texts are computed once and looked up after.

    A feature such as a movie title through MiniLM costs a transformer pass per example, every step of every
    epoch, though the catalogue has a few thousand titles; this layer encodes each known text once (with the
    encoder's own `encode()` where it has one: sorted by length, batched) and answers known texts from a table.
    A text it does not know (a new item, at serving time) goes through the encoder in the graph, so the layer
    gives the encoder's vector for any text. The encoder is frozen: its vectors are inputs, not trained.

    Args:
        encoder: a Keras model, strings (batch,) -> (batch, dim) or {"embedding": (batch, dim)}: a
            `zoo.contextual.TextEncoder`, a `Vectors.text_encoder()`, any TF-Hub-style text embedding model.
        texts: the texts to encode now (duplicates are fine).
        batch_size: batch size of the encoding.
        dim: given only by `from_config`: the table is then restored with the saved weights, not encoded again
            (a KerasHub tokenizer gets its vocabulary only after construction, when the assets load).

    Input (batch,) strings; output (batch, dim) float32.
    """

    def __init__(self, encoder, texts, batch_size=64, dim=None, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.batch_size = encoder, batch_size
        self.encoder.trainable = False
        self.texts = sorted({str(t) for t in texts})
        vectors = self._encode(self.texts) if dim is None else np.zeros((len(self.texts), dim), np.float32)
        self.dim = vectors.shape[1]

        # === Layers ===
        self.lookup = keras.layers.StringLookup(vocabulary=self.texts or None, num_oov_indices=1, name="lookup")
        # Row 0, the OOV index, is a placeholder: call() replaces those rows with the encoder's vectors.
        self.table = self.add_weight(shape=(len(self.texts) + 1, self.dim), name="vectors", trainable=False,
                                     initializer=keras.initializers.Constant(
                                         np.concatenate([np.zeros((1, self.dim), np.float32), vectors])))
        self.built = True

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
        return (input_shape[0], self.dim)

    def get_config(self):
        # === Config ===
        return {**super().get_config(), "encoder": keras.saving.serialize_keras_object(self.encoder),
                "texts": self.texts, "batch_size": self.batch_size, "dim": self.dim}

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "encoder": keras.saving.deserialize_keras_object(config["encoder"])})
