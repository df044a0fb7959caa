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


def interrupted_then_resumed(recipe, flags, after_epoch=1, callback="EpochBackup"):
    """Runs `recipe.main(flags)` stopped (KeyboardInterrupt) at the end of epoch `after_epoch` through its
    `callback` class, then again to the end. Returns (the second run's result, the epochs the first run began,
    those the second began)."""
    import pytest

    begun = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(recipe, callback, interrupting(getattr(recipe, callback), after_epoch, begun))
        with pytest.raises(KeyboardInterrupt):
            recipe.main(flags)
        first = list(begun)
        begun.clear()
        result = recipe.main(flags)
    return result, first, list(begun)
