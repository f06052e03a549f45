"""Reading vector layers as people save them: GeoPackage, Shapefile, FileGDB, GeoJSON.

One reader for every vector file landalloc takes (parcels, control lines, towns, roads), so that
the same rules hold everywhere: a file with several layers needs the layer named; a Shapefile's
text is decoded with the code page of its ``.cpg`` when there is one, else as UTF-8, else as GBK
(the code page of Chinese Windows, in which survey Shapefiles without a ``.cpg`` are often saved).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

from landalloc.models.errors import InputError

SHAPEFILE_ENCODINGS: tuple[str, ...] = ("UTF-8", "GBK")
"""Encodings tried, in order, for a Shapefile without a ``.cpg``: UTF-8 fails loudly on GBK bytes,
while GBK would decode most UTF-8 Chinese as wrong characters, so UTF-8 goes first."""


def layers(path: str | Path) -> list[str]:
    """The names of the layers (with geometry or not) in a vector file or FileGDB folder."""
    return [str(name) for name in _list_layers(Path(path))[:, 0]]


def read_vector(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read one layer of a vector file into a GeoDataFrame.

    Parameters
    ----------
    path : a GeoPackage, Shapefile (``.shp``), FileGDB folder (``.gdb``), GeoJSON or any other
        file GDAL reads as vector data.
    layer : the layer to read; needed only when the file holds more than one layer with geometry.

    Raises
    ------
    InputError : the file is missing or unreadable, the layer is unknown, or ``layer`` is not given
        and the file holds several layers with geometry (the message lists them).

    Examples
    --------
    >>> tb = read_vector("survey.gdb", layer="DLTB")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    info = _list_layers(path)
    names = [str(name) for name in info[:, 0]]
    if layer is None:
        layer = _only_layer(path, info)
    elif layer not in names:
        raise InputError(f"{path}: no layer '{layer}'{_did_you_mean(layer, names)}; its layers: {', '.join(names)}")
    if path.suffix.lower() == ".shp" and not _has_code_page(path):
        return _read_shapefile_text(path)
    return _read(path, layer, None)


def _list_layers(path: Path) -> np.ndarray:
    try:
        return pyogrio.list_layers(path)
    except Exception as exc:  # GDAL's DataSourceError, or an OS error: say which file
        raise InputError(f"{path}: cannot open as a vector file ({exc}); give a GeoPackage, Shapefile, "
                         "FileGDB folder (.gdb) or GeoJSON file") from None


def _only_layer(path: Path, info: np.ndarray) -> str | None:
    """The one layer with geometry, or None for a single-layer file; several: refuse, naming them."""
    if len(info) <= 1:
        return None
    spatial = [str(name) for name, kind in info if kind is not None]
    if len(spatial) == 1:
        return spatial[0]
    names = ", ".join(str(name) for name in info[:, 0])
    raise InputError(f"{path}: holds {len(info)} layers ({names}); say which one to read "
                     f"(e.g. layer='{spatial[0] if spatial else info[0, 0]}', or --layer on the command line)")


def _did_you_mean(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1) or [n for n in names if n.lower() == name.lower()]
    return f" (did you mean '{close[0]}'?)" if close else ""


def _has_code_page(path: Path) -> bool:
    """A ``.cpg`` beside the Shapefile, or a code page in the ``.dbf`` header (its LDID byte), which
    GDAL reads itself; GDAL reports ISO-8859-1 when neither says anything."""
    if any(path.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return True
    try:
        return str(pyogrio.read_info(path).get("encoding") or "ISO-8859-1").upper() != "ISO-8859-1"
    except Exception:  # unreadable: the read that follows reports it
        return False


def _read_shapefile_text(path: Path) -> gpd.GeoDataFrame:
    """A Shapefile without ``.cpg``: UTF-8 if every text decodes as UTF-8, else GBK."""
    for encoding in SHAPEFILE_ENCODINGS[:-1]:
        try:
            return _read(path, None, encoding)
        except UnicodeDecodeError:
            continue
    try:
        return _read(path, None, SHAPEFILE_ENCODINGS[-1])
    except UnicodeDecodeError:
        raise InputError(f"{path}: its text is neither UTF-8 nor GBK and there is no .cpg file naming "
                         f"its code page; add {path.with_suffix('.cpg').name} holding the encoding "
                         "(e.g. 'GB18030' or '1252'), or save the layer as GeoPackage") from None


def _read(path: Path, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio", encoding=encoding)
    except UnicodeDecodeError:
        raise
    except Exception as exc:  # a corrupt file: report the file, not the driver's stack
        raise InputError(f"{path}: cannot read {f'layer {layer!r}' if layer else 'the layer'} ({exc}); "
                         "check that the file is complete (a Shapefile needs its .shp, .shx and .dbf "
                         "side by side)") from None
