"""Contextual encoders: KerasHub backbones (BERT family, GPT-2) composed with pooling and normalisation.

`TextEncoder.from_preset("all-minilm-l6-v2")` is Sentence-BERT all-MiniLM-L6-v2, offline; any KerasHub preset
folder or Hugging Face-format folder loads the same way.
"""

from zoo.lazy_exports import lazy_getattr

_LAZY = {
    "AnglELoss": "zoo.contextual.angle_loss",
    "CoSENTLoss": "zoo.contextual.cosent_loss",
    "CosineSimilarityLoss": "zoo.contextual.cosine_similarity_loss",
    "GPT2Trainer": "zoo.contextual.gpt_training",
    "MaskedLMPretrainer": "zoo.contextual.masked_lm_pretraining",
    "SimCSETrainer": "zoo.contextual.simcse",
    "MultipleNegativesRankingLoss": "zoo.contextual.multiple_negatives_ranking_loss",
    "SentencePairModel": "zoo.contextual.sentence_pair_model",
    "fine_tune": "zoo.contextual.sentence_finetuning",
    "TextEncoder": "zoo.contextual.text_encoder",
    "TokenTagger": "zoo.contextual.token_tagger",
    "TokenPooling": "zoo.pooling",  # shared with zoo.custom; kept here for old imports
}

__getattr__ = lazy_getattr("zoo.contextual", _LAZY)
__all__ = sorted(_LAZY)
