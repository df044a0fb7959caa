"""The loaders on the real, prepared data (`zoo data prepare` runs before the tests) and on users' files."""

import numpy as np
import pytest
import tensorflow as tf

from zoo import data
from zoo.data import catalogue
from zoo.errors import DataNotPrepared, ZooDataError


@pytest.mark.parametrize("name", sorted(catalogue.DATASETS))
def test_every_data_set_is_prepared_with_its_record_counts(name):
    dataset = catalogue.DATASETS[name]
    assert dataset.count_records(data.require(name)) == dataset.expected_counts


def test_stsb_records():
    test = data.load_stsb("test")
    assert len(test) == 1379
    first = test[0]
    assert (first.sentence1, first.sentence2, first.score) == (
        "A girl is styling her hair.", "A girl is brushing her hair.", 2.5)
    assert all(0 <= pair.score <= 5 for pair in test)


def test_movielens_records():
    ratings = data.load_movielens("ratings")
    users = {u.user_id: u for u in data.load_movielens("users")}
    items = {i.item_id: i for i in data.load_movielens("items")}
    assert ratings[0] == data.movielens.Rating("196", "242", 3.0, 881250949)
    assert users["1"] == data.movielens.User("1", 24, "M", "technician", "85711")
    assert items["1"].title == "Toy Story" and items["1"].year == 1995 and "Animation" in items["1"].genres
    # RecBole's file splits this title at a Roman numeral; the loader takes the year from the title.
    assert items["1412"].year == 1995 and items["1412"].title.endswith("Great Giving")
    assert {r.user_id for r in ratings} <= set(users) and {r.item_id for r in ratings} <= set(items)


def test_corpora():
    articles = data.load_wiki_excerpt()
    assert articles[0].title == "Anarchism"
    tokens = sum(len(data.tokenize(a.text)) for a in articles)
    assert 400_000 < tokens < 500_000  # gensim's own tokenizer counts 452,944 on this excerpt
    assert "{{" not in articles[0].text and "[[" not in articles[0].text
    similarities = data.load_lee("similarities")
    assert similarities.shape == (50, 50) and np.allclose(np.diag(similarities), 1)
    assert "£3,000" in " ".join(data.load_lee("test"))  # lee.cor is Latin-1


def test_word_benchmarks():
    wordsim = data.load_word_pairs("wordsim353")
    assert wordsim[0] == data.word_benchmarks.WordPair("love", "sex", 6.77)
    assert max(p.score for p in data.load_word_pairs("men")) == 50
    google = data.load_analogies("google-analogies")
    assert google[0] == data.word_benchmarks.Analogy("Athens", "Greece", "Baghdad", "Iraq",
                                                     "capital-common-countries")
    assert len({a.section for a in google}) == 14
    assert len({a.section for a in data.load_analogies("msr-analogies")}) == 16


def test_vader_movie_reviews():
    reviews = data.load_vader_movie_reviews()
    assert reviews[2] == data.sentiment.ScoredText("3", -0.6, "Effective but too tepid biopic")
    assert all(-4 <= r.score <= 4 for r in reviews)


def test_clothing_reviews():
    reviews = data.load_clothing_reviews()
    assert reviews[0] == data.clothing_reviews.Review("Absolutely wonderful - silky and sexy and comfortable", 4,
                                                      "Intimate")
    assert reviews[2].text.startswith("Some major design flaws. I had such high hopes for this dress")
    assert {r.rating for r in reviews} == {1, 2, 3, 4, 5}
    assert {r.department for r in reviews} == {"Tops", "Dresses", "Bottoms", "Intimate", "Jackets", "Trend", ""}


def test_wsj_pos():
    sentences = data.load_wsj_pos()
    assert sentences[0].words[:4] == ("Pierre", "Vinken", ",", "61")
    assert sentences[0].tags[:4] == ("NNP", "NNP", ",", "CD")
    assert all(len(s.words) == len(s.tags) for s in sentences)


def test_a_word_holding_a_slash_keeps_it(tmp_path):
    path = tmp_path / "tagged.txt"
    path.write_text("1/2/CD cup/NN\n")
    assert data.load_wsj_pos(path=path)[0] == data.tagged_sentences.TaggedSentence(("1/2", "cup"), ("CD", "NN"))


def write_reviews(path, ratings, columns=("Title", "Review Text", "Rating", "Department Name")):
    import pyarrow
    import pyarrow.parquet

    values = {"Title": [None] * len(ratings), "Review Text": ["fits well"] * len(ratings), "Rating": ratings,
              "Department Name": ["Tops"] * len(ratings)}
    pyarrow.parquet.write_table(pyarrow.table({name: values[name] for name in columns}), path)


def test_clothing_reviews_of_a_user_and_their_errors(tmp_path):
    path = tmp_path / "reviews.parquet"
    write_reviews(path, [5, 2])
    assert data.load_clothing_reviews(path=path)[1] == data.clothing_reviews.Review("fits well", 2, "Tops")
    write_reviews(path, [5, 9])
    with pytest.raises(ZooDataError, match=r"reviews.parquet: row 2: field 'Rating' must be 1 to 5, found 9"):
        data.load_clothing_reviews(path=path)
    write_reviews(path, [5], columns=("Review Text", "Rating"))
    with pytest.raises(ZooDataError, match=r"reviews.parquet: missing column\(s\) 'Title', 'Department Name'"):
        data.load_clothing_reviews(path=path)
    path.write_text("not parquet")
    with pytest.raises(ZooDataError, match=r"reviews.parquet: not a readable Parquet file"):
        data.load_clothing_reviews(path=path)


