"""Division codes: province and city of a code, the fallback chain, the 31 provinces."""

from __future__ import annotations

import pytest

from casework import divisions


def test_the_province_and_city_of_a_district_code():
    assert divisions.province_of("440305") == "44"
    assert divisions.province_code("440305") == "440000"
    assert divisions.city_code("440305") == "440300"
    assert divisions.level_of("440305") == "county"
    assert divisions.level_of("440300") == "city"
    assert divisions.level_of("440000") == "province"


def test_lookups_fall_back_from_the_code_to_its_city_province_and_the_nation():
    assert divisions.fallback_chain("440305") == ["440305", "440300", "440000", "000000"]
    assert divisions.fallback_chain("110000") == ["110000", "000000"]


def test_there_are_31_provinces_with_names():
    assert len(divisions.PROVINCES) == 31
    assert divisions.province_name("410302") == "河南省"
    assert divisions.province_name("99") == ""


@pytest.mark.parametrize("bad", ["4403", "44030a", "990000", None, True, "4403050"])
def test_anything_else_is_not_a_division_code(bad):
    assert not divisions.is_division_code(bad)
    with pytest.raises(ValueError):
        divisions.check_division_code(bad)
