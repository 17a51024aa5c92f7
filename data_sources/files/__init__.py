"""File drops: CSV and GeoJSON files put into a watched folder, each taken once.

Formats: CSV (RFC 4180 with a configurable dialect and encoding; UTF-8 with or without the
BOM Excel writes by default) mapped by `csv` and `metrics`, wide form (a column per metric) or
long form (asset, metric, time, value per row); GeoJSON FeatureCollections (RFC 7946) whose
features are assets and/or readings. Files ending in .json or .geojson are read as GeoJSON,
any other matched file as CSV. Values are converted into our units (`units`); a time without
an offset is read in the source's `timezone`, and refused when none is set.

One file per batch (`Batch.origin`: its name and the sha256 of its bytes), oldest first, with
`Batch.more` while others are ready: the pipeline stores each file's records, records its
result by digest (a file already taken, even renamed, stores nothing again) and then calls
`settled`, which moves the file to done/ or failed/. Until then the file stays where it is:
a crash before the move finds it again, and its digest says it was taken. A file that
cannot be read at all (not the configured encoding, not CSV or JSON, no usable header, over
`max_bytes`) is a failed origin with its reason; a bad row costs only itself (quarantined
with the file, line and raw cells). `since` plays no part: a dropped file is taken whole.

Tests: tests/sources/test_files.py (a water-gauge CSV export, an air-station export with
Vietnamese headers and local times, GeoJSON stations in Rạch Giá's wards).
"""

from __future__ import annotations

import codecs
import logging
from datetime import datetime, tzinfo
from pathlib import Path

from dashboard.config import Config, SourceConfig
from dashboard.records import Batch, Origin, OriginResult
from data_sources.base import Health, SourceConnector
from data_sources.files.csv_file import read_csv
from data_sources.files.folder import Dropped, move_to, ready_files, take
from data_sources.files.geojson_file import read_geojson
from data_sources.files.rows import Parsed, Unreadable
from data_sources.files.settings import FilesSettings
from data_sources.timestamps import zone_of

__all__ = ["FilesSettings", "FilesSource"]

log = logging.getLogger(__name__)

_JSON_SUFFIXES = (".json", ".geojson")


class FilesSource(SourceConnector):
    """A watched folder of dropped files (see the module docstring)."""

    kind = "files"
    Settings = FilesSettings
    options: FilesSettings

    def __init__(self, settings: SourceConfig, config: Config) -> None:
        super().__init__(settings, config)
        self.folder = config.base_dir / self.options.path  # paths only: nothing is opened
        self.done_folder = self.folder / self.options.done
        self.failed_folder = self.folder / self.options.failed
        self._handed: dict[str, Path] = {}  # digest -> the file its batch was read from
        self._zone: tzinfo | None = None

    @property
    def zone(self) -> tzinfo | None:
        """The zone of offset-less times (made at first use: ZoneInfo reads its data)."""
        if self._zone is None and self.options.timezone is not None:
            self._zone = zone_of(self.options.timezone)
        return self._zone

    def check_health(self) -> Health:
        if not self.folder.is_dir():
            return Health(ok=False, message=f"the folder {self.folder} does not exist")
        waiting = len(ready_files(self.folder, self.options.patterns, self.options.settle_s))
        return Health(ok=True, message=f"{waiting} file(s) waiting in {self.folder}")

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        """The oldest ready file's records (one file per batch; `more` while others wait)."""
        opts = self.options
        ready = ready_files(self.folder, opts.patterns, opts.settle_s)
        problem: OSError | None = None
        for i, path in enumerate(ready):
            try:
                dropped = take(path, opts.max_bytes)
            except FileNotFoundError:
                continue  # taken away meanwhile
            except OSError as exc:  # unreadable (permissions): the others go first
                problem = problem or exc
                continue
            if dropped is None:
                log.info("%s is still being written; left for the next run", path)
                continue
            batch = self._batch(dropped, now)
            assert batch.origin is not None
            self._handed[batch.origin.digest] = path
            batch.more = i + 1 < len(ready) or problem is not None  # come back to say it
            return batch
        if problem is not None:
            raise problem  # recorded on the run, once every readable file is stored
        return Batch()

    def _batch(self, dropped: Dropped, now: datetime) -> Batch:
        name = dropped.path.name
        try:
            if dropped.data is None:
                raise Unreadable(
                    f"the file is {dropped.size} bytes, over max_bytes {self.options.max_bytes}"
                )
            parsed = self._parse(dropped.data, name, now)
        except Unreadable as exc:
            return Batch(origin=Origin(name, dropped.digest, failed=str(exc)))
        return Batch(
            assets=list(parsed.assets.values()),
            readings=parsed.readings,
            rejects=parsed.rejects,
            origin=Origin(name, dropped.digest),
        )

    def _parse(self, data: bytes, name: str, now: datetime) -> Parsed:
        if not data.strip():
            raise Unreadable("the file is empty")
        encoding = self.options.encoding
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            label = "UTF-8" if codecs.lookup(encoding).name.startswith("utf-8") else encoding
            raise Unreadable(
                f"not {label} text: byte {data[exc.start]:#04x} at offset {exc.start}"
            ) from None
        read = read_geojson if name.lower().endswith(_JSON_SUFFIXES) else read_csv
        return read(text, name, self.options, self.zone, now)

    def settled(self, result: OriginResult) -> None:
        """Move the file its batch came from: failed/ with a note of why, else done/."""
        path = self._handed.pop(result.origin.digest, None)
        if path is None or not path.exists():
            return  # not read by this connector, or moved already
        if result.status == "failed":
            target = move_to(path, self.failed_folder, note=result.detail)
        else:
            target = move_to(path, self.done_folder)
        log.info("%s %s: %s", path.name, result.status, result.detail or f"{result.rows} rows")
        log.debug("moved %s to %s", path, target)
