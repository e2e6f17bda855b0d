"""Model server throughput and latency on loopback (issue 7): single-example REST and gRPC
predicts at concurrency 1, 8 and 32, with and without batching. Prints requests/s, p50/p99
latency, the CPU microseconds per request of the server and of the load generator, and (with
batching) the mean batch size and compute time per batch; then the model's own time
(in-process signature call, batch of one), REST overhead beyond model time at concurrency 1,
and the batching speed-up at 32.

    python benchmarks/serving.py                     # the three MLPs below
    python benchmarks/serving.py --model large --protocol rest --concurrency 32 --repeat 5

Models (random weights: inference cost does not depend on them): `mlp` the MNIST MLP
784-128-10 (a batch-1 call ~40 us: per-request handling dominates, batching cannot help much);
`wide` 784-2048-2048-10 (22 MB of weights, which fit in this machine's L3, so a batch-1 call is
already cheap); `large` 784-4096-4096-10 (80 MB: a batch-1 call streams every weight from
memory, the case server-side batching exists for).

Both servers (batching off and on) run at once, each in its own process; their runs are
interleaved and each case reports the median of `--repeat` runs (the machine may be shared).
The load generator is one asyncio process per run with one keep-alive connection per client:
REST requests are pre-encoded HTTP/1.1 bytes on raw sockets, gRPC requests pre-serialized
PredictRequests on grpc.aio channels (no message (de)serialization), the same client for
both servers. Each case is bounded by a request count and a time limit.

Configuration, as a TF Serving operator would set it on this 2-core CPU:
- batching off: TF Serving's default worker pools (32 REST / 64 gRPC threads); model calls
  run concurrently on them, so each uses one BLAS thread (`--tensorflow_intra_op_parallelism`
  auto = 1; OpenBLAS collapses when multi-threaded calls overlap).
- batching on: num_batch_threads 1, max_batch_size 16, batch_timeout_micros 2000, and
  intra-op auto = cores / num_batch_threads = 2 BLAS threads per batch. With 32 closed-loop
  clients a batch of 16 fills while the previous one computes and starts without waiting
  for the timeout. (num_batch_threads = cores with one BLAS thread each measured 3.1x REST /
  2.3x gRPC on `large`; this setup 3.2x / 2.5x; max_batch_size 32: 3.1x / 2.2-2.3x.)
OPENBLAS_NUM_THREADS=1 is set before NumPy loads (the servers raise it per the rule above).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads; inherited by the server and clients
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "16")  # as `import runnel` before NumPy sets it (runnel serve)

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# mlp: the MNIST MLP (model call ~40 us: per-request handling dominates); wide: 22 MB of weights
# (fit in L3); large: 80 MB of weights, so a batch-1 call streams them from memory, the case
# server-side batching exists for.
MODELS = {"mlp": (784, [128], 10), "wide": (784, [2048, 2048], 10), "large": (784, [4096, 4096], 10)}


def build_servable(kind, path=None):
    import runnel as tf
    from runnel.serving import Servable
    d_in, hidden, d_out = MODELS[kind]
    layers = [tf.keras.Input((d_in,))] + [tf.keras.layers.Dense(h, activation="relu") for h in hidden] + \
        [tf.keras.layers.Dense(d_out, activation="softmax")]
    model = tf.keras.Sequential(layers)
    fn = tf.function(lambda images: {"probabilities": model(images, training=False)},
                     input_signature=[tf.TensorSpec([None, d_in], tf.float32, name="images")])
    return Servable.from_functions({"serving_default": fn}, path=path)


def serve(kind, batching):
    """Runs a server for model `kind`; `batching` is "off" or "max_batch_size,batch_timeout_micros,num_batch_threads"."""
    from runnel.serving import BatchingParameters, ModelConfig, ModelServer
    base = tempfile.mkdtemp()
    os.makedirs(os.path.join(base, "1"))
    params = None
    if batching != "off":
        size, timeout, threads = map(int, batching.split(","))
        params = BatchingParameters(max_batch_size=size, batch_timeout_micros=timeout, num_batch_threads=threads,
                                    max_enqueued_batches=100)
    server = ModelServer([ModelConfig(kind, base, platform="bench")], port=0, rest_api_port=0, host="127.0.0.1",
                         batching=params, file_system_poll_wait_seconds=0, rest_api_num_threads=32, grpc_max_threads=64,
                         loaders={"bench": lambda p: build_servable(kind, p)}, intra_op_parallelism=0)
    server.start()
    print(f"PORTS {server.grpc_port} {server.rest_port}", flush=True)
    sys.stdin.read()  # until the parent closes stdin
    server.stop()


def _request_bodies(model):
    """The pre-encoded single-example request: REST JSON body, serialized PredictRequest."""
    from runnel.io.tensor_io import to_tensor_proto
    from runnel.protos.tensorflow_serving.apis import predict_pb2
    x = np.random.default_rng(0).random((1, MODELS[model][0]), dtype=np.float32)
    req = predict_pb2.PredictRequest()
    req.model_spec.name = model
    req.inputs["images"].CopyFrom(to_tensor_proto(x))
    return json.dumps({"instances": x.tolist()}).encode(), req.SerializeToString()


def client(protocol, port, model, concurrency, n_requests, seconds):
    """`concurrency` closed-loop clients in one asyncio process, each on its own keep-alive
    connection (REST: pre-encoded HTTP/1.1 requests on raw sockets; gRPC: pre-serialized
    PredictRequests on grpc.aio channels, no message (de)serialization). Prints the latencies
    (seconds) and this process's CPU seconds as JSON."""
    import asyncio
    import resource
    json_body, proto_body = _request_bodies(model)
    lat, errs = [], []
    left = [n_requests]

    def cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    async def rest_conn(deadline):
        loop = asyncio.get_running_loop()
        request = (f"POST /v1/models/{model}:predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(json_body)}\r\n\r\n").encode() + json_body
        done = loop.create_future()

        class Conn(asyncio.Protocol):
            def connection_made(self, transport):
                self.transport, self.buf = transport, b""
                self.send()

            def send(self):
                if left[0] <= 0 or time.perf_counter() > deadline:
                    self.transport.close()
                    return
                left[0] -= 1
                self.t0 = time.perf_counter()
                self.transport.write(request)

            def data_received(self, data):
                self.buf += data
                head_end = self.buf.find(b"\r\n\r\n")
                if head_end < 0:
                    return
                head = self.buf[:head_end].lower()
                i = head.find(b"content-length:") + 15
                size = int(head[i:head.find(b"\r\n", i) if head.find(b"\r\n", i) > 0 else None])
                end = head_end + 4 + size
                if len(self.buf) < end:
                    return
                if not head.startswith(b"http/1.1 200"):
                    errs.append(self.buf[:end].decode(errors="replace"))
                lat.append(time.perf_counter() - self.t0)
                self.buf = self.buf[end:]
                self.send()

            def connection_lost(self, exc):
                if not done.done():
                    done.set_result(None)

        await loop.create_connection(Conn, "127.0.0.1", port)
        await done

    async def grpc_conn(deadline, channel):
        call = channel.unary_unary("/tensorflow.serving.PredictionService/Predict")  # bytes in, bytes out
        while left[0] > 0 and time.perf_counter() < deadline:
            left[0] -= 1
            t = time.perf_counter()
            await call(proto_body, timeout=30)
            lat.append(time.perf_counter() - t)

    async def main():
        channels = []
        if protocol == "grpc":
            import grpc
            # one HTTP/2 connection per client (a distinct option keeps grpc from sharing it)
            channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=[("runnel.bench.client", i)])
                        for i in range(concurrency)]
            for ch in channels:
                await ch.channel_ready()
        c0, t0 = cpu(), time.perf_counter()
        deadline = t0 + seconds
        if protocol == "rest":
            await asyncio.gather(*(rest_conn(deadline) for _ in range(concurrency)))
        else:
            await asyncio.gather(*(grpc_conn(deadline, ch) for ch in channels))
        wall, used = time.perf_counter() - t0, cpu() - c0
        for ch in channels:
            await ch.close()
        return wall, used

    try:
        import uvloop
        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        wall, used = runner.run(main())
    if errs:
        raise SystemExit(f"{len(errs)} failed requests, e.g. {errs[0][:300]}")
    print("RESULT " + json.dumps({"lat": lat, "wall": wall, "cpu": used}), flush=True)


