"""TextEncoder around tiny random backbones: strings in, vectors out; packing, padding, truncation, token vectors."""

import numpy as np
import pytest
import tensorflow as tf

from tests.contextual.tiny_models import tiny_bert_encoder, tiny_gpt2_encoder
from zoo.errors import ZooInputError
from zoo.precision import BFLOAT16_CPU_FLAGS, INT8_CPU_FLAGS, cpu_flags

SENTENCES = ["the quick brown fox", "hello world !", "", "a", "the fox . the fox . the fox . the fox", "cafe"]


@pytest.fixture(scope="module")
def bert():
    return tiny_bert_encoder()


@pytest.fixture(scope="module")
def gpt2():
    return tiny_gpt2_encoder()


@pytest.mark.parametrize("encoder_name", ["bert", "gpt2"])
def test_calling_on_strings_equals_encode_whatever_the_batching(encoder_name, request):
    encoder = request.getfixturevalue(encoder_name)
    called = encoder(tf.constant(SENTENCES)).numpy()
    for batch_size in (1, 2, 32):  # each batch is padded to its own length: results must not depend on it
        for concurrent in (1, 3):  # nor on how many batches run at once (each writes its own rows)
            np.testing.assert_allclose(encoder.encode(SENTENCES, batch_size, concurrent_batches=concurrent),
                                       called, atol=1e-5)
    assert called.shape == (len(SENTENCES), encoder.output_dim)
    np.testing.assert_allclose(np.linalg.norm(called, axis=1), 1.0, atol=1e-5)


def test_bert_packing_adds_cls_and_sep_and_pads_to_the_longest(bert):
    features = bert.preprocess(["hello world", "the quick brown fox"])
    ids = features["token_ids"].numpy()
    assert ids.shape == (2, 6)
    np.testing.assert_array_equal(ids[0], [2, 9, 10, 3, 0, 0])
    np.testing.assert_array_equal(features["padding_mask"].numpy().sum(1), [4, 6])
    np.testing.assert_array_equal(features["segment_ids"].numpy(), 0)
    # For XLA, encode() pads to bucketed lengths (few shapes to compile); padding never changes a vector.
    rounded = bert.pack(bert.token_ids(tf.constant(["hello world"])), 8)
    np.testing.assert_array_equal(rounded["token_ids"].numpy(), [[2, 9, 10, 3, 0, 0, 0, 0]])
    np.testing.assert_allclose(bert.encode(SENTENCES, jit_compile=True), bert.encode(SENTENCES), atol=1e-5)


def test_xla_lengths_are_exact_when_short_and_bucketed_when_long():
    from zoo.contextual.text_encoder import xla_padded_length

    lengths = np.arange(1, 257)
    padded = np.array([xla_padded_length(n) for n in lengths])
    assert (padded[:15] == lengths[:15]).all()
    assert (padded >= lengths).all() and (padded <= lengths * 1.125).all()
    assert [xla_padded_length(n) for n in (16, 17, 33, 65, 129, 255)] == [16, 18, 36, 72, 144, 256]
    assert len(set(padded)) <= 56


def test_inference_goes_through_the_fused_bert_pass_and_training_through_keras_hub(bert):
    assert bert.fused
    features = bert.preprocess(SENTENCES)
    np.testing.assert_allclose(bert.embed_features(features).numpy(),
                               bert.token_id_encoder(features, training=False).numpy(), atol=1e-5)
    trained = [bert(tf.constant(SENTENCES), training=True).numpy() for _ in range(2)]
    assert np.abs(trained[0] - trained[1]).max() > 1e-3  # dropout: the KerasHub model in training mode


def test_gpt2_packing_puts_the_start_token_first_and_no_end_token(gpt2):
    ids = gpt2.token_ids(tf.constant(["ab c", ""])).to_list()
    assert ids == [[0, 5, 7], [0]]


def test_long_texts_are_truncated_at_the_end():
    encoder = tiny_bert_encoder(sequence_length=6)
    long, head = "a b c d e f a b c", "a b c d"  # [CLS] + 4 words + [SEP] = 6 tokens
    assert encoder.token_ids(tf.constant([long])).row_lengths().numpy().tolist() == [6]
    np.testing.assert_allclose(*encoder.encode([long, head]), atol=1e-6)


