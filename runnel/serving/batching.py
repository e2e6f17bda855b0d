"""Server-side request batching, as TF Serving's BasicBatchScheduler/BatchingSession.

Concurrent requests to one signature are queued; `num_batch_threads` threads each take a
batch (up to `max_batch_size` rows, waiting at most `batch_timeout_micros` after the first
queued request), concatenate inputs along dim 0, pad the batch up to the next
`allowed_batch_sizes` entry (repeating the last row), make one model call and split the
outputs back. Queue wait and compute time are measured separately.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from runnel.framework import errors


@dataclass
class BatchingParameters:
    """TF Serving's BatchingParameters (session_bundle_config.proto), with its defaults."""
    max_batch_size: int = 1000
    batch_timeout_micros: int = 0
    max_enqueued_batches: int = 10
    num_batch_threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    allowed_batch_sizes: tuple = ()

    @classmethod
    def from_text(cls, text):
        """Parses TF Serving's text-format `--batching_parameters_file` contents."""
        from google.protobuf import text_format

        from runnel.protos.tensorflow_serving.servables.tensorflow import session_bundle_config_pb2
        proto = text_format.Parse(text, session_bundle_config_pb2.BatchingParameters())
        p = cls()
        for name in ("max_batch_size", "batch_timeout_micros", "max_enqueued_batches", "num_batch_threads"):
            if proto.HasField(name):
                setattr(p, name, getattr(proto, name).value)
        p.allowed_batch_sizes = tuple(proto.allowed_batch_sizes)
        p.validate()
        return p

    def validate(self):
        if self.max_batch_size < 1 or self.num_batch_threads < 1 or self.max_enqueued_batches < 1:
            raise errors.InvalidArgumentError(None, None, "max_batch_size, num_batch_threads and "
                                                          "max_enqueued_batches must be positive")
        sizes = list(self.allowed_batch_sizes)
        if sizes:
            if sizes != sorted(set(sizes)):
                raise errors.InvalidArgumentError(None, None, "allowed_batch_sizes entries must be monotonically increasing")
            if sizes[-1] != self.max_batch_size:
                raise errors.InvalidArgumentError(None, None, "Last entry in allowed_batch_sizes must match max_batch_size")


class _Task:
    __slots__ = ("feeds", "size", "future", "enqueued")

    def __init__(self, feeds, size):
        self.feeds, self.size, self.future, self.enqueued = feeds, size, Future(), time.perf_counter()


class BatchScheduler:
    """Merges concurrent calls of `fn(feeds) -> outputs` (dicts of ndarrays, batch on dim 0).

    `submit(feeds)` returns a Future of `(outputs, queue_seconds, compute_seconds)`.
    `on_batch(batch_size, padded_size, compute_seconds, queue_seconds_per_task)` is called
    for every batch (in the batch thread, before the results are delivered).

    A batch is launched as soon as it is full (`max_batch_size` rows queued) or when its
    oldest task has waited `batch_timeout_micros`. Submitting wakes a batch thread only
    when the queue was empty (a thread starts timing the new batch) or the batch just
    became full, not on every task.
    """

    def __init__(self, fn, params: BatchingParameters, on_batch=None, name="batch"):
        self._fn, self._p, self._on_batch = fn, params, on_batch
        self._queue = collections.deque()
        self._queued_rows = 0
        self._cv = threading.Condition()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
                         for i in range(params.num_batch_threads)]
        for t in self._threads:
            t.start()

    def submit(self, feeds):
        sizes = {v.shape[0] if v.ndim else -1 for v in feeds.values()}
        if len(sizes) != 1 or -1 in sizes:
            raise errors.InvalidArgumentError(None, None, "Batching session Run() input tensors must have "
                                                          "equal 0th-dimension size")
        size = sizes.pop()
        p = self._p
        if size > p.max_batch_size:
            raise errors.InvalidArgumentError(None, None, f"Task size {size} is larger than maximum input "
                                                          f"batch size {p.max_batch_size}")
        task = _Task(feeds, size)
        with self._cv:
            if self._closed:
                raise errors.UnavailableError(None, None, "Batch scheduler is shut down")
            rows = self._queued_rows + size
            if -(-rows // p.max_batch_size) > p.max_enqueued_batches:
                raise errors.UnavailableError(None, None, "The batch scheduling queue to which this task was "
                                                          "submitted is full")
            self._queue.append(task)
            self._queued_rows = rows
            if len(self._queue) == 1 or rows - size < p.max_batch_size <= rows:
                self._cv.notify()
        return task.future

    def close(self):
        """Stops the threads after the queued tasks are processed."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join()

    def _take(self):
        """The next batch of tasks (waits until one is ready), or None once closed and drained."""
        p = self._p
        timeout = p.batch_timeout_micros / 1e6
        with self._cv:
            while True:
                if self._queue:
                    if self._queued_rows >= p.max_batch_size or self._closed:
                        break
                    left = self._queue[0].enqueued + timeout - time.perf_counter()
                    if left <= 0:
                        break
                    self._cv.wait(left)
                elif self._closed:
                    return None
                else:
                    self._cv.wait()
            tasks, rows = [], 0
            while self._queue and rows + self._queue[0].size <= p.max_batch_size:
                t = self._queue.popleft()
                tasks.append(t)
                rows += t.size
            self._queued_rows -= rows
            if self._queue:
                self._cv.notify()  # another thread times (or takes) the next batch
            return tasks

    def _work(self):
        while True:
            tasks = self._take()
            if tasks is None:
                return
            self._run(tasks)

    def _run(self, tasks):
        tasks = [t for t in tasks if t.future.set_running_or_notify_cancel()]  # drops cancelled requests
        if not tasks:
            return
        start = time.perf_counter()
        try:
            rows = sum(t.size for t in tasks)
            padded = next((s for s in self._p.allowed_batch_sizes if s >= rows), rows)
            keys = list(tasks[0].feeds)
            if len(tasks) == 1 and padded == rows:
                feeds = tasks[0].feeds
            else:
                feeds = {}
                for k in keys:
                    parts = [t.feeds[k] for t in tasks]
                    if padded > rows:
                        last = parts[-1][-1:]
                        parts.append(np.repeat(last, padded - rows, axis=0))
                    feeds[k] = np.concatenate(parts, axis=0)
            outputs = self._fn(feeds)
            for k, v in outputs.items():
                if np.ndim(v) == 0 or v.shape[0] != padded:
                    raise errors.FailedPreconditionError(
                        None, None, f"Batched output tensor {k!r} has 0th dimension "
                                    f"{'none' if np.ndim(v) == 0 else v.shape[0]}, which does not equal the "
                                    f"sum of the 0th dimension sizes of the input tensors ({padded})")
            compute = time.perf_counter() - start
            if self._on_batch is not None:
                self._on_batch(rows, padded, compute, [start - t.enqueued for t in tasks])
            offset = 0
            for t in tasks:
                out = {k: v[offset:offset + t.size] for k, v in outputs.items()}
                offset += t.size
                t.future.set_result((out, start - t.enqueued, compute))
        except Exception as e:  # noqa: BLE001 - delivered to every waiting request
            for t in tasks:
                if not t.future.done():
                    t.future.set_exception(e)
