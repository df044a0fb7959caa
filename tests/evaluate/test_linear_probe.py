"""The linear probe: separable classes are learnt, labels that carry nothing score near chance."""

import numpy as np

from zoo.evaluate.linear_probe import linear_probe_accuracy


def clusters(n, rng, labels=("dress", "top", "pants")):
    centres = rng.normal(size=(len(labels), 16)) * 3
    which = rng.integers(len(labels), size=n)
    return centres[which] + rng.normal(size=(n, 16)), [labels[i] for i in which]


def test_separable_classes_are_learnt_and_random_labels_are_not():
    vectors, labels = clusters(600, np.random.default_rng(0))
    train, train_labels, test, test_labels = vectors[:300], labels[:300], vectors[300:], labels[300:]
    assert linear_probe_accuracy(train, train_labels, test, test_labels) > 0.97
    shuffled = list(np.random.default_rng(2).permutation(train_labels))
    assert linear_probe_accuracy(train, shuffled, test, test_labels) < 0.6
    assert linear_probe_accuracy(train, train_labels, test[:2], ["unseen", "unseen"]) == 0.0