@pytest.mark.parametrize("encoder_name", ["bert", "gpt2"])
def test_a_text_is_tokenised_within_its_byte_budget(encoder_name, request):
    from zoo.contextual.text_encoder import BYTES_PER_TOKEN

    encoder = request.getfixturevalue(encoder_name)
    budget = encoder.sequence_length * BYTES_PER_TOKEN
    word = "ab" * budget  # one word twice the budget: GPT-2's merges on it would be quadratic in its length
    texts = ["c " + word, ("c " + word)[:budget], "ab c ab", ""]
    seen = []
    tokenize = encoder._tokenize
    encoder._tokenize = lambda text: (seen.append(text.numpy().tolist()), tokenize(text))[1]
    try:
        ids = encoder.token_ids(tf.constant(texts)).to_list()
    finally:
        encoder._tokenize = tokenize
    assert [len(text) for text in seen[0]] == [budget, budget, 7, 0]  # short texts untouched
    assert ids[0] == ids[1]  # the tokens of a text cut at its budget (BERT: [UNK] for a word over 100 characters)


def test_last_token_pooling_is_the_vector_of_the_last_real_token(gpt2):
    text = "ab ab c"
    ids = gpt2.token_ids(tf.constant([text])).to_tensor()
    vectors = gpt2.backbone({"token_ids": ids, "padding_mask": tf.ones_like(ids)}).numpy()[0]
    expected = vectors[-1] / np.linalg.norm(vectors[-1])
    np.testing.assert_allclose(gpt2.encode([text, "c"])[0], expected, atol=1e-5)


def test_an_empty_batch_gives_no_rows(bert):
    assert bert.encode([]).shape == (0, bert.output_dim)


def test_the_width_is_output_dim_and_dim_is_its_deprecated_alias(bert):
    assert bert.output_dim == 8 and bert.token_pooling.pooling == "mean"
    with pytest.warns(DeprecationWarning, match=r"TextEncoder.dim is deprecated .* use TextEncoder.output_dim"):
        assert bert.dim == 8


def test_bad_input_is_refused(bert):
    with pytest.raises(ZooInputError, match="list of sentences"):
        bert.token_embeddings("hello world")
    with pytest.raises(ZooInputError, match="sentence 1 is a int"):
        bert.encode(["hello", 3])
    with pytest.raises(ZooInputError, match="output_value='pooled'"):
        bert.encode(["hello"], output_value="pooled")


# sentence-transformers' encode(): the same arguments, the same meanings.
def test_one_string_gives_one_vector(bert):
    one = bert.encode("hello world")
    assert one.shape == (bert.output_dim,)
    np.testing.assert_allclose(one, bert.encode(["hello world"])[0], atol=1e-6)


def test_conversions_and_normalisation(bert):
    from zoo.contextual import TextEncoder

    encoder = TextEncoder(bert.backbone, bert.tokenizer, normalize=False, sequence_length=16)
    sentences = ["hello world", "the quick brown fox"]
    plain = encoder.encode(sentences)
    tensor = encoder.encode(sentences, convert_to_tensor=True)
    assert isinstance(tensor, tf.Tensor) and np.allclose(tensor.numpy(), plain)
    rows = encoder.encode(sentences, convert_to_numpy=False)
    assert isinstance(rows, list) and len(rows) == 2 and np.allclose(rows[1].numpy(), plain[1])
    unit = encoder.encode(sentences, normalize_embeddings=True, show_progress_bar=False)
    assert not np.allclose(np.linalg.norm(plain, axis=1), 1)  # so that normalising is seen
    np.testing.assert_allclose(unit, plain / np.linalg.norm(plain, axis=1, keepdims=True), atol=1e-6)
    tokens = encoder.encode(sentences, output_value="token_embeddings")
    assert [t.shape for t in tokens] == [(4, encoder.output_dim), (6, encoder.output_dim)]  # [CLS] ... [SEP]


