"""Frozen embeddings scored by a linear probe: multinomial logistic regression (a softmax Dense layer in Keras,
full-batch, L2-regularised) trained on some labelled vectors, accuracy on others. No scikit-learn."""

import keras
import numpy as np
import tensorflow as tf


def linear_probe_accuracy(train_vectors, train_labels, test_vectors, test_labels, seed=0, epochs=200,
                          l2=1e-4, learning_rate=0.05):
    """Accuracy on the test vectors of a logistic regression trained on the training vectors.

    Args:
        train_vectors, test_vectors: (n, dim) float arrays; standardised with the training mean and deviation.
        train_labels, test_labels: (n,) labels of any hashable kind; a test label unseen in training counts wrong.
        seed: the weights' initialisation. Default 0.
        epochs: full-batch Adam steps (gradient descent on all the training vectors). Default 200.
        l2: L2 penalty on the weights. Default 1e-4.
        learning_rate: Adam's learning rate. Default 0.05.

    Returns: float, the share of test vectors whose arg-max class is their label.
    """
    classes = sorted(set(train_labels))
    index = {label: number for number, label in enumerate(classes)}
    mean, deviation = train_vectors.mean(0), train_vectors.std(0) + 1e-6
    x_train = ((train_vectors - mean) / deviation).astype(np.float32)
    x_test = ((test_vectors - mean) / deviation).astype(np.float32)
    y_train = np.array([index[label] for label in train_labels], np.int32)
    y_test = np.array([index.get(label, -1) for label in test_labels], np.int32)
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(x_train.shape[1],))
    model = keras.Model(inputs, keras.layers.Dense(len(classes), kernel_regularizer=keras.regularizers.L2(l2))(inputs))
    model.compile(keras.optimizers.Adam(learning_rate),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True), steps_per_execution=epochs)
    # One epoch of `epochs` full-batch steps run in one graph call (an epoch each would cost Keras' overhead each).
    full_batch = tf.data.Dataset.from_tensors((x_train, y_train)).repeat(epochs)
    model.fit(full_batch, epochs=1, shuffle=False, verbose=0)
    predicted = np.argmax(keras.ops.convert_to_numpy(model(x_test)), axis=1)  # eager: no tf.function per probe
    return float(np.mean(predicted == y_test))
