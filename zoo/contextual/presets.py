"""Finding and loading a contextual encoder's parts: backbone, tokenizer, and the settings its files state.

A preset is one of:
- a zoo name of a model that a package ships (`all-minilm-l6-v2`, prepared by `zoo data prepare`);
- a folder: a KerasHub preset (`save_to_preset`: config.json with `registered_name`, tokenizer.json, ...) or a
  Hugging Face-format folder (config.json with `model_type`, model.safetensors, vocab.txt/vocab.json...), which
  KerasHub converts as it loads;
- a KerasHub preset name or handle (`bert_tiny_en_uncased`, `kaggle://...`), which KerasHub resolves from its cache
  (nothing is downloaded on this project's machines, so an uncached name fails with the list of what was tried).
"""

import importlib
import json
from pathlib import Path
from typing import NamedTuple

from zoo.errors import ZooInputError

# The zoo's own presets, KerasHub style: name -> metadata, and the zoo data set that holds the files (prepared by
# `zoo data prepare NAME`; the data set's declaration in zoo/data/encoders.py lists the files and counts).
PRESETS = {
    "all-minilm-l6-v2": {
        "metadata": {"description": "Sentence-BERT all-MiniLM-L6-v2: a 6-layer, 384-wide BERT, mean pooling, "
                                    "normalised (Hugging Face format)", "path": "bert"},
        "data_set": "all-minilm-l6-v2",
    },
}
DEFAULT_PRESET = "all-minilm-l6-v2"


class EncoderParts(NamedTuple):
    backbone: object
    tokenizer: object
    sequence_length: int
    pooling: str  # what the preset's own files say (sentence-transformers' pooling config), else a family default
    normalize: bool


def resolve(preset):
    """A folder (Path) for zoo names and folders, else the string for KerasHub to resolve; errors say why."""
    from zoo.data import catalogue

    if preset in PRESETS:
        return catalogue.require(PRESETS[preset]["data_set"])
    path = Path(str(preset)).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ZooInputError(
                f"{path}: not a preset folder: looked for config.json (a KerasHub preset, with metadata.json, or a "
                "Hugging Face-format model folder, with model.safetensors) and found none")
        return path
    if path.exists() or ("/" in str(preset) and "://" not in str(preset)):
        raise ZooInputError(f"{preset}: no such preset folder")
    return str(preset)


def _read_json(path):
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (ValueError, UnicodeDecodeError) as error:
        raise ZooInputError(f"{path}: not valid JSON ({error})") from None


def load_parts(preset, sequence_length=None):
    import keras_hub

    # Registered with Keras on import: a preset saved from a zoo encoder names this tokenizer class.
    importlib.import_module("zoo.contextual.hugging_face_bert_tokenizer")

    location = resolve(preset)
    tried = (f"zoo presets ({', '.join(PRESETS)}), a folder with config.json, a KerasHub preset name or handle")
    try:
        backbone = keras_hub.models.Backbone.from_preset(str(location))
        tokenizer = keras_hub.models.Tokenizer.from_preset(str(location))
    except ZooInputError:
        raise
    except (ValueError, KeyError) as error:
        if isinstance(location, Path):
            raise ZooInputError(f"{location}: KerasHub could not build the model from this folder "
                                f"(weights that do not match the config, or files missing): {error}") from None
        raise ZooInputError(f"unknown preset {preset!r}: looked for {tried}; KerasHub said: {error}") from None
    except Exception as error:  # KerasHub's download attempt fails in many ways offline
        raise ZooInputError(f"unknown preset {preset!r}: looked for {tried}; KerasHub said: "
                            f"{type(error).__name__}: {error}") from None
    folder = location if isinstance(location, Path) else None
    tokenizer = _fix_hugging_face_bert_tokenizer(tokenizer, folder)
    pooling, normalize, length = _sentence_transformers_settings(folder, backbone)
    maximum = getattr(backbone, "max_sequence_length", None) or 512
    length = min(sequence_length or length or maximum, maximum)
    return EncoderParts(backbone, tokenizer, length, pooling, normalize)


def is_causal(backbone):
    """GPT-style backbones (each token sees only the ones before it): pooled with the last token by default."""
    return type(backbone).__name__ in {"GPT2Backbone", "GPTNeoXBackbone", "LlamaBackbone", "MistralBackbone",
                                       "Qwen3Backbone", "GemmaBackbone", "Gemma3Backbone"}


def _fix_hugging_face_bert_tokenizer(tokenizer, folder):
    """A Hugging Face-format BERT folder gets Hugging Face's normalisation (see HuggingFaceBertTokenizer)."""
    import keras_hub

    from zoo.contextual.hugging_face_bert_tokenizer import HuggingFaceBertTokenizer

    hugging_face = folder is not None and "model_type" in _read_json(folder / "config.json")
    if not hugging_face or type(tokenizer) is not keras_hub.models.BertTokenizer:
        return tokenizer
    settings = _read_json(folder / "tokenizer_config.json")
    return HuggingFaceBertTokenizer(vocabulary=tokenizer.get_vocabulary(),
                                    lowercase=settings.get("do_lower_case", True),
                                    strip_accents=settings.get("strip_accents"))


def _sentence_transformers_settings(folder, backbone):
    """(pooling, normalize, max_seq_length) from a sentence-transformers folder; family defaults elsewhere."""
    pooling = "last" if is_causal(backbone) else "mean"
    if folder is None:
        return pooling, True, None
    modules = _read_json(folder / "modules.json")
    normalize = any(m.get("type", "").endswith(".Normalize") for m in modules) if modules else True
    for module in modules:
        if module.get("type", "").endswith(".Pooling"):
            config = _read_json(folder / module.get("path", "") / "config.json")
            for mode in ("cls", "max", "mean", "lasttoken"):
                if config.get(f"pooling_mode_{mode}_token") or config.get(f"pooling_mode_{mode}_tokens"):
                    pooling = {"lasttoken": "last"}.get(mode, mode)
    return pooling, normalize, _read_json(folder / "sentence_bert_config.json").get("max_seq_length")
