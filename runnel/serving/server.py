"""`ModelServer`: the core, the gRPC server and the REST server (uvicorn) in one process."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading

from runnel.framework import errors
from runnel.serving.core import ModelConfig, ServerCore, VersionPolicy

_log = logging.getLogger("runnel.serving")


class ModelServer:
    """Serves models over TF Serving's gRPC (`port`) and REST (`rest_api_port`) APIs.

    Args:
      configs: list of `ModelConfig` (or use `model_name` + `model_base_path`).
      port: gRPC port (0 picks a free one; None disables gRPC).
      rest_api_port: REST port (0 picks a free one; None disables REST).
      host: interface to bind (TF Serving binds all: "0.0.0.0").
      batching: `BatchingParameters` or None.
      file_system_poll_wait_seconds: seconds between base path scans (0: load once).
      rest_api_num_threads, grpc_max_threads: worker pool sizes.
      rest_api_timeout_in_ms: REST processing deadline (504 past it).
      max_body_bytes: largest accepted request (REST body, gRPC message).
      loaders: platform -> loader mapping (default `servable.LOADERS`).
      warmup: call each new version's serving_default once before it serves.
      intra_op_parallelism: threads each model call's matrix products may use (TF Serving's
        `--tensorflow_intra_op_parallelism`), set for the whole process on the BLAS library
        (threadpoolctl) from `start()` to `stop()`; None leaves BLAS as it is, 0 picks:
        cores / num_batch_threads with batching, else 1 (unbatched requests run model calls
        concurrently on many threads, and OpenBLAS collapses when several multi-threaded
        calls overlap).

    `start()` returns once both servers accept connections; `stop()` shuts everything
    down; `wait()` blocks until stopped. Also a context manager.
    """

    def __init__(self, configs=None, *, model_name=None, model_base_path=None, port=8500, rest_api_port=8501,
                 host="0.0.0.0", batching=None, file_system_poll_wait_seconds=1, rest_api_num_threads=16,
                 grpc_max_threads=16, rest_api_timeout_in_ms=30000, max_body_bytes=64 << 20, loaders=None,
                 version_policy=None, warmup=True, intra_op_parallelism=None):
        if configs is None:
            if not model_base_path:
                raise errors.InvalidArgumentError(None, None, "Both model_config_file and model_base_path are empty!")
            configs = [ModelConfig(model_name or "default", model_base_path,
                                   policy=version_policy or VersionPolicy())]
        self.core = ServerCore(configs, batching=batching, loaders=loaders, warmup=warmup)
        self._port, self._rest_port, self._host = port, rest_api_port, host
        self._poll = file_system_poll_wait_seconds
        self._rest_threads, self._grpc_threads = rest_api_num_threads, grpc_max_threads
        self._timeout_ms, self._max_body = rest_api_timeout_in_ms, max_body_bytes
        self.grpc_port = self.rest_port = None
        self._grpc = self._uvicorn = self._thread = None
        self._stopped = threading.Event()
        if intra_op_parallelism is not None and intra_op_parallelism < 0:
            raise errors.InvalidArgumentError(None, None, f"intra_op_parallelism must be >= 0 (0: pick), got "
                                                          f"{intra_op_parallelism}")
        self._intra_op = intra_op_parallelism
        self._blas_limits = None

    def blas_threads(self):
        """The BLAS thread count `start()` sets (see `intra_op_parallelism`), or None."""
        n, batching = self._intra_op, self.core.batching
        if n is None or n > 0:
            return n
        if batching is None:
            return 1
        return max(1, _cores() // max(1, batching.num_batch_threads))

    def start(self):
        threads = self.blas_threads()
        if threads is not None:
            from threadpoolctl import threadpool_limits
            self._blas_limits = threadpool_limits(threads, user_api="blas")
            _log.info("BLAS threads per model call: %d", threads)
        self.core.start_polling(self._poll)
        if self._port is not None:
            from runnel.serving.grpc_service import make_grpc_server
            self._grpc, self.grpc_port = make_grpc_server(self.core, self._port, self._host, self._grpc_threads,
                                                          self._max_body)
        if self._rest_port is not None:
            self._start_rest()
        return self

    def _start_rest(self):
        import uvicorn

        from runnel.serving.rest import RestApp
        app = RestApp(self.core, self._max_body, self._timeout_ms, self._rest_threads)
        self.rest_app = app
        sock = socket.socket(socket.AF_INET6 if ":" in self._host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._rest_port))
        sock.listen(1024)
        sock.setblocking(False)
        self.rest_port = sock.getsockname()[1]
        loop = _best_loop()
        config = uvicorn.Config(app, loop=loop, http=_best_http(), log_level="warning", access_log=False,
                                lifespan="off", timeout_keep_alive=30)
        server = uvicorn.Server(config)
        server.config.setup_event_loop = lambda: None  # the thread below makes its own loop
        self._uvicorn = server
        started = threading.Event()

        def run():
            if loop == "uvloop":
                import uvloop
                runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
            else:
                runner = asyncio.Runner()
            with runner:
                runner.run(self._serve_rest(server, sock, started))

        self._thread = threading.Thread(target=run, name="runnel-serving-rest", daemon=True)
        self._thread.start()
        if not started.wait(30):
            raise errors.UnavailableError(None, None, "REST server did not start")

    async def _serve_rest(self, server, sock, started):
        server.install_signal_handlers = lambda: None
        task = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.005)
        started.set()
        await task

    def stop(self, grace=2.0):
        if self._stopped.is_set():
            return
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
            self._thread.join(10)
            self.rest_app.pool.shutdown(wait=False)
        if self._grpc is not None:
            self._grpc.stop(grace).wait()
        self.core.stop()
        if self._blas_limits is not None:
            self._blas_limits.restore_original_limits()
        self._stopped.set()

    def wait(self):
        self._stopped.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _cores():
    return os.cpu_count() or 1   # as BatchingParameters' num_batch_threads default counts them


def _best_loop():
    try:
        import uvloop  # noqa: F401
        return "uvloop"
    except ImportError:
        return "asyncio"


def _best_http():
    try:
        import httptools  # noqa: F401
        return "httptools"
    except ImportError:
        return "h11"
