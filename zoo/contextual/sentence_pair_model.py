"""`SentencePairModel`: a `TextEncoder` as a bi-encoder (one set of weights for both sides) for training on pairs."""

import keras


@keras.saving.register_keras_serializable(package="zoo")
class SentencePairModel(keras.Model):
    """The training view of a `TextEncoder`: the sentences of a batch of pairs (or triplets) encoded in one pass,
    returned as (batch, columns, output_dim), what the sentence-pair losses take.

    While training the encoder runs its `train_features` (dropout on; for a KerasHub BERT, fused_bert's training
    pass over the backbone's own variables, the padding left out of the dense products), so every step updates
    the `TextEncoder` itself: after `fit`, `encoder.encode(...)` and `zoo.export(encoder, ...)` give the fine-tuned
    model. The features are stacked by column, the batch's first sentences, then its second ones (one forward
    pass over 2 x batch sentences, padded to the longest of them): `sentence_finetuning.pair_batches` makes them.

    Args:
        encoder: a `zoo.contextual.TextEncoder`. Required.
        columns: sentences per row: 2 for pairs (default), 3 for (anchor, positive, negative).
        **kwargs: `keras.Model` arguments; `name` defaults to "sentence_pair_model".

    Input/Output:
        features: the backbone's features ("token_ids", "padding_mask", and "segment_ids" for BERT), each
        (columns * batch, length) int32 -> (batch, columns, output_dim) float32.

    Example:
    ```python
    pair_model = SentencePairModel(encoder)
    pair_model.compile(optimizer=keras.optimizers.AdamW(2e-5), loss=CoSENTLoss())
    pair_model.fit(pair_batches(encoder, [sentences1, sentences2], scores, batch_size=16), epochs=4)
    encoder.encode(["fine-tuned now"])
    ```
    """

    def __init__(self, encoder, columns=2, **kwargs):
        super().__init__(name=kwargs.pop("name", "sentence_pair_model"), **kwargs)
        # === Layers ===
        self.encoder = encoder
        self.built = True  # the encoder's weights are all there is (what BackupAndRestore needs before fit)
        # === Config ===
        self.columns = int(columns)

    def call(self, features, training=None):
        embeddings = (self.encoder.train_features(features) if training
                      else self.encoder.token_id_encoder(features, training=False))
        by_column = keras.ops.reshape(embeddings, (self.columns, -1, self.encoder.output_dim))
        return keras.ops.transpose(by_column, (1, 0, 2))

    def get_config(self):
        return {**super().get_config(), "columns": self.columns,
                "encoder": keras.saving.serialize_keras_object(self.encoder)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return cls(**config)
