"""The ``capcycle`` command.

``capcycle reproduce [--data DIR] [--out DIR] [--refresh] [--offline]`` draws the
figures of the research note and writes ``figure1.png`` .. ``figure4.png`` and
``summary.csv`` (columns ``figure, metric, value, source``; decimal units) to
``--out`` (default ``./capcycle-output``), prints the summary and which proxy and
files fed each figure. Every file is looked up in ``--data DIR``, ``CAPCYCLE_DATA``,
the cache, the network (FRED, Ken French; Yahoo with the ``yahoo`` extra) and last
the snapshot shipped in the package, so without any argument, offline, it still
draws all four figures. It exits 1 when a figure cannot be drawn, 2 on bad arguments.

``capcycle data fetch`` downloads the newest FRED and Ken French files into the
cache; ``capcycle data where [--data DIR]`` prints where each file would come from;
``capcycle --version`` prints the version.
"""

from __future__ import annotations

import argparse
import inspect
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["SUMMARY_ROWS", "exhibits", "fetch", "main", "reproduce"]

#: The rows summary.csv always has (NaN when the data cannot give them), per figure.
SUMMARY_ROWS: dict[str, list[str]] = {
    "fig1": ["rolling_corr_latest", "rel_perf_change_2022_to_asof"],
    "fig2": ["excess_return_2024-07-11", "excess_return_july_2024", "max_excess_day", "max_excess_return"],
    "fig3": ["after_12m_2001", "after_12m_2007", "after_12m_2019", "after_12m_mean", "before_12m_mean"],
    "fig4": ["zscore_latest", "ratio_latest", "ratio_median"],
    "fig5": [
        "after_12m_2001",
        "after_12m_2007",
        "after_12m_2019",
        "after_12m_mean",
        "placebo_percentile_12m",
    ],
}

Exhibit = tuple[str, int, Callable[..., Any], Callable[..., Any], Callable[..., dict[str, float]]]


def exhibits() -> list[Exhibit]:
    """The figures ``reproduce`` draws, in order: (key, number, draw, compute,
    summarize). ``key`` names the ``Inputs`` attribute and the ``SUMMARY_ROWS`` entry;
    adding a figure is one line here, one there and a loader in ``figures.inputs``."""
    from capcycle import figures as cf

    return [
        ("fig1", 1, cf.figure1, cf.figure1_data, cf.figure1_summary),
        ("fig2", 2, cf.figure2, cf.figure2_data, cf.figure2_summary),
        ("fig3", 3, cf.figure3, cf.figure3_data, cf.figure3_summary),
        ("fig4", 4, cf.figure4, cf.figure4_data, cf.figure4_summary),
        ("fig5", 5, cf.figure5, cf.figure5_data, cf.figure5_summary),
    ]


