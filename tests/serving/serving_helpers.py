"""Serving test helpers (a module with a unique name, so tests can import them): a test
model platform ("test") whose version directories hold a `scale` file; the loader builds
tf.functions in process (no SavedModel needed)."""

import http.client
import json
import os

import numpy as np
import pytest

pytest.importorskip("grpc")
pytest.importorskip("uvicorn")

import runnel as tf  # noqa: E402
from runnel.serving import Servable  # noqa: E402
from runnel.serving.servable import CLASSIFY_METHOD, REGRESS_METHOD  # noqa: E402

FAIL_MARK = "broken"  # a version dir holding this file fails to load


def scale_of(path):
    with open(os.path.join(path, "scale")) as f:
        return float(f.read())


def build_functions(scale):
    """The test model's functions for one `scale` (also used for in-process expectations)."""

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def default(x):
        return {"y": x * scale, "s": tf.reduce_sum(x, axis=1)}

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32), tf.TensorSpec([None], tf.int32)])
    def two(a, b):
        return tf.reduce_sum(a, axis=1) * scale + tf.cast(b, tf.float32)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def echo(text):
        return {"text_bytes": text, "length": tf.strings.length(text)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def classify(inputs):
        f = tf.io.parse_example(inputs, {"f": tf.io.FixedLenFeature([1], tf.float32)})["f"]
        scores = tf.concat([f * scale, 1.0 - f * scale], axis=1)
        classes = tf.tile(tf.constant([["pos", "neg"]]), tf.stack([tf.shape(f)[0], 1]))
        return {"classes": classes, "scores": scores}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def regress(inputs):
        p = tf.io.parse_example(inputs, {"f": tf.io.FixedLenFeature([1], tf.float32),
                                         "g": tf.io.FixedLenFeature([1], tf.float32, default_value=[0.0])})
        return {"outputs": (p["f"] * scale + p["g"])[:, 0]}

    return {"serving_default": default, "two": two, "echo": echo, "classify": classify, "regress": regress}


def in_process_loader(path):
    if os.path.exists(os.path.join(path, FAIL_MARK)):
        raise tf.errors.DataLossError(None, None, f"corrupt model in {path}")
    return Servable.from_functions(build_functions(scale_of(path)),
                                   {"classify": CLASSIFY_METHOD, "regress": REGRESS_METHOD}, path=path)


in_process_loader.__test__ = False


def write_version(base, version, scale, broken=False):
    """Writes version dir `base/version` atomically (rename), as TF Serving recommends."""
    tmp = os.path.join(base, f".tmp-{version}")
    os.makedirs(tmp, exist_ok=True)
    with open(os.path.join(tmp, "scale"), "w") as f:
        f.write(str(scale))
    if broken:
        open(os.path.join(tmp, FAIL_MARK), "w").close()
    os.rename(tmp, os.path.join(base, str(version)))


def expected(scale, signature, **inputs):
    out = build_functions(scale)[signature](**{k: tf.constant(v) for k, v in inputs.items()})
    if not isinstance(out, dict):
        out = {"output_0": out}
    return {k: v.numpy() for k, v in out.items()}


X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]], np.float32)


def rest_call(server, method, path, body=None, raw=None):
    """One request to `server`'s REST port on loopback: (status, parsed JSON or raw bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", server.rest_port, timeout=30)
    data = raw if raw is not None else (None if body is None else json.dumps(body))
    c.request(method, path, data)
    r = c.getresponse()
    payload = r.read()
    c.close()
    return r.status, (json.loads(payload) if r.getheader("content-type", "").startswith("application/json") else payload)
