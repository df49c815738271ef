"""Parsers on small hand-made fixtures: one per quirk, one per kind of damage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capcycle import data

FIX = Path(__file__).parent / "fixtures" / "data"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CAPCYCLE_OFFLINE", "1")
    monkeypatch.setenv("CAPCYCLE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


# ------------------------------------------------------------------ quirks


def test_fred_observation_date_header_and_dot_missing() -> None:
    s = data.fred("OBS", data_dir=FIX)
    assert s.name == "OBS" and s.index.name == "date"
    assert s.isna().tolist() == [False, True, True, False]
    assert s["2024-07-04"] == 5.25


def test_fred_value_header_named_by_id_without_final_newline() -> None:
    s = data.fred("VALUE", data_dir=FIX)
    assert s.name == "VALUE" and len(s) == 3 and np.isnan(s.iloc[0])


def test_fred_old_header_allows_negative_rates() -> None:
    s = data.fred("OLD", data_dir=FIX)
    assert s.name == "OLD" and s.iloc[-1] == -0.10


def test_french_quirks() -> None:
    t = data.french("Quirks", data_dir=FIX)
    assert list(t) == [
        "main",
        "Equal Weight Returns -- Annual from January to December",
        "Value Weight Average of BE/ME",
        "Number of Firms in Portfolios",
    ]
    main = t["main"]
    assert list(main.columns) == ["<= 0", "Lo 10", "Dec 2", "Hi 10"]  # "2-Dec" restored
    assert list(main.index) == [pd.Timestamp("1926-07-31"), pd.Timestamp("1926-08-31")]
    assert main["<= 0"].isna().all() and np.isnan(main.loc["1926-08-31", "Hi 10"])  # -999
    assert main.loc["1926-07-31", "Dec 2"] == pytest.approx(-0.025)
    annual = t["Equal Weight Returns -- Annual from January to December"]
    assert list(annual.index) == [pd.Timestamp("1927-12-31"), pd.Timestamp("1928-12-31")]
    assert annual.loc["1927-12-31", "Hi 10"] == pytest.approx(0.30)
    assert t["Value Weight Average of BE/ME"].loc["1926-07-31", "Lo 10"] == 1.5  # a ratio
    assert t["Number of Firms in Portfolios"].iloc[0].tolist()[1:] == [50, 60, 70]


def test_french_known_first_title_and_preface() -> None:
    # A real Ken French file keeps its preface: flush-left lines are not a title.
    t = data.french("Preface_daily", data_dir=FIX)
    assert list(t) == ["Value Weight Returns -- Daily", "Equal Weight Returns -- Daily"]
    assert t["Value Weight Returns -- Daily"].loc["1963-07-02", "Hi 30"] == pytest.approx(0.0085)
    assert data.FRENCH_FIRST_TITLES["Portfolios_Formed_on_ME"] == "Value Weight Returns -- Monthly"


def test_read_prices_layouts() -> None:
    y = data.read_prices(FIX / "prices" / "YAHOO.csv")
    assert y.attrs["column"] == "Adj Close" and y.name == "YAHOO"
    assert y["2024-07-11"] == 207.7 and np.isnan(y["2024-07-12"])  # "null"
    assert data.read_prices(FIX / "prices" / "CLOSE.csv").iloc[1] == 11.78
    rut = data.read_prices(FIX / "prices" / "RUTLIKE.csv")
    assert rut.attrs["column"] == "Close" and rut.iloc[-1] == 484.39
    nh = data.read_prices(FIX / "prices" / "NOHEADER.csv")
    assert nh.name == "NOHEADER" and len(nh) == 2
    px = data.read_prices(FIX / "prices" / "PX.csv")  # times and offsets dropped
    assert px.index[0] == pd.Timestamp("2024-07-10") and px.name == "PX"


def test_read_prices_french_file_gives_first_table() -> None:
    t = data.read_prices(FIX / "french" / "Quirks.csv")
    assert isinstance(t, pd.DataFrame) and list(t.columns)[2] == "Dec 2"


def test_prices_by_ticker_and_valuation_and_calendar() -> None:
    assert data.prices("CLOSE", data_dir=FIX).iloc[0] == 11.55
    v = data.valuation("mini", data_dir=FIX)
    assert list(v.index.month) == [9, 10, 11]  # "2024.1" is October
    assert v.loc["2024-10-31", "Real_Total_Return_Price"] == 3999000.0
    assert v.loc["2024-09-30", "Excess_CAPE_Yield"] == pytest.approx(0.013)
    assert np.isnan(v.loc["2024-11-30", "Excess_CAPE_Yield"])
    cal = data.calendar("mini", data_dir=FIX)
    assert (cal["Date"] == pd.Timestamp("2024-09-18")).sum() == 2


def test_offline_not_found_names_every_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPCYCLE_DATA", str(tmp_path / "shared"))
    with pytest.raises(data.DataNotFoundError) as info:
        data.fred("NOPE", data_dir=FIX)
    msg = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    for part in (
        str(FIX / "fred" / "NOPE.csv"),
        str(tmp_path / "shared"),
        str(tmp_path / "cache"),
        "offline",
        "fredgraph.csv?id=NOPE",
        "data_dir=",
    ):
        assert part in msg
    with pytest.raises(data.DataNotFoundError, match="_CSV.zip, unzip it"):
        data.french("Nope", data_dir=FIX)
    with pytest.raises(data.DataNotFoundError, match="prices/ZZZ.csv"):
        data.prices("ZZZ", data_dir=FIX)


def test_names_cannot_escape_the_folder() -> None:
    for bad in ("../DFF", "a/b", "", ".."):
        with pytest.raises(ValueError, match="not a valid name"):
            data.fred(bad, data_dir=FIX)


# ------------------------------------------------------------------ damage

YAHOO_OK = (
    "Date,Open,High,Low,Close,Adj Close,Volume\n"
    "2024-07-10,1,1,1,1,100.0,1\n"
    "2024-07-11,1,1,1,1,101.0,1\n"
    "2024-07-12,1,1,1,1,102.0,1\n"
)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (YAHOO_OK[:-12], r"line 4: expected 7 fields, found \d \(truncated"),
        (YAHOO_OK.replace("2024-07-11", "11/07/2024"), r"line 3: '11/07/2024' is not a date"),
        (YAHOO_OK.replace("2024-07-11", "2024-07-10"), r"line 3: date 2024-07-10 is duplicated"),
        (YAHOO_OK.replace("2024-07-12", "2024-07-01"), r"line 4: .*out of order"),
        (YAHOO_OK.replace("101.0", "0.0"), r"line 3: non-positive price"),
        (YAHOO_OK.replace("101.0", "-3"), r"line 3: non-positive price"),
        (YAHOO_OK.replace("101.0", "abc"), r"line 3: 'abc' is not a number in column 'Adj Close'"),
        ("Date,Open,High,Low\n2024-07-10,1,2,3\n", r"line 1: cannot tell which column"),
        ("Ticker,Name\nIWM,Russell\n", r"line 1: unrecognised price file layout"),
        ("", r"line 1: empty file"),
        ("Date,Close\n", r"no rows after the header"),
    ],
)
def test_read_prices_damage(tmp_path: Path, text: str, match: str) -> None:
    path = _write(tmp_path, "X.csv", text)
    with pytest.raises(data.ParseError, match=match) as info:
        data.read_prices(path)
    assert str(path) in str(info.value) and isinstance(info.value, ValueError)


def test_read_prices_validate_false(tmp_path: Path) -> None:
    path = _write(tmp_path, "X.csv", YAHOO_OK.replace("2024-07-12", "2024-07-01").replace("101.0", "0"))
    s = data.read_prices(path, validate=False)
    assert s.iloc[1] == 0.0 and s.index[-1] == pd.Timestamp("2024-07-01")
    with pytest.raises(data.ParseError):  # the layout is still checked
        data.read_prices(_write(tmp_path, "Y.csv", YAHOO_OK[:-12]), validate=False)


FRED_OK = "observation_date,DFF\n2024-09-18,5.33\n2024-09-19,4.83\n"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (FRED_OK + "2024-09-20", r"line 4: expected 2 fields, found 1"),
        (FRED_OK.replace("2024-09-19", "Sep 19"), r"line 3: 'Sep 19' is not a date"),
        (FRED_OK.replace("2024-09-19", "2024-09-18"), r"line 3: date 2024-09-18 is duplicated"),
        (FRED_OK.replace("4.83", "n/a"), r"line 3: 'n/a' is not a number"),
        ("<html><body>Not here</body></html>\n", r"line 1: not a FRED file"),
        ("observation_date,DFF\n", r"no observations"),
    ],
)
def test_fred_damage(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "fred").mkdir()
    _write(tmp_path / "fred", "DFF.csv", text)
    with pytest.raises(data.ParseError, match=match) as info:
        data.fred("DFF", data_dir=tmp_path)
    assert "DFF.csv" in str(info.value)


FRENCH_OK = ",SMB,HML\r\n192607,   -2.56,   -2.43\r\n192608,   -1.17,    3.82\r\n192609,   -1.40,    0.13"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (FRENCH_OK[:-9], r"line 4: expected 3 fields, found 2"),
        (FRENCH_OK[:-7], r"line 4: empty value in column 'HML' \(truncated"),
        (FRENCH_OK.replace("192608", "1926-8"), r"line 3: '1926-8' is not a YYYYMMDD"),
        (FRENCH_OK.replace("192608", "192613"), r"line 3: '192613' is not a valid YYYYMM month"),
        (FRENCH_OK.replace("192608", "19260801"), r"line 3: '19260801' is not a date like"),
        (FRENCH_OK.replace("192608", "192607"), r"line 3: date 1926-07-31 is duplicated"),
        (FRENCH_OK.replace("192609", "192601"), r"line 4: .*out of order"),
        (FRENCH_OK.replace("-1.17", "x"), r"line 3: 'x' is not a number in column 'SMB'"),
        (
            FRENCH_OK + "\r\n\r\n  Annual Factors\r\n,SMB,HML\r\n",
            r"line 7: table 'Annual Factors' has a header but no rows",
        ),
        ("just some text\r\n", r"no Ken French table found"),
    ],
)
def test_french_damage(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "french").mkdir()
    _write(tmp_path / "french", "Bad.csv", text)
    with pytest.raises(data.ParseError, match=match) as info:
        data.french("Bad", data_dir=tmp_path)
    assert "Bad.csv" in str(info.value)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Date,P\n2024.13,1\n", r"line 2: '2024.13' is not a date"),
        ("Date,P\n2024.01,1\n2024.01,2\n", r"line 3: date 2024-01-31 is duplicated"),
        ("Date,P\n2024.01,1\n2024.02\n", r"line 3: expected 2 fields"),
        ("Date,P\n2024.01,abc\n", r"line 2: 'abc' is not a number in column 'P'"),
    ],
)
def test_valuation_damage(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "valuation").mkdir()
    _write(tmp_path / "valuation", "v.csv", text)
    with pytest.raises(data.ParseError, match=match):
        data.valuation("v", data_dir=tmp_path)


def test_calendar_damage(tmp_path: Path) -> None:
    (tmp_path / "calendar").mkdir()
    _write(tmp_path / "calendar", "c.csv", "Date,Event\n2024-09-18,FOMC\n2024-09-01,CPI\n")
    with pytest.raises(data.ParseError, match=r"line 3: date 2024-09-01 is out of order"):
        data.calendar("c", data_dir=tmp_path)


def test_french_header_starting_with_date() -> None:
    # Ken French files re-saved through pandas or Excel start the header with "Date"
    text = "Date,<= 0,Lo 30,Hi 30\r\n20240711,-99.99,5.2,-0.2\r\n20240712,-99.99,1,0.5\r\n"
    tables = data._parse.parse_french(text, "x.csv", "Portfolios_Formed_on_ME_Daily")
    frame = tables["Value Weight Returns -- Daily"]
    assert frame.loc["2024-07-11", "Lo 30"] == pytest.approx(0.052) and np.isnan(frame["<= 0"]).all()
    assert data._parse.looks_french(text)
    # a Yahoo file has a Date header too, but ISO dates: not Ken French
    assert not data._parse.looks_french("Date,Close\n2024-07-11,1.0\n")


def test_dated_copies_of_a_french_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
    folder = tmp_path / "french"
    folder.mkdir()
    body = ",Lo 30,Hi 30\n{stamp},1.0,2.0\n"
    (folder / "Portfolios_Formed_on_ME_daily.csv").write_text(body.format(stamp="20190531"))
    assert data._layout.in_folder(tmp_path, "french", "Portfolios_Formed_on_ME_Daily.csv").name == (
        "Portfolios_Formed_on_ME_daily.csv"  # the name matches in any case
    )
    (folder / "Portfolios_Formed_on_ME_daily_202412.csv").write_text(body.format(stamp="20241231"))
    (folder / "Portfolios_Formed_on_ME_daily_202505.csv").write_text(body.format(stamp="20250530"))
    (folder / "Portfolios_Formed_on_ME_daily_extra_202601.csv").write_text(body.format(stamp="20260130"))
    got = data.french("Portfolios_Formed_on_ME_Daily", data_dir=tmp_path, offline=True)
    frame = got["Value Weight Returns -- Daily"]
    assert frame.index[-1] == pd.Timestamp("2025-05-30")  # the newest dated copy, not another dataset
    assert frame.attrs["origin"].endswith("Portfolios_Formed_on_ME_daily_202505.csv")
