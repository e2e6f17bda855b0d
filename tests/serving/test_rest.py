"""REST API: TF Serving's paths, request/response formats and error shapes."""

import base64
import json

import numpy as np
from serving_helpers import X, expected, rest_call

from runnel.serving import metrics as M


def test_status_and_metadata(server):
    status, doc = rest_call(server, "GET", "/v1/models/m")
    assert status == 200
    assert doc == {"model_version_status": [{"version": "1", "state": "AVAILABLE",
                                             "status": {"error_code": "OK", "error_message": ""}}]}
    assert rest_call(server, "GET", "/v1/models/m/versions/1")[1] == doc
    status, meta = rest_call(server, "GET", "/v1/models/m/metadata")
    assert status == 200 and meta["model_spec"] == {"name": "m", "signature_name": "", "version": "1"}
    sigs = meta["metadata"]["signature_def"]["signature_def"]
    assert set(sigs) == {"serving_default", "two", "echo", "classify", "regress"}
    x = sigs["serving_default"]["inputs"]["x"]
    assert x["dtype"] == "DT_FLOAT" and [d["size"] for d in x["tensor_shape"]["dim"]] == ["-1", "3"]
    assert sigs["serving_default"]["method_name"] == "tensorflow/serving/predict"
    assert sigs["classify"]["method_name"] == "tensorflow/serving/classify"


def test_predict_row_and_columnar_equal_in_process(server):
    want = expected(2.0, "serving_default", x=X)
    status, doc = rest_call(server, "POST", "/v1/models/m:predict", {"instances": X.tolist()})
    assert status == 200
    # several outputs: one object per row
    np.testing.assert_array_equal(np.array([r["y"] for r in doc["predictions"]], np.float32), want["y"])
    np.testing.assert_array_equal(np.array([r["s"] for r in doc["predictions"]], np.float32), want["s"])
    status, doc = rest_call(server, "POST", "/v1/models/m/versions/1:predict", {"inputs": {"x": X.tolist()}})
    assert status == 200
    np.testing.assert_array_equal(np.array(doc["outputs"]["y"], np.float32), want["y"])
    np.testing.assert_array_equal(np.array(doc["outputs"]["s"], np.float32), want["s"])


def test_single_output_naming_and_named_instances(server):
    a = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    b = np.array([10, 20], np.int32)
    want = expected(2.0, "two", a=a, b=b)["output_0"]
    rows = [{"a": a[i].tolist(), "b": int(b[i])} for i in range(2)]
    status, doc = rest_call(server, "POST", "/v1/models/m:predict", {"signature_name": "two", "instances": rows})
    assert status == 200 and doc == {"predictions": want.tolist()}  # single output: plain list
    status, doc = rest_call(server, "POST", "/v1/models/m:predict",
                       {"signature_name": "two", "inputs": {"a": a.tolist(), "b": b.tolist()}})
    assert status == 200 and doc == {"outputs": want.tolist()}


def test_b64_strings(server):
    blobs = [b"\x00\xffbinary", "héllo".encode()]
    status, doc = rest_call(server, "POST", "/v1/models/m:predict",
                       {"signature_name": "echo", "instances": [{"b64": base64.b64encode(b).decode()} for b in blobs]})
    assert status == 200
    # "_bytes" outputs come back base64-wrapped; other strings as text
    assert [base64.b64decode(r["text_bytes"]["b64"]) for r in doc["predictions"]] == blobs
    assert [r["length"] for r in doc["predictions"]] == [len(b) for b in blobs]
    status, doc = rest_call(server, "POST", "/v1/models/m:predict", {"signature_name": "echo", "inputs": ["abc", "de"]})
    assert status == 200 and doc["outputs"]["length"] == [3, 2]


def test_classify_and_regress(server):
    body = {"signature_name": "classify", "examples": [{"f": 0.25}, {"f": [0.1]}]}
    status, doc = rest_call(server, "POST", "/v1/models/m:classify", body)
    assert status == 200
    assert doc["results"][0][0][0] == "pos" and doc["results"][0][1][0] == "neg"
    np.testing.assert_allclose([[s for _, s in r] for r in doc["results"]], [[0.5, 0.5], [0.2, 0.8]], rtol=1e-6)
    body = {"signature_name": "regress", "context": {"g": 1.5}, "examples": [{"f": 1.0}, {"f": 2.0, "g": 0.0}]}
    status, doc = rest_call(server, "POST", "/v1/models/m:regress", body)
    assert status == 200 and doc == {"results": [3.5, 4.0]}  # example features override the context
    # a predict signature is not a classification signature
    status, doc = rest_call(server, "POST", "/v1/models/m:classify", {"examples": [{"f": 1.0}]})
    assert status == 400 and "Expected classification signature method_name" in doc["error"]