def test_similarity_is_the_cosine_of_every_pair_and_the_dimension_is_output_dim(bert):
    a, b = bert.encode(["hello world", "the fox"]), bert.encode(["a cafe"])
    expected = (a / np.linalg.norm(a, axis=1, keepdims=True)) @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T
    np.testing.assert_allclose(bert.similarity(a, b).numpy(), expected, atol=1e-6)
    assert bert.similarity(a[0], b[0]).shape == (1, 1)
    assert bert.get_sentence_embedding_dimension() == bert.output_dim


def test_progress_is_the_deprecated_name_of_show_progress_bar(bert):
    with pytest.warns(DeprecationWarning, match=r"encode\(progress=...\) is deprecated"):
        bert.encode(["hello"], progress=False)


def test_token_embeddings_give_tokens_offsets_and_contextual_vectors(bert):
    sentence = "Héllo  WORLD! cafés"
    (result,) = bert.token_embeddings([sentence])
    assert result.tokens == ["[CLS]", "hello", "world", "!", "cafe", "##s", "[SEP]"]
    assert [sentence[a:b] for a, b in result.offsets] == ["", "Héllo", "WORLD", "!", "café", "s", ""]
    full = bert.token_vector_model(bert.preprocess([sentence])).numpy()[0]
    np.testing.assert_allclose(result.vectors, full[:7], atol=1e-6)


def test_gpt2_token_offsets_cover_the_text(gpt2):
    (result,) = gpt2.token_embeddings(["ab c"])
    assert result.tokens == ["<|endoftext|>", "ab", " c"]
    assert result.offsets == [(0, 0), (0, 2), (2, 4)]


def test_saved_and_loaded_encoder_gives_the_same_vectors(bert, tmp_path):
    import keras

    bert.save(tmp_path / "encoder.keras")
    loaded = keras.saving.load_model(tmp_path / "encoder.keras")
    np.testing.assert_allclose(loaded.encode(SENTENCES), bert.encode(SENTENCES), atol=1e-6)


@pytest.mark.parametrize("encoder_name", ["bert", "gpt2"])
def test_a_keras_hub_preset_folder_loads_back_to_the_same_encoder(encoder_name, request, tmp_path):
    from zoo.contextual import TextEncoder

    encoder = request.getfixturevalue(encoder_name)
    encoder.backbone.save_to_preset(str(tmp_path))
    encoder.tokenizer.save_to_preset(str(tmp_path))
    loaded = TextEncoder.from_preset(str(tmp_path), pooling=encoder.pooling, sequence_length=16)
    assert type(loaded.tokenizer) is type(encoder.tokenizer)
    np.testing.assert_allclose(loaded.encode(SENTENCES), encoder.encode(SENTENCES), atol=1e-6)


def test_unknown_presets_say_what_was_looked_for(tmp_path):
    from zoo.contextual import TextEncoder

    with pytest.raises(ZooInputError, match="unknown preset 'no_such_model_en'.*looked for zoo presets"):
        TextEncoder.from_preset("no_such_model_en")
    with pytest.raises(ZooInputError, match="not a preset folder: looked for config.json"):
        TextEncoder.from_preset(str(tmp_path))
    with pytest.raises(ZooInputError, match="no such preset folder"):
        TextEncoder.from_preset(str(tmp_path / "missing"))


# === Precision ===
needs_bfloat16_cpu = pytest.mark.skipif(not cpu_flags() & set(BFLOAT16_CPU_FLAGS),
                                        reason="bfloat16 precision needs a CPU with AVX-512 BF16 or AMX")


@needs_bfloat16_cpu
def test_a_bfloat16_encoder_shares_the_weights_and_stays_within_rounding(bert):
    reduced = bert.with_precision("bfloat16")
    assert reduced.precision == "bfloat16" and bert.precision == "float32" and reduced.backbone is bert.backbone
    full, rounded = bert.encode(SENTENCES), reduced.encode(SENTENCES)
    assert 0 < np.abs(full - rounded).max() < 1e-3
    assert ((full * rounded).sum(1)).min() > 0.9999  # unit vectors: the cosine
    np.testing.assert_allclose(reduced(tf.constant(SENTENCES)).numpy(), rounded, atol=1e-6)  # calls as encode


