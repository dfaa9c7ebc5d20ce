"""What a long command's progress line says is left (``evac chaos`` plays a case per line for most of an hour)."""

from __future__ import annotations

import pytest

from evacops.cli.render import time_left


@pytest.mark.parametrize(
    ("elapsed", "done", "total", "said"),
    [
        (120.0, 4, 10, "~3 min left"),  # 30 s a case, 6 to go
        (10.0, 1, 3, "~20 s left"),  # under a minute and a half: in seconds
        (60.0, 1, 3, "~2 min left"),
        (0.0, 0, 3, ""),  # no pace yet
        (50.0, 3, 3, ""),  # all done
    ],
)
def test_the_time_left_is_the_pace_so_far_times_what_is_left(elapsed: float, done: int, total: int, said: str) -> None:
    assert time_left(elapsed, done, total) == said
