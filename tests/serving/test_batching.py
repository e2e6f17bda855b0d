"""Request batching: merging, padding, limits, and batches > 1 under concurrency."""

import threading
import time

import numpy as np
import pytest
from serving_helpers import X, expected, rest_call

import runnel as tf
from runnel.serving import BatchingParameters, BatchScheduler, Client, ModelConfig
from runnel.serving import metrics as M


def recording_fn(calls, delay=0.0):
    def fn(feeds):
        calls.append(feeds["x"].shape[0])
        time.sleep(delay)
        return {"y": feeds["x"] * 2, "n": np.full(feeds["x"].shape[0], feeds["x"].shape[0])}
    return fn


def test_parameters_text_format():
    p = BatchingParameters.from_text("""
        max_batch_size { value: 8 } batch_timeout_micros { value: 2000 } num_batch_threads { value: 2 }
        max_enqueued_batches { value: 3 } allowed_batch_sizes: 2 allowed_batch_sizes: 4 allowed_batch_sizes: 8""")
    assert (p.max_batch_size, p.batch_timeout_micros, p.num_batch_threads, p.max_enqueued_batches,
            p.allowed_batch_sizes) == (8, 2000, 2, 3, (2, 4, 8))
    with pytest.raises(tf.errors.InvalidArgumentError, match="must match max_batch_size"):
        BatchingParameters.from_text("max_batch_size { value: 8 } allowed_batch_sizes: 4")
    assert BatchingParameters().max_batch_size == 1000  # TF Serving's default


def test_merges_pads_and_splits():
    calls = []
    p = BatchingParameters(max_batch_size=8, batch_timeout_micros=200_000, num_batch_threads=1,
                           allowed_batch_sizes=(4, 8))
    s = BatchScheduler(recording_fn(calls), p)
    futs = [s.submit({"x": np.full((1, 2), i, np.float32)}) for i in range(3)]
    outs = [f.result(10) for f in futs]
    s.close()
    assert calls == [4]  # three rows merged, padded to 4
    for i, (out, queued, compute) in enumerate(outs):
        np.testing.assert_array_equal(out["y"], np.full((1, 2), 2 * i))
        assert out["n"].tolist() == [4] and queued >= 0 and compute >= 0


def test_limits():
    p = BatchingParameters(max_batch_size=4, batch_timeout_micros=0, num_batch_threads=1, max_enqueued_batches=1)
    gate = threading.Event()

    def slow(feeds):
        gate.wait(10)
        return {"y": feeds["x"]}
    s = BatchScheduler(slow, p)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Task size 5 is larger than maximum input batch size 4"):
        s.submit({"x": np.zeros((5, 1))})
    with pytest.raises(tf.errors.InvalidArgumentError, match="equal 0th-dimension size"):
        s.submit({"x": np.zeros((2, 1)), "z": np.zeros((3, 1))})
    first = s.submit({"x": np.zeros((4, 1))})
    time.sleep(0.2)  # the thread holds the first batch
    queued = s.submit({"x": np.zeros((4, 1))})
    with pytest.raises(tf.errors.UnavailableError, match="queue to which this task was submitted is full"):
        s.submit({"x": np.zeros((1, 1))})
    gate.set()
    assert first.result(10)[0]["y"].shape == (4, 1) and queued.result(10)[0]["y"].shape == (4, 1)
    s.close()


def test_model_errors_reach_every_request():
    def bad(feeds):
        raise tf.errors.InvalidArgumentError(None, None, "boom")
    s = BatchScheduler(bad, BatchingParameters(max_batch_size=4, batch_timeout_micros=50_000, num_batch_threads=1))
    futs = [s.submit({"x": np.zeros((1, 1))}) for _ in range(3)]
    for f in futs:
        with pytest.raises(tf.errors.InvalidArgumentError, match="boom"):
            f.result(10)
    s.close()


def test_server_batches_concurrent_requests(make_server, model_dir):
    p = BatchingParameters(max_batch_size=16, batch_timeout_micros=20_000, num_batch_threads=1)
    s = make_server([ModelConfig("m", str(model_dir), "test")], batching=p)
    want = expected(2.0, "serving_default", x=X[:1])
    errors, results = [], []

    def worker(protocol, i):
        port = s.rest_port if protocol == "rest" else s.grpc_port
        with Client(f"127.0.0.1:{port}", "m", protocol=protocol) as c:
            for _ in range(10):  # bounded
                try:
                    x = X[:1] + i
                    out = c.predict({"x": x})
                    results.append(np.array_equal(out["y"], want["y"] + 2 * i))
                except Exception as e:  # noqa: BLE001
                    errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=("rest" if i % 2 else "grpc", i)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 80 and all(results)
    count, total, buckets = s.core.metrics.histogram(M.BATCH_SIZE, model_name="m")
    assert total == 80 and count < 80  # some batches held more than one request
    assert sum(c for b, c in buckets.items() if b >= 2) > 0
    qcount, _, _ = s.core.metrics.histogram(M.QUEUE_LATENCY, model_name="m")
    assert qcount == 80  # queue wait recorded per request, apart from compute
    text = s.core.metrics.render()
    assert ":tensorflow:serving:batching_session:processed_batch_size_bucket" in text


