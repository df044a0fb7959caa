"""Static (context-free) embeddings: pretrained vector files, and later the trainers."""