def _proc_cpu(pid):
    """CPU seconds (user + system) used so far by process `pid` (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(protocol, port, model, concurrency, n_requests, seconds, server_pid=None):
    """(req/s, p50 ms, p99 ms, server CPU µs/request, client CPU µs/request) of one case."""
    s0 = _proc_cpu(server_pid) if server_pid else 0.0
    p = subprocess.run([sys.executable, __file__, "--client", protocol, str(port), model, str(concurrency),
                        str(n_requests), str(seconds)], stdout=subprocess.PIPE, text=True, check=True)
    s1 = _proc_cpu(server_pid) if server_pid else 0.0
    res = json.loads(p.stdout.split("RESULT ", 1)[1])
    lat = sorted(res["lat"])
    n = len(lat)
    return (n / res["wall"], lat[n // 2] * 1e3, lat[min(n - 1, int(n * 0.99))] * 1e3,
            (s1 - s0) / n * 1e6, res["cpu"] / n * 1e6)


def model_time(kind):
    servable = build_servable(kind)
    sig = servable.signature("serving_default")
    x = {"images": np.random.default_rng(0).random((1, MODELS[kind][0]), dtype=np.float32)}
    for _ in range(20):
        sig(x)
    ts = []
    for _ in range(300):
        t = time.perf_counter()
        sig(x)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3


def _batch_stats(rest_port):
    """(batches, rows, compute seconds) processed so far by a server, from its Prometheus metrics."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", rest_port)
    c.request("GET", "/monitoring/prometheus/metrics")
    text = c.getresponse().read().decode()
    c.close()
    vals = dict.fromkeys(["batch_size_count", "batch_size_sum", "runtime_latency_sum"], 0.0)
    for line in text.splitlines():
        for k in vals:
            if line.startswith((f":tensorflow:serving:batching_session:processed_{k}",
                                f":tensorflow:serving:{k}")):
                vals[k] += float(line.rsplit(" ", 1)[1])
    return vals["batch_size_count"], vals["batch_size_sum"], vals["runtime_latency_sum"] / 1e6


