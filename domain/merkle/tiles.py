"""C2SP tlog-tiles (c2sp.org/tlog-tiles) hash tiles over the stored nodes, and their paths.

Tile `L/N` holds the hashes at tree level 8*L, nodes (8*L, N*256 + i) for i below its width: a
full tile is 256 of them, a partial tile (path suffix `.p/W`) the first W. Paths are accepted
only in their one canonical spelling, so every tile has a single, cacheable address."""

from __future__ import annotations

import re

from domain.merkle.nodes import Node

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_TILE_LEVEL = 63

_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_INNER_ELEMENT = re.compile(r"x[0-9]{3}")
_LAST_ELEMENT = re.compile(r"[0-9]{3}")


def _check_tile(level: int, index: int, width: int) -> None:
    if not 0 <= level <= MAX_TILE_LEVEL:
        raise ValueError(f"a tile level is from 0 to {MAX_TILE_LEVEL}, not {level}")
    if index < 0:
        raise ValueError(f"a tile index is not negative, not {index}")
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"a tile width is from 1 to {TILE_WIDTH}, not {width}")


def tile_nodes(level: int, index: int, width: int) -> list[Node]:
    """The nodes whose hashes tile `level/index` of `width` holds, in order."""
    _check_tile(level, index, width)
    first = index * TILE_WIDTH
    return [(TILE_HEIGHT * level, first + i) for i in range(width)]


def tile_available(level: int, index: int, width: int, size: int) -> bool:
    """Whether every node of the tile is complete in a tree of `size` leaves."""
    _check_tile(level, index, width)
    return (index * TILE_WIDTH + width) << (TILE_HEIGHT * level) <= size


def tile_width(level: int, index: int, size: int) -> int:
    """How many hashes tile `level/index` holds in a tree of `size` leaves: 256 when full,
    less for the partial tile at the edge, 0 when it has none yet."""
    _check_tile(level, index, 1)
    hashes_at_level = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes_at_level - index * TILE_WIDTH))


def tile_path(level: int, index: int, width: int | None = None) -> str:
    """`L/N[.p/W]`, N in 3-digit elements, all but the last prefixed with `x`."""
    width = TILE_WIDTH if width is None else width
    _check_tile(level, index, width)
    elements = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        elements.append(f"x{index % 1000:03d}")
        index //= 1000
    path = f"{level}/{'/'.join(reversed(elements))}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def parse_tile_path(path: str) -> tuple[int, int, int | None]:
    """`"0/x001/234.p/7"` -> `(0, 1234, 7)`; a full tile's width is None."""
    parts = path.split("/")
    if len(parts) < 2:
        raise ValueError(f"a tile path is <L>/<N>[.p/<W>], not {path!r}")
    level_text, elements = parts[0], parts[1:]
    if not _LEVEL.fullmatch(level_text) or int(level_text) > MAX_TILE_LEVEL:
        raise ValueError(
            f"tile level {level_text!r} is not a decimal from 0 to {MAX_TILE_LEVEL} "
            "without leading zeros"
        )
    width: int | None = None
    if len(elements) >= 2 and elements[-2].endswith(".p"):
        width_text = elements[-1]
        if not _WIDTH.fullmatch(width_text) or int(width_text) >= TILE_WIDTH:
            raise ValueError(
                f"tile width {width_text!r} is not a decimal from 1 to {TILE_WIDTH - 1} "
                "without leading zeros"
            )
        width = int(width_text)
        elements = [*elements[:-2], elements[-2][: -len(".p")]]
    index = 0
    for position, element in enumerate(elements):
        last = position == len(elements) - 1
        pattern = _LAST_ELEMENT if last else _INNER_ELEMENT
        if not pattern.fullmatch(element):
            shape = "3 digits" if last else "'x' and 3 digits"
            raise ValueError(f"tile index element {element!r} is not {shape}")
        index = index * 1000 + int(element.lstrip("x"))
    if len(elements) > 1 and elements[0] == "x000":
        raise ValueError("tile index has a leading 'x000' element")
    return int(level_text), index, width
