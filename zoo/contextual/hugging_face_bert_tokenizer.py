"""A KerasHub BERT tokenizer that normalises text as Hugging Face's BERT tokenizers do.

Written here because KerasHub's WordPiece pre-tokenizer differs from Hugging Face's `BertNormalizer` +
`BertPreTokenizer` (which sentence-transformers models were trained with), and each difference changes tokens:
- KerasHub lowercases with NFKC case folding: "ß" -> "ss", "ﬁ" -> "fi", "½" -> "1⁄2", fullwidth -> ASCII, and
  Hangul recomposed after NFD (all [UNK]); Hugging Face lowercases character by character and keeps them.
- KerasHub's converter drops accent stripping, which Hugging Face's uncased BERT does whenever it lowercases.
- KerasHub splits words at control and format characters (NUL, zero-width space, soft hyphen); Hugging Face
  deletes them, joining the pieces; it also treats no-break and other Unicode spaces as spaces.
- Hugging Face reads special tokens written in the text ("[CLS]") as those tokens.
Everything runs in TensorFlow ops (tensorflow_text's for NFD and splitting), so it exports with the encoder.
Known remaining difference: words over 100 UTF-8 bytes become [UNK] here, over 100 characters there.
"""

import keras
import keras_hub
import tensorflow as tf
import tensorflow_text as tf_text

SPACES = r"[\t\n\r\p{Zs}]"
CONTROLS = r"[\p{Cc}\p{Cf}\p{Co}\x{FFFD}]"  # after SPACES: \t\n\r are spaces by then, other controls go
FIXED_SETTINGS = ("split", "split_on_cjk", "special_tokens_in_strings")
PUNCTUATION = r"[!-/]|[:-@]|[\[-`]|[{-~]|\p{P}"
CJK = (r"[\x{4E00}-\x{9FFF}]|[\x{3400}-\x{4DBF}]|[\x{20000}-\x{2A6DF}]|[\x{2A700}-\x{2B73F}]|"
       r"[\x{2B740}-\x{2B81F}]|[\x{2B820}-\x{2CEAF}]|[\x{F900}-\x{FAFF}]|[\x{2F800}-\x{2FA1F}]")


@keras.saving.register_keras_serializable(package="zoo")
class HuggingFaceBertTokenizer(keras_hub.models.BertTokenizer):
    """A KerasHub BERT tokenizer that normalises and splits words as Hugging Face's BERT tokenizers do.

    `keras_hub.models.BertTokenizer` with Hugging Face's normalisation and word splitting (the differences it
    removes are in the module doc). `presets.load_parts` gives it to Hugging Face-format BERT folders; it saves
    and loads as a KerasHub tokenizer (`save_to_preset`, `Tokenizer.from_preset`).

    Args:
        vocabulary: the WordPiece vocabulary (a list of tokens, or a vocab.txt path); None: set later, as a
            preset's assets load. Default None.
        lowercase: lowercase the text (uncased models). Default True.
        strip_accents: remove accents (NFD, then drop non-spacing marks); None: whenever `lowercase`.
            Default None.
        **kwargs: `keras_hub.models.BertTokenizer` arguments (`name`, `dtype`, ...); `split`, `split_on_cjk` and
            `special_tokens_in_strings` are ignored: this class splits words, and reads special tokens written in
            the text, itself.

    Input/Output:
        text: (batch,) string -> token ids: (batch, None) int32 ragged (in a tf.function; called eagerly, KerasHub
        returns Python lists); a scalar string -> (None,) int32. `words(text)`: (batch,) string -> (batch, None)
        ragged string, the words WordPiece then splits.

    Example:
    ```python
    tokenizer = HuggingFaceBertTokenizer(vocabulary="vocab.txt", lowercase=True)
    tokenizer(["Héllo, WORLD"])        # [[ids of "hello", ",", "world"]], as Hugging Face's tokenizer gives them
    ```
    """

    def __init__(self, vocabulary=None, lowercase=True, strip_accents=None, **kwargs):
        for name in FIXED_SETTINGS:  # this class splits and normalises itself; KerasHub only does WordPiece
            kwargs.pop(name, None)
        super().__init__(vocabulary=vocabulary, lowercase=False, strip_accents=False, split=False, **kwargs)
        self.hugging_face_lowercase = bool(lowercase)
        self.hugging_face_strip_accents = bool(lowercase if strip_accents is None else strip_accents)

    def words(self, text):
        """(batch,) strings -> (batch, words) ragged strings, normalised and split as Hugging Face does."""
        text = tf.strings.regex_replace(tf.convert_to_tensor(text), SPACES, " ")
        text = tf.strings.regex_replace(text, CONTROLS, "")
        specials = "|".join(_escape(t) for t in sorted(self.special_tokens))
        words = tf_text.regex_split(text, delim_regex_pattern=f"{specials}| |{PUNCTUATION}|{CJK}",
                                    keep_delim_regex_pattern=f"{specials}|{PUNCTUATION}|{CJK}")
        normalized = words.flat_values
        if self.hugging_face_strip_accents:
            normalized = tf.strings.regex_replace(tf_text.normalize_utf8(normalized, "NFD"), r"\p{Mn}", "")
        if self.hugging_face_lowercase:
            normalized = tf.strings.lower(normalized, encoding="utf-8")
        is_special = tf.reduce_any(tf.equal(words.flat_values[:, None], tf.constant(sorted(self.special_tokens))),
                                   axis=1)
        return words.with_flat_values(tf.where(is_special, words.flat_values, normalized))

    def tokenize(self, inputs):
        inputs = tf.convert_to_tensor(inputs) if not isinstance(inputs, tf.RaggedTensor) else inputs
        if inputs.shape.rank == 0:
            return self.tokenize(inputs[None])[0]
        return super().tokenize(self.words(inputs))

    def get_config(self):
        config = super().get_config()
        for name in FIXED_SETTINGS:
            config.pop(name, None)
        return {**config, "lowercase": self.hugging_face_lowercase,
                "strip_accents": self.hugging_face_strip_accents}


def _escape(token):
    return "".join(f"\\{c}" if not c.isalnum() else c for c in token)
