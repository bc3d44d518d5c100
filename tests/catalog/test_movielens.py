"""The bundled MovieLens-100K, built for real from the RecBole wheel (downloads 2 MB once)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from recpilot.catalog import DEFAULT_DATASET, open_dataset
from recpilot.cli import app


@pytest.mark.slow
def test_movielens_100k(ml100k: Path) -> None:
    assert DEFAULT_DATASET == "movielens-100k"
    with open_dataset() as cat:
        stats = cat.stats()
        assert (stats.n_items, stats.n_users, stats.n_interactions) == (1682, 943, 100_000)
        assert stats.rating_range == (1.0, 5.0)
        toy = cat.get_item("1")
        assert toy is not None and toy.title == "Toy Story"
        assert toy.attributes == {"genres": ["Animation", "Children's", "Comedy"], "year": 1995}
        # The malformed row in RecBole's file: the year sat inside the title.
        land = cat.get_item("1412")
        assert land is not None and land.attributes["year"] == 1995 and "(1995)" not in land.title
        genres = cat.categorical_values("genres")
        assert len(genres) == 18 and "Sci-Fi" in genres and "unknown" not in genres
        assert cat.numeric_range("year") == (1922.0, 1998.0)
        data = cat.interactions()
        assert data.item_ids[0] == "1" and len(data.item_ids) == 1682
        assert data.n_users == 943 and len(data) == 100_000
        assert data.timestamps is not None and data.ratings is not None
        assert data.item_texts is not None
        assert data.item_texts[0] == "Toy Story. genres: Animation, Children's, Comedy. year: 1995."
        # user 196 rated item 242 with 3 (first line of ml-100k.inter)
        first = (data.users[0], data.items[0], data.ratings[0])
        assert first == (data.user_index["196"], data.item_index["242"], np.float32(3))
        assert cat.query("SELECT age, gender, occupation FROM users WHERE user_id = '1'") == [
            (24.0, "M", "technician")
        ]
    result = CliRunner().invoke(app, ["data", "info"])
    assert result.exit_code == 0 and "1,682" in result.stdout
