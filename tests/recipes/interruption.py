"""A callback class that stops training once, as a Ctrl-C would, for the recipes' resume tests."""


def interrupting(callback_class, after_epoch, begun):
    """A subclass of `callback_class` (one the recipe creates) that records each epoch begun in `begun` and raises
    KeyboardInterrupt at the end of epoch `after_epoch` (0-based), the first time only."""

    class Interrupting(callback_class):
        interrupted = False

        def on_epoch_begin(self, epoch, logs=None):
            begun.append(epoch)
            super().on_epoch_begin(epoch, logs)

        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            if epoch == after_epoch and not Interrupting.interrupted:
                Interrupting.interrupted = True
                raise KeyboardInterrupt

    return Interrupting