def _only_params(func: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    names = inspect.signature(func).parameters
    return {k: v for k, v in kwargs.items() if k in names}


def _draw(exhibit: Exhibit, kwargs: dict[str, Any], png: Path) -> dict[str, float]:
    _, _, draw, compute, summarize = exhibit
    values = summarize(compute(**_only_params(compute, kwargs)))
    draw(**_only_params(draw, kwargs)).savefig(png, dpi=110)
    return values


def _csv_value(value: Any) -> float:
    """A summary value as summary.csv's number: a day (pd.Timestamp) as YYYYMMDD."""
    if hasattr(value, "strftime"):
        return math.nan if value != value else float(value.strftime("%Y%m%d"))  # NaT != NaT
    return float(value)


def reproduce(
    data_dir: str | Path | None,
    out_dir: str | Path,
    *,
    multiples: str | Path | None = None,
    offline: bool | None = None,
    echo: Callable[[str], None] = print,
) -> Any:
    """Draw the figures and write them with summary.csv; return the summary frame.

    ``data_dir=None``: no data folder, only ``CAPCYCLE_DATA``, the cache, the network
    and the snapshot. A figure that cannot be drawn gets a placeholder PNG that says
    why, NaN rows and ``NOT DRAWN`` in the printed sources.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display needed; the figures are written to files
    import pandas as pd

    from capcycle import figures as cf

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = os.environ.get("CAPCYCLE_DATA")
    if data_dir is not None:
        echo(
            f"Data folder: {Path(data_dir).resolve()} (files it lacks: CAPCYCLE_DATA, the cache, the network, the snapshot)"
        )
    else:
        first = f"CAPCYCLE_DATA={env}" if env else "no data folder (CAPCYCLE_DATA not set)"
        echo(f"Data: {first}; then the cache, the network, and the snapshot shipped with capcycle.")
    inputs = cf.load_inputs(data_dir, multiples=multiples, offline=offline)

    rows: list[tuple[str, str, float, str]] = []
    reasons: dict[str, str] = dict(inputs.reasons)
    pngs: list[str] = []
    for exhibit in exhibits():
        key, number = exhibit[0], exhibit[1]
        data_kwargs = getattr(inputs, key)
        kwargs = None if data_kwargs is None else {**data_kwargs, **inputs.text.get(key, {})}
        png = out / f"figure{number}.png"
        pngs.append(png.name)
        values: dict[str, float] = {}
        if kwargs is not None:
            try:
                values = _draw(exhibit, kwargs, png)
            except Exception as exc:
                reasons[key] = f"{type(exc).__name__}: {exc}"
                if "CAPCYCLE_DEBUG" in os.environ:
                    traceback.print_exc()
                values = {}
        if key in reasons:
            cf.placeholder(number, reasons[key]).savefig(png, dpi=110)
        source = inputs.sources.get(key, "") if key not in reasons else f"NOT DRAWN: {reasons[key]}"
        names = list(SUMMARY_ROWS[key]) + [m for m in values if m not in SUMMARY_ROWS[key]]
        rows += [(key, m, _csv_value(values.get(m, math.nan)), source) for m in names]

    summary = pd.DataFrame(rows, columns=["figure", "metric", "value", "source"])
    summary.to_csv(out / "summary.csv", index=False, float_format="%.10g")

    echo("")
    echo("Sources (the proxy and the files that fed each figure):")
    for exhibit in exhibits():
        key = exhibit[0]
        if key in reasons:
            echo(f"  {key}: NOT DRAWN - {reasons[key]}")
        else:
            echo(f"  {key}: {inputs.sources[key]}")
    if any("capcycle snapshot" in inputs.sources.get(e[0], "") for e in exhibits()):
        echo(
            "  (snapshot: data shipped with capcycle, offline or when the network did not answer; "
            "`capcycle data fetch` gets the newest into the cache)"
        )
    missing_cycles = [
        m
        for m in SUMMARY_ROWS["fig3"]
        if m.startswith("after_12m_2")
        and math.isnan(
            float(summary.loc[(summary.figure == "fig3") & (summary.metric == m), "value"].iloc[0])
        )
    ]
    if "fig3" not in reasons and missing_cycles:
        echo(
            f"  fig3: no data for {', '.join(m[-4:] for m in missing_cycles)} (rows NaN; means over the other cycles)"
        )
    echo("")
    echo("Summary (decimal units):")
    shown = summary.loc[:, ["figure", "metric", "value"]].copy()
    shown["value"] = [
        f"{v:.0f}" if m.endswith("_day") and not math.isnan(v) else f"{v:.6g}"
        for m, v in zip(summary["metric"], summary["value"], strict=True)
    ]
    echo(shown.to_string(index=False))
    echo("")
    echo(f"Wrote {', '.join(pngs)} and summary.csv to {out.resolve()}")
    summary.attrs["not_drawn"] = sorted(reasons)
    return summary


def fetch(*, echo: Callable[[str], None] = print) -> int:
    """Download the newest FRED and Ken French files the figures use into the cache,
    with a progress bar; return the number of files that could not be fetched."""
    from tqdm import tqdm

    from capcycle import data as cd
    from capcycle.data._fetch import _progress_enabled
    from capcycle.figures.inputs import FILES

    wanted = [(folder, name) for folder, name, _ in FILES if folder in ("fred", "french")]
    failed = 0
    # offline, or after one failed connection, the files are not asked for
    down = "not fetched: offline (CAPCYCLE_OFFLINE)" if cd.is_offline(None) else None
    with tqdm(wanted, desc="capcycle data fetch", unit="file", disable=not _progress_enabled()) as bar:
        for folder, name in bar:
            bar.set_postfix_str(f"{folder}/{name}")
            load = cd.fred if folder == "fred" else cd.french
            try:
                if down is not None:
                    raise cd.DownloadError(down)
                got = load(name, refresh=True)
            except (ValueError, OSError) as exc:  # offline, download and cache errors
                failed += 1
                why = down or str(exc)
                if isinstance(exc, cd.DownloadError) and down is None:
                    why, down = "the download failed", "not tried: the network failed"
                    bar.write(f"  {exc}")
                bar.write(f"  {folder}/{name}.csv: {why}; in use: {cd.where(folder, name, offline=True)}")
                continue
            last = (next(iter(got.values())) if isinstance(got, dict) else got).index[-1]
            bar.write(f"  {folder}/{name}.csv: data to {last:%Y-%m-%d}, cached in {cd.cache_dir() / folder}")
    echo(f"Fetched {len(wanted) - failed} of {len(wanted)} files into {cd.cache_dir()}.")
    if failed:
        echo("The files not fetched come from the places `capcycle data where` lists (the snapshot last).")
    return failed


def _version() -> str:
    from capcycle import __version__

    return f"capcycle {__version__}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="capcycle",
        description="Small caps vs large caps through the Fed rate cycle.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    rep = sub.add_parser(
        "reproduce",
        help="reproduce the four figures of the research note and their summary numbers",
        description=(
            "Write figure1.png .. figure4.png and summary.csv (figure, metric, value, source; "
            "decimal units) and print the summary. Each file comes from --data DIR, "
            "CAPCYCLE_DATA, the cache, the network, then the snapshot shipped with capcycle."
        ),
    )
    rep.add_argument(
        "--data", metavar="DIR", help="data folder in the capcycle.data layout (e.g. ../shared/data)"
    )
    rep.add_argument(
        "--out", metavar="DIR", default="capcycle-output", help="output folder (default ./capcycle-output)"
    )
    rep.add_argument(
        "--multiples",
        metavar="CSV",
        help="your CSV of forward P/Es (date, small, large; or date, ratio) for figure 4 instead of the price-to-book proxy",
    )
    rep.add_argument(
        "--refresh",
        action="store_true",
        help="first download the newest FRED and Ken French files (capcycle data fetch)",
    )
    rep.add_argument("--offline", action="store_true", help="never use the network (as CAPCYCLE_OFFLINE=1)")
    data = sub.add_parser("data", help="the data files: fetch the newest, or show where each comes from")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION")
    data_sub.add_parser("fetch", help="download the newest FRED and Ken French files into the cache")
    where = data_sub.add_parser("where", help="print where each file the figures use would come from")
    where.add_argument("--data", metavar="DIR", help="a data folder, searched first")
    where.add_argument("--offline", action="store_true", help="as if offline")
    return parser


def _where(data_dir: str | None, offline: bool) -> int:
    from capcycle.figures.inputs import where

    for row in where(data_dir, offline=offline or None).itertuples(index=False):
        print(f"{row.file}\n    for: {row.used_for}\n    from: {row.source}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``capcycle`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command == "data":
        if args.data_command == "fetch":
            return 1 if fetch() else 0
        if args.data_command == "where":
            if args.data is not None and not Path(args.data).is_dir():
                print(f"capcycle data where: --data {args.data!r} is not a folder", file=sys.stderr)
                return 2
            return _where(args.data, args.offline)
        print("capcycle data: say fetch or where (capcycle data --help)", file=sys.stderr)
        return 2
    if args.command != "reproduce":
        parser.print_help()
        return 2
    if args.data is not None:
        from capcycle.figures.inputs import folder_problem

        problem = folder_problem(args.data)
        if problem is not None:
            print(f"capcycle reproduce: --data {problem}", file=sys.stderr)
            return 2
    if args.refresh:
        if args.offline:
            print("capcycle reproduce: --refresh needs the network, --offline forbids it", file=sys.stderr)
            return 2
        fetch()
    summary = reproduce(args.data, args.out, multiples=args.multiples, offline=True if args.offline else None)
    return 1 if summary.attrs["not_drawn"] else 0
