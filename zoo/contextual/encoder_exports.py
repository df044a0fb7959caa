"""A TextEncoder's two export forms, each a versioned SavedModel that `zoo check` passes:

(a) `<name>`: text -> embedding, all in one graph. The tokenizer's ops come from tensorflow_text, so it needs a
    model server that links TF Text (the stock tensorflow/serving images since 2.x do).
(b) the TF-Hub BERT pattern, for servers without TF Text: `<name>_preprocessing` (text -> token_ids,
    padding_mask[, segment_ids]; run where tensorflow_text is, e.g. in the client) and `<name>_encoder`
    (token ids -> embedding; core TensorFlow ops only).
"""

import keras
import tensorflow as tf

from zoo.serving import export
from zoo.serving.versioned_export import input_signature_of

TEXT_SIGNATURE = {"text": tf.TensorSpec([None], tf.string, name="text")}


class EncoderPreprocessing(keras.layers.Layer):
    """The encoder's tokenizer and packing alone, as an exportable layer."""

    def __init__(self, encoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder

    def call(self, text):
        return self.encoder.preprocess(text)


class EncoderFromTokenIds(keras.layers.Layer):
    """The encoder after its tokenizer (packed features -> embedding, as `TextEncoder.embed_features` runs it),
    as an exportable layer."""

    def __init__(self, encoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder

    def call(self, features):
        return self.encoder.embed_features(features)


def export_text_encoder(encoder, name, warmup_texts, root="saved_models"):
    """Form (a): `<root>/<name>/<N>/`, text -> embedding."""
    return export(encoder, name, {"text": list(warmup_texts)}, root=root, input_signature=TEXT_SIGNATURE)


def export_preprocessing_and_encoder(encoder, name, warmup_texts, root="saved_models"):
    """Form (b): (`<name>_preprocessing` path, `<name>_encoder` path)."""
    preprocessing = export(EncoderPreprocessing(encoder, name="preprocessing"), f"{name}_preprocessing",
                           {"text": list(warmup_texts)}, root=root, input_signature=TEXT_SIGNATURE)
    features = {key: value.numpy() for key, value in encoder.preprocess(list(warmup_texts)).items()}
    ids_encoder = export(EncoderFromTokenIds(encoder, name="encoder"), f"{name}_encoder", features, root=root,
                         input_signature=input_signature_of(encoder.token_id_encoder))
    return preprocessing, ids_encoder
