"""C2SP tlog-tiles: which nodes a tile holds, when it is complete, and its path, with the
examples of c2sp.org/tlog-tiles; malformed paths are refused naming the bad part."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.merkle import (
    Frontier,
    parse_tile_path,
    range_hash,
    tile_available,
    tile_nodes,
    tile_path,
    tile_width,
)


def test_a_tile_holds_consecutive_nodes_eight_levels_apart() -> None:
    assert tile_nodes(0, 0, 256) == [(0, i) for i in range(256)]
    assert tile_nodes(1, 2, 3) == [(8, 512), (8, 513), (8, 514)]
    assert tile_nodes(2, 0, 1) == [(16, 0)]


def test_the_tiles_of_a_tree_of_70000_are_those_of_the_spec() -> None:
    # "273 full level 0 tiles, one partial level 0 tile of width 112, one full level 1 tile,
    # one partial level 1 tile of width 17, and one partial level 2 tile of width 1."
    size = 70_000
    assert [tile_width(0, n, size) for n in (0, 272, 273, 274)] == [256, 256, 112, 0]
    assert [tile_width(1, n, size) for n in (0, 1, 2)] == [256, 17, 0]
    assert [tile_width(2, 0, size), tile_width(3, 0, size)] == [1, 0]
    assert tile_available(0, 273, 112, size) and not tile_available(0, 273, 113, size)
    assert tile_available(1, 1, 17, size) and not tile_available(1, 1, 18, size)
    assert tile_available(2, 0, 1, size) and not tile_available(2, 0, 2, size)
    assert not tile_available(0, 273, 256, size)


def test_a_tree_of_256_has_a_full_level_0_tile_and_a_level_1_tile_of_width_1() -> None:
    assert tile_width(0, 0, 256) == 256 and tile_width(0, 1, 256) == 0
    assert tile_width(1, 0, 256) == 1 and tile_width(2, 0, 256) == 0
    assert not tile_available(0, 0, 256, 255) and tile_available(0, 0, 255, 255)


def test_each_hash_of_a_tile_is_the_root_of_a_full_tile_below() -> None:
    stored = dict(Frontier.empty().extend(b"%032d" % i for i in range(256 * 3 + 5)))
    level_1 = [stored[node] for node in tile_nodes(1, 0, tile_width(1, 0, 256 * 3 + 5))]
    assert level_1 == [range_hash(n * 256, (n + 1) * 256, stored) for n in range(3)]


@pytest.mark.parametrize(
    ("path", "tile"),
    [
        ("0/000", (0, 0, None)),
        ("0/x001/234.p/7", (0, 1234, 7)),
        ("4/x001/x234/067", (4, 1_234_067, None)),
        ("4/x001/x234/067.p/1", (4, 1_234_067, 1)),
        ("63/999.p/255", (63, 999, 255)),
        ("1/x001/000", (1, 1000, None)),
    ],
)
def test_tile_paths_parse_and_print(path: str, tile: tuple[int, int, int | None]) -> None:
    assert parse_tile_path(path) == tile
    assert tile_path(*tile) == path


@given(st.integers(0, 63), st.integers(0, 10**15), st.one_of(st.none(), st.integers(1, 255)))
def test_every_tile_path_round_trips(level: int, index: int, width: int | None) -> None:
    assert parse_tile_path(tile_path(level, index, width)) == (level, index, width)


def test_a_full_width_prints_as_a_full_tile() -> None:
    assert tile_path(0, 5, 256) == "0/005"


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("", "a tile path is"),
        ("0", "a tile path is"),
        ("64/000", "tile level '64'"),
        ("01/000", "tile level '01'"),
        ("-1/000", "tile level '-1'"),
        ("entries/000", "tile level 'entries'"),
        ("0/1234", "tile index element '1234'"),
        ("0/12", "tile index element '12'"),
        ("0/x001", "tile index element 'x001'"),
        ("0/001/234", "tile index element '001'"),
        ("0/x1/234", "tile index element 'x1'"),
        ("0/00a", "tile index element '00a'"),
        ("0/001/", "tile index element '001'"),
        ("0/x000/001", "leading 'x000'"),
        ("0/001.p", "tile index element '001.p'"),
        ("0/001.q/3", "tile index element '001.q'"),
        ("0/001.p/0", "tile width '0'"),
        ("0/001.p/07", "tile width '07'"),
        ("0/001.p/256", "tile width '256'"),
        ("0/001.p/", "tile width ''"),
        ("0/001.p/7/8", "tile index element '001.p'"),
        ("0/001.p/+7", "tile width '+7'"),
        ("0/٠٠١", "tile index element"),
    ],
)
def test_malformed_tile_paths_are_refused_naming_the_bad_part(path: str, named: str) -> None:
    with pytest.raises(ValueError, match=re.escape(named)):
        parse_tile_path(path)


def test_tiles_outside_the_tiling_are_refused() -> None:
    for args in ((64, 0, 1), (0, -1, 1), (0, 0, 0), (0, 0, 257)):
        with pytest.raises(ValueError):
            tile_nodes(*args)