def test_full_batch_runs_without_waiting_for_the_timeout():
    calls = []
    p = BatchingParameters(max_batch_size=4, batch_timeout_micros=30_000_000, num_batch_threads=2)
    s = BatchScheduler(recording_fn(calls), p)
    t = time.perf_counter()
    futs = [s.submit({"x": np.full((1, 2), i, np.float32)}) for i in range(4)]
    outs = [f.result(10) for f in futs]
    assert time.perf_counter() - t < 5  # launched when full, not after 30 s
    assert calls == [4]
    for i, (out, queued, _) in enumerate(outs):
        np.testing.assert_array_equal(out["y"], np.full((1, 2), 2 * i))
        assert queued < 5
    s.close()


def test_cancelled_requests_are_dropped_from_the_batch():
    calls, gate = [], threading.Event()

    def fn(feeds):
        calls.append(feeds["x"].shape[0])
        gate.wait(10)
        return {"y": feeds["x"]}
    s = BatchScheduler(fn, BatchingParameters(max_batch_size=1, batch_timeout_micros=0, num_batch_threads=1))
    first = s.submit({"x": np.zeros((1, 1))})
    time.sleep(0.2)  # the thread holds the first batch
    gone, kept = s.submit({"x": np.zeros((1, 1))}), s.submit({"x": np.ones((1, 1))})
    assert gone.cancel()  # e.g. the REST request passed its deadline
    gate.set()
    assert first.result(10)[0]["y"].shape == (1, 1) and kept.result(10)[0]["y"].tolist() == [[1.0]]
    s.close()
    assert calls == [1, 1]


def test_rest_batched_predict_errors_and_metrics(make_server, model_dir):
    p = BatchingParameters(max_batch_size=8, batch_timeout_micros=1000, num_batch_threads=1)
    s = make_server([ModelConfig("m", str(model_dir), "test")], batching=p)

    def post(doc):
        return rest_call(s, "POST", "/v1/models/m:predict", doc)

    status, out = post({"instances": X.tolist()})
    assert status == 200
    np.testing.assert_allclose(out["predictions"][0]["y"], expected(2.0, "serving_default", x=X)["y"][0])
    status, out = post({"instances": [[1.0, 2.0]]})  # wrong shape: checked before queueing
    assert status == 400 and "not compatible" in out["error"]
    status, out = post({"inputs": {"a": [[1.0, 2.0]], "b": [3]}, "signature_name": "two"})
    assert status == 200 and out["outputs"] == [pytest.approx(9.0)]
    status, out = post({"instances": [1.0], "signature_name": "nope"})
    assert status == 400 or status == 404
    assert s.core.metrics.counter(M.REQUEST_COUNT, model_name="m", API="predict", entrypoint="REST",
                                  status="OK") == 2
    assert s.core.metrics.histogram(M.QUEUE_LATENCY, model_name="m")[0] == 2  # both batched predicts


def test_rest_json_decoding_with_and_without_orjson(monkeypatch):
    from runnel.serving import rest
    bodies = [b'{"instances": [[0.1, 2, -3.5e-7, 1e308]]}', b'{"inputs": [NaN, Infinity]}',
              b'{"inputs": [123456789012345678901234567890]}', b'\xef\xbb\xbf{"inputs": [1.5]}']
    fast = [rest._parse_json(b) for b in bodies]
    monkeypatch.setattr(rest, "_fast_loads", None)
    slow = [rest._parse_json(b) for b in bodies]
    assert repr(fast[:1]) == repr(slow[:1]) and np.isnan(fast[1]["inputs"][0]) and fast[3] == slow[3]
    for bad in (b'{"instances": [1,]}', b"[1]", b""):
        with pytest.raises(tf.errors.InvalidArgumentError) as e1:
            rest._parse_json(bad)
        monkeypatch.undo()
        with pytest.raises(tf.errors.InvalidArgumentError) as e2:
            rest._parse_json(bad)
        assert str(e1.value) == str(e2.value)
        monkeypatch.setattr(rest, "_fast_loads", None)


def _blas_threads():
    from threadpoolctl import threadpool_info
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.mark.parametrize("intra_op,batch_threads,want", [(3, 1, 3), (0, 1, "cores"), (0, 2, "half"), (0, None, 1)])
def test_intra_op_parallelism_sets_blas_threads_while_serving(make_server, model_dir, intra_op, batch_threads, want):
    pytest.importorskip("threadpoolctl")
    from runnel.serving.server import _cores
    before = _blas_threads()
    if not before:
        pytest.skip("NumPy's BLAS is not visible to threadpoolctl")
    batching = None if batch_threads is None else BatchingParameters(num_batch_threads=batch_threads)
    s = make_server([ModelConfig("m", str(model_dir), "test")], batching=batching, intra_op_parallelism=intra_op)
    expect = {"cores": _cores(), "half": max(1, _cores() // 2)}.get(want, want)
    assert s.blas_threads() == expect and set(_blas_threads()) == {expect}
    with Client(f"127.0.0.1:{s.rest_port}", "m") as c:   # model calls still give the right answer
        np.testing.assert_array_equal(c.predict({"x": X[:1]})["y"], expected(2.0, "serving_default", x=X[:1])["y"])
    s.stop()
    assert _blas_threads() == before   # the process's setting comes back


def test_intra_op_parallelism_rejects_negative(model_dir):
    from runnel.serving import ModelServer
    with pytest.raises(tf.errors.InvalidArgumentError, match="intra_op_parallelism"):
        ModelServer([ModelConfig("m", str(model_dir), "test")], intra_op_parallelism=-1)
