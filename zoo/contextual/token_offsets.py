"""Which characters of the sentence each token came from: the offsets NER and QA need.

KerasHub's tokenizers return ids only, so the offsets are recovered here by aligning the tokens with the text:
- WordPiece (BERT): the text is lowercased and accent-stripped character by character (as the tokenizer does,
  keeping a map back to the original characters), then each piece is found from where the last one ended; an
  [UNK] covers the whole next word (WordPiece gives up on a word as a whole).
- byte-level BPE (GPT-2): the tokens' bytes concatenate to the text's UTF-8 bytes exactly, so byte positions
  are turned into character positions.
Other tokenizers get `None` offsets.
"""

import unicodedata
from typing import NamedTuple

import numpy as np


class TokenEmbeddings(NamedTuple):
    tokens: list  # token strings, special tokens included
    offsets: list  # (start, end) character offsets in the sentence, (0, 0) for special tokens; or None
    vectors: np.ndarray  # (tokens, dim)


def token_offsets(tokenizer, sentence, ids, added):
    """(token strings, offsets) of one sentence's ids; `added[k]`: token k was added by packing ([CLS], [SEP])."""
    import keras_hub

    tokens = [tokenizer.id_to_token(i) for i in ids]
    if isinstance(tokenizer, keras_hub.tokenizers.WordPieceTokenizer):
        return tokens, wordpiece_offsets(sentence, tokens, added, tokenizer)
    if isinstance(tokenizer, keras_hub.tokenizers.BytePairTokenizer):
        return byte_level_offsets(sentence, tokens, added, set(tokenizer.special_tokens))
    return tokens, None


def _normalized_with_origins(text, lowercase, strip_accents):
    """The text as the tokenizer sees it, and for each of its characters the index of the original one."""
    chars, origins = [], []
    for index, char in enumerate(text):
        if lowercase:
            char = char.lower()
        if strip_accents:
            char = "".join(c for c in unicodedata.normalize("NFD", char) if unicodedata.category(c) != "Mn")
        chars.append(char)
        origins.extend([index] * len(char))
    return "".join(chars), origins


def _is_word_boundary(char):
    category = unicodedata.category(char)
    return char.isspace() or category.startswith("P") or (char.isascii() and not char.isalnum()) or (
        "\u4e00" <= char <= "\u9fff")


def wordpiece_offsets(sentence, tokens, added, tokenizer):
    lowercase = getattr(tokenizer, "hugging_face_lowercase", tokenizer.lowercase)
    strip_accents = getattr(tokenizer, "hugging_face_strip_accents", tokenizer.strip_accents)
    text, origins = _normalized_with_origins(sentence, lowercase, strip_accents)
    written_specials = set(tokenizer.special_tokens)  # "[MASK]" in the text: found in its normalised form
    offsets, cursor = [], 0
    for token, was_added in zip(tokens, added):
        if was_added:
            offsets.append((0, 0))
            continue
        while cursor < len(text) and text[cursor].isspace():
            cursor += 1
        if token == tokenizer.oov_token:
            end = cursor + 1
            if cursor < len(text) and not _is_word_boundary(text[cursor]):
                while end < len(text) and not _is_word_boundary(text[end]):
                    end += 1
            start = cursor
        else:
            piece = token[len(tokenizer.suffix_indicator):] if token.startswith(tokenizer.suffix_indicator) else token
            if token in written_specials:
                piece = _normalized_with_origins(token, lowercase, strip_accents)[0]
            start = text.find(piece, cursor)
            if start < 0:  # cannot align (a normalisation this mirror does not know): no offset, keep going
                offsets.append(None)
                continue
            end = start + len(piece)
        end = min(end, len(text))
        offsets.append((origins[start], origins[end - 1] + 1) if end > start else (0, 0))
        cursor = end
    return offsets


def byte_level_offsets(sentence, tokens, added, special_tokens):
    from keras_hub.src.tokenizers.byte_pair_tokenizer import bytes_to_unicode

    byte_of = {char: byte[0] for byte, char in zip(*bytes_to_unicode())}
    char_at_byte = []
    for index, char in enumerate(sentence):
        char_at_byte.extend([index] * len(char.encode("utf-8")))
    char_at_byte.append(len(sentence))
    texts, offsets, position = [], [], 0
    for token, was_added in zip(tokens, added):
        if was_added:
            texts.append(token)
            offsets.append((0, 0))
            continue
        raw = token.encode("utf-8") if token in special_tokens else bytes(byte_of[c] for c in token)
        texts.append(raw.decode("utf-8", errors="replace"))
        end = min(position + len(raw), len(char_at_byte) - 1)
        offsets.append((char_at_byte[position], char_at_byte[end]))
        position += len(raw)
    return texts, offsets
