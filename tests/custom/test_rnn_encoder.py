import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.custom import RNNEncoder

TEXTS = ["the cat sat on the mat", "a dog ran in the park", "the dog sat", "cats and dogs"]
BATCH = ["the cat sat on the mat today", "the dog", "", "zebra cat"]  # lengths 7, 2, 0, 2 (zebra: OOV)


def adapted(**kwargs):
    settings = {"max_tokens": 40, "output_dim": 5, "units": 3, "sequence_length": 8, **kwargs}
    layer = RNNEncoder(**settings)
    layer.adapt(TEXTS)
    return layer


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_rnn(cell, vectors):
    """Keras's LSTM (gates i, f, c, o) or GRU (gates z, r, h; reset_after) over (steps, dim) -> (steps, units)."""
    kernel, recurrent, bias = (w.numpy() for w in (cell.kernel, cell.recurrent_kernel, cell.bias))
    h = np.zeros(cell.units)
    c = np.zeros(cell.units)
    states = []
    for x in vectors:
        if isinstance(cell, keras.layers.LSTMCell):
            i, f, g, o = np.split(x @ kernel + h @ recurrent + bias, 4)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
        else:
            xz, xr, xh = np.split(x @ kernel + bias[0], 3)
            hz, hr, hh = np.split(h @ recurrent + bias[1], 3)
            z, r = sigmoid(xz + hz), sigmoid(xr + hr)
            h = z * h + (1 - z) * np.tanh(xh + r * hh)
        states.append(h)
    return np.array(states).reshape(len(vectors), cell.units)


def numpy_encoder(layer, ids):
    """The encoder in numpy over one text's token ids, exactly as many as given (no padding unless given)."""
    vectors = layer.embedding.embeddings.numpy()[ids]
    forward = numpy_rnn(layer.rnn.forward_layer.cell, vectors)
    backward = numpy_rnn(layer.rnn.backward_layer.cell, vectors[::-1])[::-1]
    states = np.concatenate([forward, backward], axis=1)
    if len(ids) == 0:
        return np.zeros(states.shape[1])
    return states.mean(axis=0) if layer.pooling == "mean" else states.max(axis=0)


@pytest.mark.parametrize("pooling", ["mean", "max"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_each_text_is_encoded_as_numpy_encodes_its_unpadded_tokens(cell, pooling):
    layer = adapted(cell=cell, pooling=pooling)
    out = layer(tf.constant(BATCH)).numpy()
    ids = layer.vectorize(tf.constant(BATCH)).numpy()
    assert out.shape == (4, 6) and (ids[1, 2:] == 0).all()  # the short texts are padded in this batch
    for row, text_ids in zip(out, ids):
        np.testing.assert_allclose(row, numpy_encoder(layer, text_ids[text_ids > 0]), atol=1e-5)
    np.testing.assert_array_equal(out[2], np.zeros(6))  # empty string: zeros, not NaN
    # the comparison can fail: running the padding through the RNN would give another vector
    padded = numpy_encoder(layer, ids[1, :7])
    assert np.abs(padded - out[1]).max() > 1e-3


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_padding_and_batch_company_do_not_change_a_vector(cell):
    layer = adapted(cell=cell, pooling="max", sequence_length=20)
    alone = layer(tf.constant(["the dog"])).numpy()
    in_company = layer(tf.constant(["the dog", "a dog ran in the park and the cat sat on the mat"])).numpy()[:1]
    ids = layer.vectorize(tf.constant(["the dog"])).numpy()  # 2 tokens, then 18 padding ids
    padded_ids = layer(tf.constant(np.pad(ids, ((0, 1), (0, 0))))).numpy()[:1]
    np.testing.assert_allclose(in_company, alone, atol=1e-6)
    np.testing.assert_allclose(padded_ids, alone, atol=1e-6)


def test_token_ids_in_give_what_strings_in_give():
    layer = adapted(cell="gru")
    ids = layer.vectorize(tf.constant(BATCH))
    np.testing.assert_allclose(layer(ids).numpy(), layer(tf.constant(BATCH)).numpy(), atol=1e-6)
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    assert keras.Model(token_ids, layer(token_ids)).predict(ids, verbose=0).shape == (4, 6)


def test_tokens_past_the_sequence_length_are_dropped():
    layer = adapted(sequence_length=3)
    np.testing.assert_allclose(layer(tf.constant(["the cat sat on the mat"])).numpy(),
                               layer(tf.constant(["the cat sat in a park"])).numpy(), atol=1e-6)


def test_one_direction_and_an_all_empty_batch():
    layer = adapted(bidirectional=False, units=4)
    assert layer(tf.constant(["", ""])).numpy().tolist() == [[0.0] * 4] * 2
    # an empty batch, in a graph as served (eagerly, Keras's own LSTM fails on 0 rows: keras.layers.LSTM(4)(x))
    assert tf.function(layer)(tf.constant([], dtype=tf.string)).shape == (0, 4)
    assert layer.compute_output_shape((None,)) == (None, 4)


def test_config_round_trip_and_the_vocabulary_is_an_asset_not_config(tmp_path):
    layer = adapted(cell="gru", pooling="max", dropout=0.1)
    config = layer.get_config()
    assert "vocabulary" not in config and config["cell"] == "gru" and config["pooling"] == "max"
    clone = RNNEncoder.from_config(config)
    assert clone.get_config() == config
    given = RNNEncoder(max_tokens=40, vocabulary=layer.get_vocabulary()[2:])
    assert given.get_vocabulary() == layer.get_vocabulary()
    text = keras.Input(shape=(), dtype="string", name="text")
    model = keras.Model(text, layer(text))
    model.save(tmp_path / "model.keras")
    reloaded = keras.models.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(reloaded.predict(tf.constant(BATCH), verbose=0),
                               model.predict(tf.constant(BATCH), verbose=0), atol=1e-6)


def test_composes_and_learns_in_a_functional_model():
    layer = adapted(cell="gru")
    text = keras.Input(shape=(), dtype="string")
    model = keras.Model(text, keras.layers.Dense(1, activation="sigmoid")(layer(text)))
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    x, y = tf.constant(TEXTS * 8), np.array([1, 0, 0, 1] * 8)
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=10, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first / 2


@pytest.mark.parametrize("arguments, message", [({"cell": "rnn"}, "cell must be one of"),
                                                ({"pooling": "last"}, "pooling must be one of")])
def test_unknown_cells_and_poolings_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        RNNEncoder(**arguments)
