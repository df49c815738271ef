"""capcycle.fed on the real FRED target series (DFEDTAR 1982-2008 + DFEDTARU 2008-2025)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capcycle import fed


def read_fred(path) -> pd.Series:
    df = pd.read_csv(path, index_col=0, parse_dates=True)
    return df.iloc[:, 0].astype(float)


@pytest.fixture(scope="module")
def target(data_dir) -> pd.Series:
    old = read_fred(data_dir / "fred" / "DFEDTAR.csv")
    new = read_fred(data_dir / "fred" / "DFEDTARU.csv")
    assert old.index[-1] < new.index[0]
    return pd.concat([old, new])


@pytest.fixture(scope="module")
def dfedtaru(data_dir) -> pd.Series:
    return read_fred(data_dir / "fred" / "DFEDTARU.csv")


def test_first_cuts_constant() -> None:
    assert isinstance(fed.FIRST_CUTS, pd.DatetimeIndex)
    assert fed.FIRST_CUTS.is_monotonic_increasing and fed.FIRST_CUTS.is_unique
    assert list(fed.FIRST_CUTS.strftime("%Y-%m-%d")) == [
        "1989-06-06",
        "1995-07-06",
        "1998-09-29",
        "2001-01-03",
        "2007-09-18",
        "2019-07-31",
        "2024-09-18",
    ]
    assert not fed.FIRST_CUTS.isin(fed.EMERGENCY_CUTS_2020).any()


def test_first_cuts_on_fred_find_the_known_first_cuts(target: pd.Series) -> None:
    found = fed.first_cuts(target)
    since_1989 = found[found >= "1989-01-01"]
    assert len(since_1989) == len(fed.FIRST_CUTS)
    # FRED dates DFEDTARU changes the day after the decision (2019-08-01, 2024-09-19)
    gap = (since_1989 - fed.FIRST_CUTS).days
    assert list(gap) == [0, 0, 0, 0, 0, 1, 1]
    # before 1989 the rule finds the 1984 easing; 1982's cuts are too close to the
    # start of the data to be called first cuts
    assert list(found[found < "1989-01-01"].strftime("%Y-%m-%d")) == ["1984-09-20"]


def test_lag_gives_decision_dates_for_dfedtaru(dfedtaru: pd.Series) -> None:
    found = fed.first_cuts(dfedtaru, lag="1D")
    assert list(found.strftime("%Y-%m-%d")) == ["2019-07-31", "2024-09-18"]


def test_2020_emergency_cuts_belong_to_the_2019_cycle(target: pd.Series) -> None:
    assert not fed.first_cuts(target).isin(pd.to_datetime(["2020-03-04", "2020-03-16"])).any()
    # with a shorter gap (125 days separate 2019-10-31 and 2020-03-04) they start a cycle
    short = fed.first_cuts(target, min_gap="120D")
    assert pd.Timestamp("2020-03-04") in short


def test_cycles_table(target: pd.Series) -> None:
    table = fed.cycles(target)
    assert list(table.columns) == [
        "first_cut",
        "last_cut",
        "n_cuts",
        "change_bp",
        "rate_before",
        "rate_after",
    ]
    by_start = table.set_index(table["first_cut"].dt.strftime("%Y-%m-%d"))
    c2001 = by_start.loc["2001-01-03"]
    assert (c2001["last_cut"], c2001["n_cuts"], c2001["change_bp"]) == (
        pd.Timestamp("2003-06-25"),
        13,
        -550.0,
    )
    c2007 = by_start.loc["2007-09-18"]
    assert (c2007["last_cut"], c2007["n_cuts"], c2007["change_bp"]) == (
        pd.Timestamp("2008-12-16"),
        10,
        -500.0,
    )
    c2019 = by_start.loc["2019-08-01"]
    assert (c2019["last_cut"], c2019["n_cuts"], c2019["change_bp"]) == (pd.Timestamp("2020-03-16"), 5, -225.0)
    c2024 = by_start.loc["2024-09-19"]
    assert (c2024["n_cuts"], c2024["change_bp"], c2024["rate_after"]) == (5, -150.0, 4.0)
    pd.testing.assert_index_equal(
        pd.DatetimeIndex(table["first_cut"]), pd.DatetimeIndex(fed.first_cuts(target)), check_names=False
    )


def test_first_cuts_small_example() -> None:
    idx = pd.to_datetime(["2000-01-01", "2000-06-01", "2000-07-01", "2001-01-01", "2002-03-01", "2002-04-01"])
    rate = pd.Series([5.0, 4.75, 5.0, 4.75, 4.5, np.nan], index=idx)
    # 2000-06-01 is within a year of the start: not reported; 2001-01-01 is < 365D after it
    assert list(fed.first_cuts(rate)) == [pd.Timestamp("2002-03-01")]
    assert list(fed.first_cuts(rate, min_gap="180D")) == [
        pd.Timestamp("2001-01-01"),
        pd.Timestamp("2002-03-01"),
    ]
    table = fed.cycles(rate, min_gap="180D")
    assert table["n_cuts"].tolist() == [1, 1]
    assert table["change_bp"].tolist() == [-25.0, -25.0]


def test_errors() -> None:
    rate = pd.Series([1.0, 0.75], index=pd.to_datetime(["2020-01-01", "2020-06-01"]))
    with pytest.raises(TypeError, match="target_rate: must be a pandas Series"):
        fed.first_cuts(rate.to_numpy())
    with pytest.raises(TypeError, match="target_rate: the index must be a DatetimeIndex"):
        fed.first_cuts(rate.reset_index(drop=True))
    with pytest.raises(ValueError, match="target_rate: the index must be sorted"):
        fed.first_cuts(rate.iloc[::-1])
    with pytest.raises(TypeError, match="target_rate: must be numeric"):
        fed.first_cuts(rate.astype(str))
    with pytest.raises(ValueError, match="min_gap:"):
        fed.first_cuts(rate, min_gap="soon")
    with pytest.raises(ValueError, match="min_gap: must be positive"):
        fed.first_cuts(rate, min_gap="0D")
    with pytest.raises(ValueError, match="lag: must be non-negative"):
        fed.cycles(rate, lag="-1D")
    empty = fed.cycles(rate)
    assert len(empty) == 0 and list(empty.columns)[:4] == ["first_cut", "last_cut", "n_cuts", "change_bp"]


# ------------------------------------------------ issue 12: the series users have

# FOMC decision dates of every change of the target range since 2015 (federalreserve.gov
# press releases); FRED's DFEDTARU dates those since 2017 one day later.
DECISIONS_SINCE_2015 = [
    "2015-12-16",
    "2016-12-14",
    "2017-03-15",
    "2017-06-14",
    "2017-12-13",
    "2018-03-21",
    "2018-06-13",
    "2018-09-26",
    "2018-12-19",
    "2019-07-31",
    "2019-09-18",
    "2019-10-30",
    "2020-03-03",
    "2020-03-15",
    "2022-03-16",
    "2022-05-04",
    "2022-06-15",
    "2022-07-27",
    "2022-09-21",
    "2022-11-02",
    "2022-12-14",
    "2023-02-01",
    "2023-03-22",
    "2023-05-03",
    "2023-07-26",
    "2024-09-18",
    "2024-11-07",
    "2024-12-18",
    "2025-09-17",
    "2025-10-29",
]


def test_target_rate_first_cuts_are_FIRST_CUTS_12(data_dir) -> None:
    rate = fed.target_rate(data_dir)
    found = fed.first_cuts(rate)
    pd.testing.assert_index_equal(found[found >= fed.FIRST_CUTS[0]], fed.FIRST_CUTS)
    assert list(found[found < fed.FIRST_CUTS[0]].strftime("%Y-%m-%d")) == ["1984-09-20"]  # before 1989
    assert fed.cycles(rate)["first_cut"].tolist() == list(found)


def test_target_rate_is_dfedtar_then_dfedtaru_on_decision_days_12(data_dir) -> None:
    rate = fed.target_rate(data_dir)
    old, new = read_fred(data_dir / "fred" / "DFEDTAR.csv"), read_fred(data_dir / "fred" / "DFEDTARU.csv")
    # every calendar day, DFEDTAR's first to DFEDTARU's last
    pd.testing.assert_index_equal(
        rate.index,
        pd.date_range(old.index[0], new.index[-1], freq="D", name="date"),
        check_exact=True,
        check_freq=False,
    )
    np.testing.assert_array_equal(rate.loc[: old.index[-1]].to_numpy(), old.to_numpy())
    # by pandas: DFEDTARU as published to 2016, one day earlier from 2017, its last day kept
    want = pd.concat([new.loc[:"2016-12-30"], new.loc["2017-01-01":].shift(-1, freq="D"), new.iloc[-1:]])
    want = want[~want.index.duplicated(keep="last")]
    np.testing.assert_array_equal(rate.loc[new.index[0] :].to_numpy(), want.to_numpy())
    changes = rate.index[1:][np.diff(rate.to_numpy()) != 0]
    assert list(changes[changes >= "2015-01-01"].strftime("%Y-%m-%d")) == DECISIONS_SINCE_2015
    assert rate.name == "target" and "DFEDTARU" in rate.attrs["source"]


def test_first_cuts_of_dfedtaru_as_loaded_are_decision_dates_12(data_dir) -> None:
    from capcycle import data

    upper = data.fred("DFEDTARU", data_dir=data_dir)
    assert list(fed.first_cuts(upper).strftime("%Y-%m-%d")) == [
        "2019-07-31",
        "2024-09-18",
    ]  # main: 08-01, 09-19
    assert list(fed.first_cuts(upper, lag="0D").strftime("%Y-%m-%d")) == ["2019-08-01", "2024-09-19"]
    renamed = upper.rename("upper")  # nothing tells FRED's dating apart: the dates as given, unless asked
    assert list(fed.first_cuts(renamed).strftime("%Y-%m-%d")) == ["2019-08-01", "2024-09-19"]
    assert list(fed.first_cuts(renamed, lag="fred").strftime("%Y-%m-%d")) == ["2019-07-31", "2024-09-18"]
    table = fed.cycles(upper)
    assert table["last_cut"].dt.strftime("%Y-%m-%d").tolist() == ["2020-03-15", "2025-10-29"]
    changes = upper.index[1:][np.diff(upper.to_numpy()) != 0]
    # "fred" moves back exactly the changes since 2017; 2015-12-16 and 2016-12-14 stay
    assert list(fed._redate(changes, "fred", None).strftime("%Y-%m-%d")) == DECISIONS_SINCE_2015


def test_an_effective_rate_is_refused_and_the_target_named_12(data_dir) -> None:
    from capcycle import data

    for series_id in ("DFF", "FEDFUNDS"):
        effective = data.fred(series_id, data_dir=data_dir)
        for function in (fed.first_cuts, fed.cycles):
            with pytest.raises(
                ValueError,
                match=r"^target_rate: \d+ of its \d+ changes are smaller than 1/16 "
                r"percentage point.*fed\.target_rate\(\).*DFEDTAR.*DFEDTARU",
            ):
                function(effective)
    with pytest.raises(ValueError, match="in decimals"):  # a target in decimals is no target in percent
        fed.first_cuts(fed.target_rate(data_dir) / 100.0)


def test_float_noise_is_no_cut_12() -> None:
    idx = pd.to_datetime(["2000-01-01", "2001-06-01", "2001-06-02", "2002-09-01"])
    rate = pd.Series([5.25, 5.25 - 1e-12, 5.25, 5.0], index=idx)
    # main: 2001-06-01 is a first cut (a fall of 1e-12) and 2002-09-01 is not
    assert list(fed.first_cuts(rate)) == [pd.Timestamp("2002-09-01")]
