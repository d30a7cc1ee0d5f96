"""Reading a shared link's ids into a page's own pickers (components.filters.ids_among)."""

import pytest

from components.filters import ids_among


@pytest.mark.parametrize("text, options, expected", [
    ("", {1, 2}, ([], [])),
    ("3", {3}, ([3], [])),
    ("3,03,3", {3}, ([3], [])),                  # each once; 03 is 3
    ("4,3", {3, 4}, ([4, 3], [])),               # the link's order
    ("3,x,9", {3}, ([3], ["x", "9"])),           # not an id; an id not offered
    ("0,-1,²,1.5", {1}, ([], ["0", "-1", "²", "1.5"])),
    ("x,x,,", set(), ([], ["x"])),               # empty parts skipped, repeats named once
])
def test_ids_among(text, options, expected):
    assert ids_among(text, options) == expected
