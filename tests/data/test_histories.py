"""zoo.data.histories: each interaction's history holds the same user's strictly earlier items only (no target, no
tie, nothing later), the latest max_length, oldest first; each user's latest items."""

import numpy as np
import pytest

from zoo.data.histories import earlier_items, latest_items

#            user, item, time   (given out of time order, as files are)
INTERACTIONS = [("u", "c", 30), ("u", "a", 10), ("v", "x", 5), ("u", "b", 20), ("u", "d", 30), ("u", "e", 40),
                ("v", "y", 5), ("v", "z", 6)]


def columns(interactions):
    return [[row[i] for row in interactions] for i in range(3)]


def test_a_history_holds_strictly_earlier_items_oldest_first_never_the_target_a_tie_or_the_future():
    histories = earlier_items(*columns(INTERACTIONS), max_length=10)
    assert histories.tolist() == ["a b", "", "", "a", "a b", "a b c d", "", "x y"]


@pytest.mark.parametrize("max_length, expected", [(1, "d"), (2, "c d"), (3, "b c d")])
def test_only_the_latest_max_length_items_are_kept(max_length, expected):
    assert earlier_items(*columns(INTERACTIONS), max_length=max_length)[5] == expected  # u's item at time 40


def test_no_history_item_comes_at_or_after_its_interaction_on_random_data():
    rng = np.random.default_rng(0)
    users, items, times = rng.integers(0, 5, 300).astype(str), rng.integers(0, 50, 300).astype(str), \
        rng.integers(0, 40, 300)
    histories = earlier_items(users, items, times, max_length=1000)
    for user, time, history in zip(users, times, histories):
        before = sorted(((t, i) for u, i, t in zip(users, items, times) if u == user and t < time),
                        key=lambda pair: pair[0])
        assert sorted(history.split()) == sorted(i for _, i in before)  # exactly the earlier ones


def test_each_users_latest_items():
    assert latest_items(*columns(INTERACTIONS), max_length=3) == {"u": "c d e", "v": "x y z"}
    assert latest_items(*columns(INTERACTIONS), max_length=1) == {"u": "e", "v": "z"}