def start_server(kind, batching):
    srv = subprocess.Popen([sys.executable, __file__, "--serve", kind, batching],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = ""
    while not line.startswith("PORTS"):
        line = srv.stdout.readline()
        if not line and srv.poll() is not None:
            raise SystemExit("server failed to start")
    grpc_port, rest_port = map(int, line.split()[1:])
    return srv, {"grpc": grpc_port, "rest": rest_port}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(MODELS) + ["all"], default="all")
    ap.add_argument("--protocol", choices=["rest", "grpc", "all"], default="all")
    ap.add_argument("--concurrency", default="1,8,32", help="comma-separated client counts")
    ap.add_argument("--seconds", type=float, default=2.0, help="time limit per case")
    ap.add_argument("--requests", type=int, default=6000, help="request limit per case")
    ap.add_argument("--repeat", type=int, default=3, help="runs per case (batching off/on interleaved); medians")
    ap.add_argument("--max_batch_size", type=int, default=16)
    ap.add_argument("--batch_timeout_micros", type=int, default=2000)
    ap.add_argument("--num_batch_threads", type=int, default=1)
    args = ap.parse_args()
    kinds = sorted(MODELS) if args.model == "all" else [args.model]
    protocols = ["rest", "grpc"] if args.protocol == "all" else [args.protocol]
    concs = [int(c) for c in args.concurrency.split(",")]
    print(f"cores: {os.cpu_count()}; per case at most {args.requests} requests / {args.seconds:g} s, "
          f"median of {args.repeat} interleaved runs")
    print("srv/cli us: CPU microseconds per request used by the server / the load generator process")
    for kind in kinds:
        mt = model_time(kind)
        print(f"\n== {kind} {MODELS[kind]}: model time (in-process signature call, batch 1) p50 {mt:.3f} ms")
        print(f"{'protocol':8} {'batching':8} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'srv us':>7} {'cli us':>7} {'batch':>6} {'batch ms':>8}")
        params = f"{args.max_batch_size},{args.batch_timeout_micros},{args.num_batch_threads}"
        servers = {False: start_server(kind, "off"), True: start_server(kind, params)}
        table = {}
        try:
            for protocol in protocols:
                for _, ports in servers.values():
                    load(protocol, ports[protocol], kind, 4, 200, 1.0)  # warm connections and code paths
                for conc in concs:
                    runs = {False: [], True: []}
                    for _ in range(args.repeat):
                        for b, (srv, ports) in servers.items():
                            before = _batch_stats(ports["rest"])
                            r = load(protocol, ports[protocol], kind, conc, args.requests, args.seconds, srv.pid)
                            after = _batch_stats(ports["rest"])
                            batches, rows, compute = (x - y for x, y in zip(after, before))
                            runs[b].append(r + (rows / batches if batches else float("nan"),
                                                compute / batches * 1e3 if batches else float("nan")))
                    for b in (False, True):
                        med = [statistics.median(col) for col in zip(*runs[b])]
                        table[protocol, b, conc] = med
                        rps, p50, p99, srv_us, cli_us, batch, batch_ms = med
                        print(f"{protocol:8} {'on' if b else 'off':8} {conc:4d} {rps:8.0f} {p50:8.3f} {p99:8.3f} "
                              f"{srv_us:7.0f} {cli_us:7.0f} {batch:6.1f} {batch_ms:8.2f}", flush=True)
        finally:
            for srv, _ in servers.values():
                srv.stdin.close()
                srv.wait(30)
        if "rest" in protocols and 1 in concs:
            rest1 = table["rest", False, 1][1]
            print(f"REST overhead beyond model time at concurrency 1 (p50): {rest1 - mt:.3f} ms (target < 1 ms)")
        if 32 in concs:
            for protocol in protocols:
                ratio = table[protocol, True, 32][0] / table[protocol, False, 32][0]
                print(f"{protocol} batching throughput ratio at concurrency 32: {ratio:.2f}x (target >= 3x: "
                      f"{'met' if ratio >= 3 else 'NOT met'})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "--client":
        client(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]))
    else:
        main()
