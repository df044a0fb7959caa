"""Tiny BERT and GPT-2 encoders (random weights) for fast tests of the composition around the backbone."""

import keras
import keras_hub

BERT_VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "quick", "brown", "fox", "hello", "world",
                   "cafe", "!", ".", "a", "b", "c", "d", "e", "f", "##s"]
GPT2_VOCABULARY = {"<|endoftext|>": 0, "a": 1, "b": 2, "c": 3, "Ġ": 4, "ab": 5, "Ġab": 6, "Ġc": 7}
GPT2_MERGES = ["a b", "Ġ ab", "Ġ c"]


def tiny_bert_encoder(pooling="mean", sequence_length=16, hugging_face=True):
    from zoo.contextual.hugging_face_bert_tokenizer import HuggingFaceBertTokenizer
    from zoo.contextual.text_encoder import TextEncoder

    keras.utils.set_random_seed(1)
    backbone = keras_hub.models.BertBackbone(vocabulary_size=len(BERT_VOCABULARY), num_layers=1, num_heads=2,
                                             hidden_dim=8, intermediate_dim=16, max_sequence_length=32)
    tokenizer = (HuggingFaceBertTokenizer(BERT_VOCABULARY) if hugging_face
                 else keras_hub.models.BertTokenizer(BERT_VOCABULARY, lowercase=True))
    return TextEncoder(backbone, tokenizer, pooling=pooling, sequence_length=sequence_length)


def tiny_gpt2_encoder(pooling="last", sequence_length=16):
    from zoo.contextual.text_encoder import TextEncoder

    keras.utils.set_random_seed(2)
    backbone = keras_hub.models.GPT2Backbone(vocabulary_size=len(GPT2_VOCABULARY), num_layers=1, num_heads=2,
                                             hidden_dim=8, intermediate_dim=16, max_sequence_length=32)
    tokenizer = keras_hub.models.GPT2Tokenizer(vocabulary=GPT2_VOCABULARY, merges=GPT2_MERGES)
    return TextEncoder(backbone, tokenizer, pooling=pooling, sequence_length=sequence_length)
