"""A Beam DoFn that reports how many rows went through a stage on the `tfx_dcai.progress` logger (see command.py).

In an in-process run the messages reach the command's stderr as the rows stream by; on a remote runner they go to
the workers' logs.
"""
import time

import apache_beam as beam

from tfx_dcai.command import PROGRESS_SECONDS, progress


class RowProgressFn(beam.DoFn):
    """Passes elements through unchanged; counts rows (a record batch counts its rows, anything else one)."""

    def __init__(self, stage: str):
        super().__init__()
        self._stage = stage
        self._rows = 0
        self._reported = 0
        self._last = 0.0

    def setup(self):
        self._last = time.monotonic()

    def process(self, element):
        self._rows += getattr(element, "num_rows", 1)
        if time.monotonic() - self._last >= PROGRESS_SECONDS:
            self._report()
        yield element

    def teardown(self):
        if self._rows > self._reported:
            self._report()

    def _report(self):
        self._last, self._reported = time.monotonic(), self._rows
        progress("%s: %s rows read", self._stage, f"{self._rows:,}")


def row_progress(stage: str) -> beam.ParDo:
    """`batches | f"Progress[{stage}]" >> row_progress(stage)`: the same batches, with progress messages."""
    return beam.ParDo(RowProgressFn(stage))
