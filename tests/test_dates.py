"""Issue 12: one date parser (capcycle._dates) for every date argument; no guessing.

On main "03/07/2019" was read as 7 March by every function that took a date, and
``end="2019"`` as 1 January 2019."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capcycle import calendar
from capcycle._dates import to_timestamp, to_timestamps
from capcycle.events import event_study
from capcycle.figures import daily_excess, first_cuts, rates, relative_valuation

_DAYS = pd.bdate_range("2019-01-01", "2019-12-31")
_LEVEL = pd.Series(
    100.0 * np.exp(np.random.default_rng(12).normal(0.0, 0.01, len(_DAYS)).cumsum()), index=_DAYS
)
_OTHER = pd.Series(
    100.0 * np.exp(np.random.default_rng(13).normal(0.0, 0.01, len(_DAYS)).cumsum()), index=_DAYS
)
_YIELD = pd.Series(2.0 + 0.001 * np.arange(len(_DAYS)), index=_DAYS)
_MONTHLY = pd.Series(np.linspace(1.0, 2.0, 120), index=pd.date_range("2012-01-31", periods=120, freq="ME"))

# Every public date argument: (call with the date, the argument's name)
CALLERS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "event_study.events": (lambda d: event_study(_LEVEL, [d], before=1, after=1), "events"),
    "figure1_data.start": (
        lambda d: rates.figure1_data(_LEVEL, _OTHER, _YIELD, start=d, asof="2019-12-20", window=5),
        "start",
    ),
    "figure1_data.asof": (
        lambda d: rates.figure1_data(_LEVEL, _OTHER, _YIELD, start="2019-01-02", asof=d, window=5),
        "asof",
    ),
    "figure2_data.start": (
        lambda d: daily_excess.figure2_data(_LEVEL, _OTHER, start=d, end="2019-12-31"),
        "start",
    ),
    "figure2_data.end": (
        lambda d: daily_excess.figure2_data(_LEVEL, _OTHER, start="2019-01-01", end=d),
        "end",
    ),
    "figure3_data.cuts": (lambda d: first_cuts.figure3_data(_MONTHLY, [d], n_boot=0, n_placebo=0), "cuts"),
    "figure4_data.start": (lambda d: relative_valuation.figure4_data(_MONTHLY, start=d), "start"),
    "releases.start": (lambda d: calendar.releases(start=d), "start"),
    "releases.end": (lambda d: calendar.releases(end=d), "end"),
}


@pytest.mark.parametrize("text", ["03/07/2019", "07.03.2019", "3-7-2019", "03/07/19"])
@pytest.mark.parametrize("caller", list(CALLERS), ids=list(CALLERS))
def test_an_ambiguous_date_is_a_value_error_naming_the_argument(caller: str, text: str) -> None:
    call, name = CALLERS[caller]
    with pytest.raises(ValueError, match=f"^{name}: '{text}' is ambiguous"):
        call(text)


@pytest.mark.parametrize("text", ["2019", "2019-07", "July 3, 2019", "20190703", "2019-07-03 junk"])
@pytest.mark.parametrize("caller", list(CALLERS), ids=list(CALLERS))
def test_partial_and_non_iso_strings_are_refused(caller: str, text: str) -> None:
    call, name = CALLERS[caller]
    with pytest.raises(ValueError, match=f"^{name}: '{text}' is not a full ISO date"):
        call(text)


@pytest.mark.parametrize("caller", list(CALLERS), ids=list(CALLERS))
def test_numbers_are_a_type_error_naming_the_argument(caller: str) -> None:
    call, name = CALLERS[caller]
    with pytest.raises(TypeError, match=f"^{name}: must be a date"):
        call(20190703)  # pd.Timestamp(20190703) is 1970-01-01 00:00:00.020190703


_FORMS = [
    "2019-07-03",
    "2019-07-03T00:00:00",
    pd.Timestamp("2019-07-03"),
    datetime.date(2019, 7, 3),
    datetime.datetime(2019, 7, 3),
    np.datetime64("2019-07-03"),
    np.datetime64("2019-07-03T00:00:00.000000000"),
]


@pytest.mark.parametrize("caller", list(CALLERS), ids=list(CALLERS))
def test_every_date_form_gives_the_same_answer(caller: str) -> None:
    call, _ = CALLERS[caller]
    want = call("2019-07-03")
    for form in _FORMS[1:]:
        got = call(form)
        if isinstance(want, pd.DataFrame | pd.Series):
            assert got.equals(want) and got.index.equals(want.index)
        else:  # an EventStudy, or figure3's data
            pd.testing.assert_frame_equal(got.paths, want.paths)


@given(st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2200, 12, 31)))
def test_iso_strings_match_pandas(moment: datetime.datetime) -> None:
    for text in (moment.date().isoformat(), moment.isoformat(), moment.isoformat(sep=" ")):
        assert to_timestamp(text, "start") == pd.Timestamp(text)
    assert to_timestamp(moment, "start") == pd.Timestamp(moment)
    assert to_timestamp(np.datetime64(moment), "start") == pd.Timestamp(moment)


def test_time_zones_and_missing_dates() -> None:
    assert to_timestamp("2024-09-18T14:00:00-04:00", "asof") == pd.Timestamp("2024-09-18 18:00", tz="UTC")
    assert to_timestamp("2024-09-18T18:00:00Z", "asof").tz is not None
    for missing in (None, pd.NaT, np.datetime64("NaT")):
        with pytest.raises(ValueError, match="^end: got a missing date"):
            to_timestamp(missing, "end")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^end: '2019-02-30' is not a valid date"):
        to_timestamp("2019-02-30", "end")
    with pytest.raises(ValueError, match="^events: got a missing date"):
        to_timestamps(pd.Series(pd.to_datetime(["2019-01-02", None])), "events")
    with pytest.raises(ValueError, match="^events: the dates do not share one time zone"):
        to_timestamps([pd.Timestamp("2019-01-02", tz="UTC"), pd.Timestamp("2019-01-03")], "events")
    with pytest.raises(TypeError, match="^events: must be dates"):
        to_timestamps(3.5, "events")  # type: ignore[arg-type]


def test_many_date_forms_in_one_list_and_polars_dates() -> None:
    import polars as pl

    want = [pd.Timestamp("2019-07-03"), pd.Timestamp("2020-01-02")]
    assert list(to_timestamps(["2019-07-03", datetime.date(2020, 1, 2)], "events")) == want
    assert (
        list(to_timestamps(pl.Series("d", [datetime.date(2019, 7, 3), datetime.date(2020, 1, 2)]), "events"))
        == want
    )
    assert (
        list(to_timestamps(np.array(["2019-07-03", "2020-01-02"], dtype="datetime64[D]"), "events")) == want
    )
