"""The ``capcycle`` command: ``capcycle reproduce [--data DIR] [--out DIR]``.

It reproduces the four figures of the research note and writes ``figure1.png`` ..
``figure4.png`` and ``summary.csv`` (columns ``figure, metric, value``, decimal units)
to ``--out`` (default ``./capcycle-output``), prints the summary and which source fed
each figure. Without ``--data`` it runs on the embedded sample
(``capcycle.data.sample()``): what the sample cannot give is drawn as a figure that
says why, its rows are NaN and the reason is printed.
"""

from __future__ import annotations

import argparse
import inspect
import os
import math
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["SUMMARY_ROWS", "main", "reproduce"]

#: The rows summary.csv always has (NaN when the data cannot give them), per figure.
SUMMARY_ROWS: dict[str, list[str]] = {
    "fig1": ["rolling_corr_latest", "rel_perf_change_2022_to_asof"],
    "fig2": ["excess_return_2024-07-11", "excess_return_july_2024", "max_excess_day", "max_excess_return"],
    "fig3": ["after_12m_2001", "after_12m_2007", "after_12m_2019", "after_12m_mean", "before_12m_mean"],
    "fig4": ["zscore_latest", "ratio_latest", "ratio_median"],
    "fig5": ["after_12m_2001", "after_12m_2007", "after_12m_2019", "after_12m_mean", "placebo_percentile_12m"],
}


def _only_params(func: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    names = inspect.signature(func).parameters
    return {k: v for k, v in kwargs.items() if k in names}


def reproduce(
    data_dir: str | Path | None,
    out_dir: str | Path,
    *,
    multiples: str | Path | None = None,
    echo: Callable[[str], None] = print,
) -> Any:
    """Draw the four figures and write them with summary.csv; return the summary frame.

    ``data_dir=None`` uses the embedded sample.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display needed; the figures are written to files
    import pandas as pd

    from capcycle import figures as cf

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if data_dir is None:
        echo("No --data folder: running on the embedded sample (capcycle.data.sample()).")
        inputs = cf.sample_inputs()
    else:
        echo(f"Data folder: {Path(data_dir).resolve()}")
        inputs = cf.load_inputs(data_dir, multiples=multiples)

    steps = {
        "fig1": (1, cf.figure1, cf.figure1_data, cf.figure1_summary),
        "fig2": (2, cf.figure2, cf.figure2_data, cf.figure2_summary),
        "fig3": (3, cf.figure3, cf.figure3_data, cf.figure3_summary),
        "fig4": (4, cf.figure4, cf.figure4_data, cf.figure4_summary),
        "fig5": (5, cf.figure5, cf.figure5_data, cf.figure5_summary),
    }
    rows: list[tuple[str, str, float]] = []
    reasons: dict[str, str] = dict(inputs.reasons)
    for key, (number, draw, compute, summarize) in steps.items():
        kwargs = getattr(inputs, key)
        values: dict[str, float] = {}
        png = out / f"figure{number}.png"
        if kwargs is not None:
            try:
                values = summarize(compute(**_only_params(compute, kwargs)))
                fig = draw(**_only_params(draw, kwargs))
                fig.savefig(png, dpi=110)
            except Exception as exc:  # noqa: BLE001 - a failed figure must not stop the others
                reasons[key] = f"{type(exc).__name__}: {exc}"
                if "CAPCYCLE_DEBUG" in os.environ:
                    traceback.print_exc()
                values = {}
        if key in reasons:
            cf.placeholder(number, reasons[key]).savefig(png, dpi=110)
        names = list(SUMMARY_ROWS[key]) + [m for m in values if m not in SUMMARY_ROWS[key]]
        rows += [(key, m, float(values.get(m, math.nan))) for m in names]

    summary = pd.DataFrame(rows, columns=["figure", "metric", "value"])
    summary.to_csv(out / "summary.csv", index=False, float_format="%.10g")

    echo("")
    echo("Sources:")
    for key in steps:
        if key in inputs.sources and key not in reasons:
            echo(f"  {key}: {inputs.sources[key]}")
        else:
            echo(f"  {key}: NOT DRAWN - {reasons.get(key, 'no source')}")
    missing_cycles = [m for m in SUMMARY_ROWS["fig3"] if m.startswith("after_12m_2") and
                      math.isnan(float(summary.loc[(summary.figure == "fig3") & (summary.metric == m), "value"].iloc[0]))]
    if "fig3" not in reasons and missing_cycles:
        echo(f"  fig3: no data for {', '.join(m[-4:] for m in missing_cycles)} (rows NaN; means over the other cycles)")
    echo("")
    echo("Summary (decimal units):")
    shown = summary.copy()
    shown["value"] = [
        f"{v:.0f}" if m.endswith("_day") and not math.isnan(v) else f"{v:.6g}"
        for m, v in zip(summary["metric"], summary["value"], strict=True)
    ]
    echo(shown.to_string(index=False))
    echo("")
    echo(f"Wrote {', '.join(f'figure{i}.png' for i in range(1, 6))} and summary.csv to {out.resolve()}")
    return summary


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="capcycle",
        description="Small caps vs large caps through the Fed rate cycle.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    rep = sub.add_parser(
        "reproduce",
        help="reproduce the four figures of the research note and their summary numbers",
        description=(
            "Write figure1.png .. figure4.png and summary.csv (figure, metric, value; "
            "decimal units) and print the summary. Without --data, use the embedded sample."
        ),
    )
    rep.add_argument("--data", metavar="DIR", help="data folder in the capcycle.data layout (e.g. ../shared/data)")
    rep.add_argument("--out", metavar="DIR", default="capcycle-output", help="output folder (default ./capcycle-output)")
    rep.add_argument(
        "--multiples",
        metavar="CSV",
        help="your CSV of forward P/Es (date, small, large; or date, ratio) for figure 4 instead of the price-to-book proxy",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``capcycle`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command != "reproduce":
        parser.print_help()
        return 2
    if args.data is not None and not Path(args.data).is_dir():
        print(f"capcycle reproduce: --data {args.data!r} is not a folder", file=sys.stderr)
        return 2
    if args.multiples is not None and args.data is None:
        print("capcycle reproduce: --multiples needs --data (the other figures need the data folder)", file=sys.stderr)
        return 2
    reproduce(args.data, args.out, multiples=args.multiples)
    return 0
