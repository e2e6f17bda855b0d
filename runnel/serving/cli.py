"""`runnel serve`: TF Serving's `tensorflow_model_server` flags.

    runnel serve --model_name=mnist --model_base_path=/models/mnist --port=8500 --rest_api_port=8501
    runnel serve --model_config_file=models.config --enable_batching --batching_parameters_file=batching.config

Flags take `--flag=value` or `--flag value`; booleans accept `--flag`, `--flag=true|false`.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys


def _bool(v):
    if v.lower() in ("1", "true", "yes", "y"):
        return True
    if v.lower() in ("0", "false", "no", "n"):
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, got {v!r}")


def build_parser():
    """Returns the `argparse` parser for `runnel serve`, with TF Serving's `tensorflow_model_server` flags
    (`--port`, `--rest_api_port`, `--model_name`, `--model_base_path`, `--model_config_file`, batching, ...).
    """
    p = argparse.ArgumentParser(prog="runnel serve", description="Serve SavedModels over TF Serving's REST and gRPC APIs.")
    p.add_argument("--port", type=int, default=8500, help="gRPC port (0: any free port)")
    p.add_argument("--rest_api_port", type=int, default=8501, help="REST port (0: any free port; -1 disables REST)")
    p.add_argument("--host", default="0.0.0.0", help="interface to bind (default all)")
    p.add_argument("--model_name", default="default", help="name of the model (with --model_base_path)")
    p.add_argument("--model_base_path", default="", help="directory of numbered version subdirectories")
    p.add_argument("--model_config_file", default="", help="text-format ModelServerConfig (several models)")
    p.add_argument("--model_config_file_poll_wait_seconds", type=int, default=0,
                   help="re-read --model_config_file this often (0: never)")
    p.add_argument("--file_system_poll_wait_seconds", type=float, default=1,
                   help="seconds between scans of the base paths for new versions (0: load once)")
    p.add_argument("--enable_batching", type=_bool, nargs="?", const=True, default=False)
    p.add_argument("--batching_parameters_file", default="", help="text-format BatchingParameters")
    p.add_argument("--tensorflow_intra_op_parallelism", type=int, default=0,
                   help="BLAS threads per model call (0: cores / num_batch_threads with batching, else 1)")
    p.add_argument("--rest_api_num_threads", type=int, default=16)
    p.add_argument("--rest_api_timeout_in_ms", type=int, default=30000)
    p.add_argument("--grpc_max_threads", type=int, default=16)
    p.add_argument("--max_request_body_bytes", type=int, default=64 << 20,
                   help="largest accepted REST body / gRPC message (413 / RESOURCE_EXHAUSTED beyond)")
    p.add_argument("--enable_model_warmup", type=_bool, nargs="?", const=True, default=True,
                   help="call serving_default once on each new version before it serves")
    p.add_argument("--access_log", type=_bool, nargs="?", const=True, default=False,
                   help="write one JSON line per request to stderr")
    return p


def main(argv=None):
    """Entry point of `runnel serve`: parses `argv` (default `sys.argv[1:]`) and runs a `ModelServer`.

    Serves until SIGINT or SIGTERM, optionally re-reading `--model_config_file`
    periodically. Returns the exit status: 0 after a clean stop, 2 when neither
    `--model_config_file` nor `--model_base_path` is given.
    """
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not args.access_log:
        logging.getLogger("runnel.serving.access").setLevel(logging.WARNING)
    from runnel.serving.batching import BatchingParameters
    from runnel.serving.core import ModelConfig, parse_model_config
    from runnel.serving.server import ModelServer
    if args.model_config_file:
        with open(args.model_config_file) as f:
            configs = parse_model_config(f.read())
    elif args.model_base_path:
        configs = [ModelConfig(args.model_name, args.model_base_path)]
    else:
        print("runnel serve: Both --model_config_file and --model_base_path are empty!", file=sys.stderr)
        return 2
    batching = None
    if args.enable_batching:
        if args.batching_parameters_file:
            with open(args.batching_parameters_file) as f:
                batching = BatchingParameters.from_text(f.read())
        else:
            batching = BatchingParameters()
    server = ModelServer(configs, port=args.port, rest_api_port=None if args.rest_api_port < 0 else args.rest_api_port,
                         host=args.host, batching=batching, file_system_poll_wait_seconds=args.file_system_poll_wait_seconds,
                         rest_api_num_threads=args.rest_api_num_threads, grpc_max_threads=args.grpc_max_threads,
                         rest_api_timeout_in_ms=args.rest_api_timeout_in_ms, max_body_bytes=args.max_request_body_bytes,
                         warmup=args.enable_model_warmup,
                         intra_op_parallelism=args.tensorflow_intra_op_parallelism)
    import threading
    stop = threading.Event()
    # Installed before the servers start so a stop request is never lost; the handler only
    # sets a flag, the main thread shuts down.
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    log = logging.getLogger("runnel.serving")
    log.info("Running gRPC ModelServer at %s:%s", args.host, server.grpc_port)
    if server.rest_port is not None:
        log.info("Exporting HTTP/REST API at %s:%s", args.host, server.rest_port)
    print(f"runnel serve: grpc port {server.grpc_port} rest port {server.rest_port}", flush=True)
    if args.model_config_file and args.model_config_file_poll_wait_seconds > 0:
        def reread():
            while not stop.wait(args.model_config_file_poll_wait_seconds):
                try:
                    with open(args.model_config_file) as f:
                        server.core.reload_config(parse_model_config(f.read()))
                except Exception:  # noqa: BLE001 - keep the previous config
                    log.exception("re-reading %s failed", args.model_config_file)
        threading.Thread(target=reread, daemon=True).start()
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0
