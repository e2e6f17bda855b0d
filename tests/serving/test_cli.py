"""`runnel serve` / `python -m runnel.serving`: TF Serving's flags, one command."""

import subprocess
import sys
import time

from runnel.serving import Client
from runnel.serving.cli import build_parser, main


def test_flags_as_tf_serving():
    a = build_parser().parse_args(["--port=9000", "--rest_api_port", "9001", "--model_name=mnist",
                                   "--model_base_path=/models/mnist", "--enable_batching",
                                   "--batching_parameters_file=/b.config", "--file_system_poll_wait_seconds=5",
                                   "--rest_api_num_threads=4", "--grpc_max_threads=8", "--enable_model_warmup=false"])
    assert (a.port, a.rest_api_port, a.model_name, a.model_base_path, a.enable_batching, a.batching_parameters_file,
            a.file_system_poll_wait_seconds, a.rest_api_num_threads, a.grpc_max_threads, a.enable_model_warmup) == \
        (9000, 9001, "mnist", "/models/mnist", True, "/b.config", 5, 4, 8, False)
    assert build_parser().parse_args(["--enable_batching=false"]).enable_batching is False
    assert build_parser().parse_args([]).tensorflow_intra_op_parallelism == 0   # 0: the server picks
    assert build_parser().parse_args(["--tensorflow_intra_op_parallelism=2"]).tensorflow_intra_op_parallelism == 2


def test_needs_a_model(capsys):
    assert main([]) == 2
    assert "Both --model_config_file and --model_base_path are empty!" in capsys.readouterr().err


def test_one_command_serves_and_reports_load_failures(tmp_path):
    """The command starts both servers from a text-format config; a version that cannot
    load is reported in the model's status and the server keeps serving."""
    (tmp_path / "m" / "1").mkdir(parents=True)
    cfg = tmp_path / "models.config"
    cfg.write_text(f'model_config_list {{ config {{ name: "m" base_path: "{tmp_path / "m"}" '
                   f'model_platform: "no_such_platform" }} }}')
    proc = subprocess.Popen([sys.executable, "-m", "runnel.serving", f"--model_config_file={cfg}", "--port=0",
                             "--rest_api_port=0", "--host=127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line, deadline = "", time.monotonic() + 60
        while "grpc port" not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "server exited"
        words = line.split()
        for protocol, port in (("rest", int(words[7])), ("grpc", int(words[4]))):
            st = Client(f"127.0.0.1:{port}", "m", protocol=protocol).status()
            assert st == [{"version": 1, "state": "END", "error_code": "INVALID_ARGUMENT",
                           "error_message": "Unknown model_platform 'no_such_platform'"}]
    finally:
        proc.terminate()
        assert proc.wait(30) == 0
