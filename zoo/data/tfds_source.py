"""Reading a data set from TensorFlow Datasets, only where it is already prepared on this machine."""

from zoo.errors import DataNotPrepared


def examples(name, split, data_dir=None):
    """Numpy examples of a prepared TFDS data set; never downloads (nothing may be fetched at run time)."""
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as error:  # tfds raises several types for unknown names
        raise DataNotPrepared(f"TFDS has no data set {name!r}: {error}") from None
    try:
        dataset = builder.as_dataset(split=split)
    except AssertionError:  # how tfds says that the data set has not been prepared
        raise DataNotPrepared(
            f"TFDS data set {name!r} is not prepared in {builder.data_dir}; "
            f"prepare it with `tfds build {name}` (or pass tfds_data_dir=) where its source files are available"
        ) from None
    return tfds.as_numpy(dataset)