def test_to_dataset_gives_named_columns():
    dataset = data.to_dataset(data.load_stsb("dev")[:5])
    element = next(iter(dataset))
    assert set(element) == {"sentence1", "sentence2", "score", "genre"}
    assert element["score"].dtype == tf.float32


def test_users_own_files_in_the_original_format(tmp_path):
    sts = tmp_path / "sts.csv"
    sts.write_text("main-news\theadlines\t2016\t0001\t4.2\tA man sings.\tA man is singing.\textra\n")
    assert data.load_stsb("test", path=sts)[0].score == pytest.approx(4.2)
    udata = tmp_path / "u.data"
    udata.write_text("1\t2\t5\t100\n3\t4\t1\t200\n")
    assert data.load_movielens("ratings", path=udata)[1] == data.movielens.Rating("3", "4", 1.0, 200)
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("# comment\ncat dog 7.5\nsun\tmoon\t3\n")
    assert [p.score for p in data.load_word_pairs(path=pairs)] == [7.5, 3.0]


@pytest.mark.parametrize("loader, content, message, line", [
    (lambda p: data.load_stsb("test", path=p), "genre\tsrc\t2012\t1\t3.0\tonly one sentence\n",
     "expected 7 fields", 1),
    (lambda p: data.load_stsb("test", path=p), "g\ts\t2012\t1\t3\ta\tb\ng\ts\t2012\t2\thigh\ta\tb\n",
     "'score' is not a number: 'high'", 2),
    (lambda p: data.load_word_pairs(path=p), "cat dog 1\ncat\n", "expected 3 fields", 2),
    (lambda p: data.load_analogies(path=p), ": s\na b c d\na b c\n", "expected 4 words", 3),
    (lambda p: data.load_vader_movie_reviews(path=p), "1\t0.5\tfine\n2\tgood\n", "expected 3 fields", 2),
    (lambda p: data.load_stsb("train", path=p), "g\ts\t2012\t1\t3\ta\tb\ng\ts\t2012\t2\t-1\ta\tb\n",
     "field 'score' must be 0 to 5, found '-1'", 2),
    (lambda p: data.load_wsj_pos(path=p), "The/DT cat/NN\nA/DT dog NN\n", "token 2 'dog' is not word/TAG", 2),
    (lambda p: data.load_wsj_pos(path=p), "The/DT /NN\n", "token 2 '/NN' is not word/TAG", 1),
    (lambda p: data.load_movielens("users", path=p), "user_id:token\tage:token\n1\t20\n",
     "header lacks column(s) gender, occupation, zip_code", 1),
])
def test_a_malformed_line_names_file_and_line(tmp_path, loader, content, message, line):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(ZooDataError) as error:
        loader(path)
    assert message in str(error.value) and f"{path}:{line}:" in str(error.value)


def test_bytes_that_are_not_utf8_name_their_line(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_bytes(b"cat dog 1\ncaf\xe9 tea 2\n")
    with pytest.raises(ZooDataError, match=r"pairs.txt:2: not valid utf-8"):
        data.load_word_pairs(path=path)


def test_missing_data_gives_the_prepare_command(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_DATA_DIR", str(tmp_path))
    with pytest.raises(DataNotPrepared, match="run `zoo data prepare stsb`"):
        data.load_stsb("test")


def test_tfds_data_set_that_is_not_prepared_says_so(tmp_path):
    with pytest.raises(DataNotPrepared, match="glue/stsb.*is not prepared"):
        data.load_stsb("dev", tfds_name="glue/stsb", tfds_data_dir=str(tmp_path))


def test_a_prepared_tfds_stsb_gives_sentence_pairs():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=5):  # TFDS's own stand-in for a prepared data set
        pairs = data.load_stsb("dev", tfds_name="glue/stsb")
    assert len(pairs) == 5
    assert all(isinstance(p.sentence1, str) and isinstance(p.sentence2, str) and isinstance(p.score, float)
               for p in pairs)


def test_prepared_tfds_movielens_gives_ratings():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=5):
        ratings = data.load_movielens(tfds_name="movielens/100k-ratings")
    assert len(ratings) == 5
    assert all(isinstance(r.user_id, str) and isinstance(r.rating, float) and isinstance(r.timestamp, int)
               for r in ratings)


def test_glue_stsb_test_split_is_refused_for_its_missing_scores():
    with pytest.raises(ValueError, match="no gold scores"):
        data.load_stsb("test", tfds_name="glue/stsb")


def test_split_latest_holds_out_each_users_latest_ratings():
    from zoo.data.movielens import Rating, split_latest

    ratings = [Rating("a", "1", 5.0, 30), Rating("a", "2", 4.0, 10), Rating("a", "3", 3.0, 20),
               Rating("a", "4", 3.0, 30), Rating("b", "1", 1.0, 5), Rating("b", "2", 2.0, 1)]
    train, test = split_latest(ratings, per_user=2)
    # a: the two at time 30 (ties: the later line last); b has no more than 2 ratings and stays in training.
    assert test == [ratings[0], ratings[3]]
    assert train == [ratings[1], ratings[2], ratings[4], ratings[5]]
    train, test = split_latest(data.load_movielens("ratings"), per_user=10)
    assert len(test) == 9430 and len(train) == 90570  # every ML-100k user has 20 or more ratings
    latest_train = {}
    for r in train:
        latest_train[r.user_id] = max(latest_train.get(r.user_id, 0), r.timestamp)
    assert all(r.timestamp >= latest_train[r.user_id] for r in test)
