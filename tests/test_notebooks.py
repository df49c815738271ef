"""Every notebook runs top to bottom, cleanly, with CAPCYCLE_DATA and on the snapshot
alone, and is committed stripped."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_every_figure_has_a_notebook() -> None:
    names = [p.name for p in NOTEBOOKS]
    assert names[0] == "00_quickstart.ipynb"
    for i in range(1, 5):
        assert any(n.startswith(f"0{i}_") for n in names), i


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs"


@pytest.mark.parametrize("mode", ["data_folder", "snapshot"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(
    path: Path, mode: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each notebook runs as it stands with CAPCYCLE_DATA on the shared folder (ETF
    prices), and on a fresh install: no data folder, an empty cache, offline, so every
    file comes from the snapshot shipped in the package."""
    from nbclient import NotebookClient

    if mode == "data_folder":
        monkeypatch.setenv("CAPCYCLE_DATA", str(data_dir))
    else:
        monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
        monkeypatch.setenv("CAPCYCLE_OFFLINE", "1")  # the kernel is another process: no network there either
    monkeypatch.setenv("CAPCYCLE_CACHE", str(tmp_path / "cache"))
    # jupyter_client warns about the platformdirs migration of its data paths; opt in
    # to the new behaviour instead of ignoring warnings wholesale
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    for cell in book.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                pytest.fail(f"{path.name} wrote to stderr: {out.get('text', '')[:500]}")
    images = [o for c in book.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, f"{path.name} shows no figure"
    printed = "".join(
        o.get("text", "")
        for c in book.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    )
    if mode == "snapshot":
        assert "none (CAPCYCLE_DATA not set)" in printed
        assert "IWM.csv" not in printed and "IJR.csv" not in printed
    else:
        assert str(data_dir) in printed
