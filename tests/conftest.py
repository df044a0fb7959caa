import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import pytest  # noqa: E402


def make_text_model(dim=8):
    """A tiny string-in model: TextVectorization -> Embedding -> mean, output named `embedding`."""
    vectorize = keras.layers.TextVectorization(max_tokens=50)
    vectorize.adapt(["the cat sat on the mat", "a dog ran in the park", "the dog sat"])
    text = keras.Input(shape=(), dtype="string", name="text")
    pooled = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(50, dim)(vectorize(text)))
    return keras.Model(text, {"embedding": pooled})


@pytest.fixture(scope="session")
def text_model():
    return make_text_model()


@pytest.fixture(scope="session")
def exported(text_model, tmp_path_factory):
    """One export of the tiny model, shared by the tests that only read it."""
    from zoo.serving import export

    root = tmp_path_factory.mktemp("saved_models")
    return export(text_model, "tiny", {"text": ["the cat", "a dog in the park", ""]}, root=root)