@needs_bfloat16_cpu
def test_the_precision_is_saved_and_exported(bert, tmp_path):
    import keras

    from zoo.contextual.encoder_exports import export_preprocessing_and_encoder, export_text_encoder
    from zoo.serving import check

    reduced = bert.with_precision("bfloat16")
    reduced.save(tmp_path / "encoder.keras")
    loaded = keras.saving.load_model(tmp_path / "encoder.keras")
    assert loaded.precision == "bfloat16"
    np.testing.assert_allclose(loaded.encode(SENTENCES), reduced.encode(SENTENCES), atol=1e-6)
    exports = [export_text_encoder(reduced, "tiny_bf16", SENTENCES, root=tmp_path),
               *export_preprocessing_and_encoder(reduced, "tiny_bf16", SENTENCES, root=tmp_path),
               export_text_encoder(bert, "tiny_fp32", SENTENCES, root=tmp_path)]
    reports = [check(path) for path in exports]
    assert [r.precision for r in reports] == ["bfloat16", "none", "bfloat16", "float32"]  # preprocessing: none
    assert "precision: bfloat16 (matrix products: " in reports[0].summary()
    assert "  precision:" not in reports[1].summary()
    served = tf.saved_model.load(str(exports[0])).signatures["serving_default"](text=tf.constant(SENTENCES))
    np.testing.assert_allclose(served["embedding"].numpy(), reduced.encode(SENTENCES), atol=1e-5)


needs_int8_cpu = pytest.mark.skipif(not cpu_flags() & set(INT8_CPU_FLAGS),
                                    reason="int8 precision needs a CPU with AVX-512 VNNI, AVX-VNNI or AMX")


@needs_int8_cpu
def test_an_int8_encoder_is_calibrated_saved_and_exported_with_its_precision(bert, tmp_path):
    import keras

    from zoo.contextual.encoder_exports import export_text_encoder
    from zoo.serving import check

    reduced = bert.with_precision("int8", calibration_sentences=SENTENCES * 3)
    assert reduced.precision == "int8" and bert.int8_products is None and reduced.backbone is bert.backbone
    full, rounded = bert.encode(SENTENCES), reduced.encode(SENTENCES)
    assert 0 < np.abs(full - rounded).max() and (full * rounded).sum(1).min() > 0.99  # unit vectors: the cosine
    called = reduced(tf.constant(SENTENCES)).numpy()  # padded otherwise: a rounding may fall the other way
    assert (called * rounded).sum(1).min() > 0.9999
    with pytest.raises(ZooInputError, match="XLA has no kernel for the int8"):
        reduced.encode(SENTENCES, jit_compile=True)

    reduced.save(tmp_path / "encoder.keras")
    loaded = keras.saving.load_model(tmp_path / "encoder.keras")
    assert loaded.precision == "int8"
    np.testing.assert_array_equal(loaded.encode(SENTENCES), rounded)  # the saved int8 weights, not recalibrated
    report = check(export_text_encoder(reduced, "tiny_int8", SENTENCES, root=tmp_path))
    assert report.matrix_products["int8"] == 2 * report.matrix_products["bfloat16" if cpu_flags() & set(
        BFLOAT16_CPU_FLAGS) else "float32"]  # a layer: four dense products in int8, the attention's two not
    assert report.precision.startswith("mixed: int8")
    served = tf.saved_model.load(str(report.path)).signatures["serving_default"](text=tf.constant(SENTENCES))
    assert (served["embedding"].numpy() * rounded).sum(1).min() > 0.9999


def test_an_unknown_precision_or_one_the_backbone_cannot_take_is_refused(bert, gpt2):
    with pytest.raises(ZooInputError, match="precision 'int4'"):
        bert.with_precision("int4")
    if cpu_flags() & set(BFLOAT16_CPU_FLAGS):
        with pytest.raises(ZooInputError, match="fused BERT pass, which GPT2Backbone does not take"):
            gpt2.with_precision("bfloat16")
    if cpu_flags() & set(INT8_CPU_FLAGS):
        with pytest.raises(ZooInputError, match="fused BERT pass, which GPT2Backbone does not take"):
            gpt2.with_precision("int8")