def test_errors_keep_the_server_serving(server):
    cases = [
        ("/v1/models/m:predict", "{not json", 400, "JSON Parse error"),
        ("/v1/models/m:predict", "", 400, "The document is empty"),
        ("/v1/models/m:predict", "[1]", 400, "Is not object"),
        ("/v1/models/m:predict", json.dumps({"foo": 1}), 400, "Missing 'inputs' or 'instances' key"),
        ("/v1/models/m:predict", json.dumps({"instances": [[1, 2, 3]], "inputs": [[1, 2, 3]]}), 400, "only one of"),
        ("/v1/models/nope:predict", json.dumps({"instances": [[1, 2, 3]]}), 404,
         "Servable not found for request: Latest(nope)"),
        ("/v1/models/m/versions/7:predict", json.dumps({"instances": [[1, 2, 3]]}), 404,
         "Servable not found for request: Specific(m, 7)"),
        ("/v1/models/m/labels/gold:predict", json.dumps({"instances": [[1, 2, 3]]}), 400,
         "Unrecognized servable version label: gold"),
        ("/v1/models/m:predict", json.dumps({"signature_name": "zz", "instances": [[1, 2, 3]]}), 400,
         'Serving signature key "zz" not found.'),
        ("/v1/models/m:predict", json.dumps({"inputs": {"q": [[1, 2, 3]]}}), 400, "Missing named input: x"),
        ("/v1/models/m:predict", json.dumps({"instances": [{"q": [1, 2, 3]}]}), 400, "does not have named input: q"),
        ("/v1/models/m:predict", json.dumps({"instances": [[1, 2]]}), 400, "not compatible with the signature's shape [-1,3]"),
        ("/v1/models/m:predict", json.dumps({"instances": [[1, 2, 3], [1, 2]]}), 400, "Expecting shape [3] but got: [2]"),
        ("/v1/models/m:predict", json.dumps({"instances": [["a", "b", "c"]]}), 400,
         'JSON Value: "a" Type: String is not of expected type: float'),
        ("/v1/models/m:predict", json.dumps({"signature_name": "two", "inputs": {"a": [[1, 2]], "b": [1.5]}}), 400,
         "JSON Value: 1.5 Type: Number is not of expected type: int32"),
        ("/v1/models/m:bogus", "{}", 400, "Malformed request: POST /v1/models/m:bogus"),
    ]
    for path, raw, code, msg in cases:
        status, doc = rest_call(server, "POST", path, raw=raw)
        assert status == code, (path, raw, doc)
        assert set(doc) == {"error"} and msg in doc["error"], (raw, doc)
    status, doc = rest_call(server, "GET", "/v1/models/nope")
    assert status == 404 and doc["error"] == "Could not find any versions of model nope"
    status, doc = rest_call(server, "GET", "/v1/models/m/versions/3")
    assert status == 404 and doc["error"] == "Could not find version 3 of model m"
    status, _ = rest_call(server, "GET", "/nothing/here")
    assert status == 404
    # still serving
    status, doc = rest_call(server, "POST", "/v1/models/m:predict", {"inputs": {"x": X.tolist()}})
    assert status == 200
    bad = server.core.metrics.counter(M.REQUEST_COUNT, model_name="m", API="predict", entrypoint="REST",
                                      status="INVALID_ARGUMENT")
    assert bad >= 10


def test_body_limit(make_server, model_dir):
    from runnel.serving import ModelConfig
    s = make_server([ModelConfig("m", str(model_dir), platform="test")], max_body_bytes=1000)
    status, doc = rest_call(s, "POST", "/v1/models/m:predict", {"instances": [[1.0, 2.0, 3.0]] * 200})
    assert status == 413 and "exceeds the limit of 1000 bytes" in doc["error"]
    assert rest_call(s, "POST", "/v1/models/m:predict", {"instances": [[1.0, 2.0, 3.0]]})[0] == 200


def test_metrics_and_health(server):
    rest_call(server, "POST", "/v1/models/m:predict", {"instances": X.tolist()})
    status, text = rest_call(server, "GET", "/monitoring/prometheus/metrics")
    text = text.decode()
    assert status == 200
    assert ('{API="predict",entrypoint="REST",model_name="m",status="OK"} 1' in text), text
    assert "# TYPE :tensorflow:serving:request_latency histogram" in text
    assert ':tensorflow:serving:request_latency_count{API="predict",entrypoint="REST",model_name="m"} 1' in text
    status, doc = rest_call(server, "GET", "/healthz")
    assert status == 200 and doc == {"status": "ok", "models": {"m": [1]}}


def test_access_log(server, caplog):
    import logging
    with caplog.at_level(logging.INFO, logger="runnel.serving.access"):
        rest_call(server, "POST", "/v1/models/m:predict", {"instances": X.tolist()})
        rest_call(server, "POST", "/v1/models/m:predict", raw="{")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "runnel.serving.access"]
    assert [(line["status"], line["path"]) for line in lines] == [(200, "/v1/models/m:predict"),
                                                                  (400, "/v1/models/m:predict")]
    assert lines[0]["model"] == "m" and lines[0]["version"] == 1 and lines[0]["latency_ms"] > 0
    assert lines[1]["error"] == "INVALID_ARGUMENT"
