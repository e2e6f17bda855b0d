"""TF Serving's REST API as a minimal ASGI application (served by uvicorn).

    GET  /v1/models/{name}[/versions/{v}|/labels/{l}]            model status
    GET  /v1/models/{name}[/versions/{v}|/labels/{l}]/metadata   signature defs
    POST /v1/models/{name}[/versions/{v}|/labels/{l}]:predict    row ("instances") or columnar ("inputs")
    POST ...:classify, ...:regress                               Example-based ("examples", "context")
    GET  /monitoring/prometheus/metrics                          Prometheus text
    GET  /healthz                                                200 when every model has a version available

Errors are `{"error": "<message>"}` with TF Serving's HTTP status for the error code.
JSON values convert to tensors as TF Serving's json_tensor does: numbers to the input's
dtype (integers only for integer inputs), strings as UTF-8, `{"b64": ...}` for binary
strings; string outputs whose key ends in `_bytes` come back as `{"b64": ...}`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from runnel.framework import dtypes as D
from runnel.framework import errors
from runnel.serving import metrics as M
from runnel.serving.protocol import (
    CODE_NAMES,
    HTTP_STATUS,
    as_op_error,
    b64encode,
    metadata_response,
    model_status_response,
)

try:  # optional: ~10x faster JSON decoding (784 floats: ~20 us instead of ~220 us)
    from orjson import loads as _fast_loads
except ImportError:
    _fast_loads = None

_access = logging.getLogger("runnel.serving.access")

_SPEC = r"/v1/models/([^/:]+)(?:/versions/(\d+)|/labels/([^/:]+))?"
_PREDICT_RE = re.compile(_SPEC + r":(classify|regress|predict)", re.I)
_STATUS_RE = re.compile(r"/v1/models(?:/([^/:]+))?(?:/versions/(\d+)|/labels/([^/:]+))?(/metadata)?", re.I)
_JSON_HEADERS = [(b"content-type", b"application/json")]
# With batching on, a :predict body up to this size is parsed on the event loop (then queued
# on the batch scheduler); larger ones are parsed on a worker thread.
_LOOP_PARSE_BYTES = 1 << 20


def _tf_type_name(dtype):
    return {"float32": "float", "float64": "double", "float16": "half"}.get(dtype.name, dtype.name)


def _json_type(v):
    if v is None:
        return "Null"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (int, float)):
        return "Number"
    if isinstance(v, str):
        return "String"
    return "Array" if isinstance(v, list) else "Object"


def _is_b64(v):
    return isinstance(v, dict) and len(v) == 1 and isinstance(v.get("b64"), str)


def _type_error(v, dtype):
    return errors.InvalidArgumentError(None, None, f"JSON Value: {json.dumps(v)} Type: {_json_type(v)} is not of "
                                                   f"expected type: {_tf_type_name(dtype)}")


def _leaves(v, level, shape, out):
    """Flattens a nested JSON list, checking it is rectangular (TF Serving's rules)."""
    if isinstance(v, list):
        if level >= len(shape):
            raise errors.InvalidArgumentError(None, None, f"Encountered list at unexpected level: {level} "
                                                          f"expected < {len(shape)}")
        if len(v) != shape[level]:
            raise errors.InvalidArgumentError(None, None, f"Encountered list at unexpected size: {len(v)} at level: "
                                                          f"{level} expected size: {shape[level]}")
        for x in v:
            _leaves(x, level + 1, shape, out)
    else:
        if level != len(shape):
            raise errors.InvalidArgumentError(None, None, f"JSON Value: {json.dumps(v)} found at incorrect level: "
                                                          f"{level + 1} in the JSON DOM. Expected at level: {len(shape)}")
        out.append(v)


def _dense_shape(v):
    shape = []
    while isinstance(v, list):
        shape.append(len(v))
        if not v:
            break
        v = v[0]
    return shape


def json_to_array(value, dtype):
    """ndarray of TF dtype `dtype` from a JSON value (scalar or nested lists)."""
    if dtype is D.string:
        shape = _dense_shape(value)
        flat = []
        _leaves(value, 0, shape, flat)
        out = np.empty(len(flat), object)
        for i, x in enumerate(flat):
            if isinstance(x, str):
                out[i] = x.encode("utf-8")
            elif _is_b64(x):
                try:
                    out[i] = base64.b64decode(x["b64"], validate=True)
                except (binascii.Error, ValueError):
                    raise errors.InvalidArgumentError(None, None, "Unable to base64 decode") from None
            elif isinstance(x, dict):
                raise errors.InvalidArgumentError(None, None, f"JSON Value: {json.dumps(x)} not formatted correctly "
                                                              "for base64 data")
            else:
                raise _type_error(x, dtype)
        return out.reshape(shape)
    npd = dtype.as_numpy_dtype
    try:
        a = np.asarray(value)
    except ValueError:
        a = None
    if a is None or a.dtype == object or a.dtype.kind in "US":
        flat = []
        _leaves(value, 0, _dense_shape(value), flat)   # raises the shape error
        for x in flat:                                  # or the type error
            if not isinstance(x, (int, float)) or isinstance(x, bool) != (dtype is D.bool):
                raise _type_error(x, dtype)
        raise errors.InvalidArgumentError(None, None, f"Cannot convert JSON value to {_tf_type_name(dtype)}")
    kind = a.dtype.kind
    ok = {"f": "fi", "c": "fi", "i": "i", "u": "i", "b": "b"}.get(np.dtype(npd).kind, "")
    if kind not in ok:
        bad = next((x for x in a.reshape(-1).tolist() if not _fits(x, ok)), a.reshape(-1)[0].item())
        raise _type_error(bad, dtype)
    if kind == "i" and np.dtype(npd).kind in "iu":
        info = np.iinfo(npd)
        if a.size and (a.min() < info.min or a.max() > info.max):
            raise errors.InvalidArgumentError(None, None, f"JSON Value out of range for {_tf_type_name(dtype)}")
    return a.astype(npd, copy=False)


def _fits(x, kinds):
    if isinstance(x, bool):
        return "b" in kinds
    if isinstance(x, int):
        return "i" in kinds
    return isinstance(x, float) and "f" in kinds


def parse_predict_body(body, servable, signature_key_default=""):
    """(signature key, inputs dict of ndarrays, "row"|"columnar") from a :predict JSON body."""
    doc = _parse_json(body)
    sig_name = doc.get("signature_name", signature_key_default)
    if not isinstance(sig_name, str):
        raise errors.InvalidArgumentError(None, None, f"JSON Value: {json.dumps(doc)[:200]} not formatted correctly. "
                                                      "'signature_name' key must be a string value.")
    sig = servable.signature(sig_name)
    infos = sig.inputs
    if not infos:
        raise errors.InvalidArgumentError(None, None, f"Failed to get input map for signature: {sig_name or 'DEFAULT'}")
    has_rows, has_cols = "instances" in doc, "inputs" in doc
    if has_rows and has_cols:
        raise errors.InvalidArgumentError(None, None, "Not formatted correctly expecting only one of 'inputs' or "
                                                      "'instances' keys to exist")
    if has_rows:
        rows = doc["instances"]
        if not isinstance(rows, list):
            raise errors.InvalidArgumentError(None, None, "Excepting 'instances' to be an list/array")
        if not rows:
            raise errors.InvalidArgumentError(None, None, "No values in 'instances' array")
        named = isinstance(rows[0], dict) and not _is_b64(rows[0])
        if not named and len(infos) > 1:
            raise errors.InvalidArgumentError(None, None, "instances is a plain list, but expecting list of objects as "
                                                          "multiple input tensors required as per tensorinfo_map")
        if named:
            keys = set(infos)
            for i, r in enumerate(rows):
                if not isinstance(r, dict) or _is_b64(r):
                    raise errors.InvalidArgumentError(None, None, f"Expecting object but got list at item {i} of input list")
                if set(r) != keys:
                    unknown = sorted(set(r) - keys)
                    if unknown:
                        raise errors.InvalidArgumentError(
                            None, None, f"Failed to process element: {i} key: {unknown[0]} of 'instances' list. Error: "
                                        f"JSON object: does not have named input: {unknown[0]}")
                    raise errors.InvalidArgumentError(
                        None, None, f"Failed to process element: {i} of 'instances' list. JSON object: "
                                    f"{json.dumps(r)[:200]} keys must be equal to: {','.join(sorted(keys))}")
            inputs = {k: _rows_to_array([r[k] for r in rows], info.dtype) for k, info in infos.items()}
        else:
            for i, r in enumerate(rows):
                if isinstance(r, dict) and not _is_b64(r):
                    raise errors.InvalidArgumentError(None, None, f"Expecting value/list but got object at item {i} "
                                                                  "of input list")
            (k, info), = infos.items()
            inputs = {k: _rows_to_array(rows, info.dtype)}
        return sig_name, inputs, "row"
    if has_cols:
        val = doc["inputs"]
        if not isinstance(val, dict) or _is_b64(val):
            if len(infos) > 1:
                raise errors.InvalidArgumentError(None, None, "inputs is a plain value/list, but expecting an object as "
                                                              "multiple input tensors required as per tensorinfo_map")
            (k, info), = infos.items()
            return sig_name, {k: json_to_array(val, info.dtype)}, "columnar"
        inputs = {}
        for k, info in infos.items():
            if k not in val:
                raise errors.InvalidArgumentError(None, None, f"Missing named input: {k} in 'inputs' object.")
            inputs[k] = json_to_array(val[k], info.dtype)
        return sig_name, inputs, "columnar"
    raise errors.InvalidArgumentError(None, None, "Missing 'inputs' or 'instances' key")


def _rows_to_array(rows, dtype):
    try:
        return json_to_array(rows, dtype)
    except errors.InvalidArgumentError as e:
        shape = _dense_shape(rows[0])
        for i, r in enumerate(rows):  # find the offending element for the message
            if _dense_shape(r) != shape:
                raise errors.InvalidArgumentError(None, None, f"Failed to process element: {i} of 'instances' list. "
                                                              f"Error: Invalid argument: Expecting shape "
                                                              f"{_shape(shape)} but got: {_shape(_dense_shape(r))}") from None
        raise e


def _shape(s):
    return "[" + ",".join(map(str, s)) + "]"


def _parse_json(body):
    if not body:
        raise errors.InvalidArgumentError(None, None, "JSON Parse error: The document is empty")
    if _fast_loads is not None:
        try:
            doc = _fast_loads(body)
            if isinstance(doc, dict):
                return doc
        except ValueError:
            pass  # NaN/Infinity, a BOM, lone surrogates, or malformed: json decides (and words the error)
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        pos = getattr(e, "pos", 0)
        msg = getattr(e, "msg", str(e))
        raise errors.InvalidArgumentError(None, None, f"JSON Parse error: {msg} at offset: {pos}") from None
    if not isinstance(doc, dict):
        raise errors.InvalidArgumentError(None, None, f"JSON Value: {json.dumps(doc)[:200]} Is not object")
    return doc


def _to_json_value(a, key):
    if a.dtype == object:
        if key.endswith("_bytes"):
            return np.vectorize(lambda b: {"b64": b64encode(b)}, otypes=[object])(a).tolist() if a.ndim else \
                {"b64": b64encode(a.item())}
        f = np.vectorize(lambda b: b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b), otypes=[object])
        return f(a).tolist()
    if a.dtype.kind == "f" and a.dtype.itemsize < 4 or a.dtype.kind == "V":
        a = a.astype(np.float32)
    elif a.dtype.kind == "c":
        raise errors.InvalidArgumentError(None, None, f"Failed to write JSON value for tensor type: {a.dtype}")
    return a.tolist()


def predict_json(outputs, fmt):
    """The :predict response object for output arrays, in TF Serving's row/columnar shapes."""
    if not outputs:
        raise errors.InvalidArgumentError(None, None, "Cannot convert empty tensor map to JSON")
    keys = sorted(outputs)
    if fmt == "columnar":
        if len(keys) == 1:
            return {"outputs": _to_json_value(outputs[keys[0]], keys[0])}
        return {"outputs": {k: _to_json_value(outputs[k], k) for k in keys}}
    batch = None
    for k in keys:
        a = outputs[k]
        if a.ndim == 0:
            raise errors.InvalidArgumentError(None, None, f"Tensor name: {k} has no shape information ")
        if batch is not None and a.shape[0] != batch:
            raise errors.InvalidArgumentError(None, None, f"Tensor name: {k} has inconsistent batch size: {a.shape[0]} "
                                                          f"expecting: {batch}")
        batch = a.shape[0]
    if len(keys) == 1:
        return {"predictions": _to_json_value(outputs[keys[0]], keys[0])}
    cols = {k: _to_json_value(outputs[k], k) for k in keys}
    return {"predictions": [{k: cols[k][i] for k in keys} for i in range(batch)]}


def examples_from_json(body):
    """(signature_name, [serialized Example]) from a :classify/:regress body (context
    features merged into each example, the example's own features winning)."""
    from runnel.protos.tensorflow.core.example import example_pb2
    doc = _parse_json(body)
    sig_name = doc.get("signature_name", "")
    if not isinstance(sig_name, str):
        raise errors.InvalidArgumentError(None, None, "'signature_name' key must be a string value.")
    context = _example(doc["context"], example_pb2) if "context" in doc else None
    if "examples" not in doc:
        raise errors.InvalidArgumentError(None, None, "When method is classify, key 'examples' is expected and was not found")
    ex = doc["examples"]
    if not isinstance(ex, list):
        raise errors.InvalidArgumentError(None, None, "Expecting 'examples' value to be an list/array")
    if not ex:
        raise errors.InvalidArgumentError(None, None, "'examples' value is an empty array")
    out = []
    for e in ex:
        proto = _example(e, example_pb2)
        if context is not None:
            merged = example_pb2.Example()
            merged.CopyFrom(context)
            for k, f in proto.features.feature.items():
                merged.features.feature[k].CopyFrom(f)
            proto = merged
        out.append(proto.SerializeToString())
    return sig_name, out


def _example(obj, example_pb2):
    if not isinstance(obj, dict):
        raise errors.InvalidArgumentError(None, None, f"Example must be JSON object but got JSON {_json_type(obj)}")
    ex = example_pb2.Example()
    for name, content in obj.items():
        values = content if isinstance(content, list) else [content]
        feature = ex.features.feature[name]
        kind = None
        for v in values:
            if isinstance(v, bool) or isinstance(v, int):
                k, val = "int64_list", int(v)
            elif isinstance(v, float):
                k, val = "float_list", v
            elif isinstance(v, str):
                k, val = "bytes_list", v.encode("utf-8")
            elif _is_b64(v):
                try:
                    k, val = "bytes_list", base64.b64decode(v["b64"], validate=True)
                except (binascii.Error, ValueError):
                    raise errors.InvalidArgumentError(None, None, "Unable to base64 decode") from None
            else:
                raise errors.InvalidArgumentError(None, None, f"Feature: {name} has element with unexpected JSON type: "
                                                              f"{_json_type(v)}")
            if kind is not None and k != kind:
                raise errors.InvalidArgumentError(None, None, f"Unexpected element type in feature: {name} expecting "
                                                              f"type: {kind.split('_')[0].replace('bytes', 'bytes')}")
            kind = k
            getattr(feature, k).value.append(val)
    return ex


def _message_json(msg):
    from google.protobuf import json_format
    return json_format.MessageToDict(msg, always_print_fields_with_no_presence=True,
                                     preserving_proto_field_name=True)


class RestApp:
    """The ASGI application. `core` is a ServerCore; `max_body_bytes` refuses larger
    request bodies (413); `timeout_ms` bounds request processing (504); the model work
    runs on a pool of `num_threads` threads."""

    def __init__(self, core, max_body_bytes=64 << 20, timeout_ms=30000, num_threads=16):
        self.core = core
        self.max_body_bytes = max_body_bytes
        self.timeout = timeout_ms / 1000 if timeout_ms and timeout_ms > 0 else None
        self.pool = ThreadPoolExecutor(max_workers=num_threads, thread_name_prefix="rest")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        t0 = time.perf_counter()
        method, path = scope["method"], scope["path"]
        body, too_big = await self._read_body(scope, receive)
        ctx = {}
        if too_big:
            status, payload, headers = 413, json.dumps({"error": f"Request body exceeds the limit of "
                                                                 f"{self.max_body_bytes} bytes"}).encode(), _JSON_HEADERS
        else:
            try:
                async with asyncio.timeout(self.timeout):
                    if self.core.batching is not None and method == "POST" and len(body) <= _LOOP_PARSE_BYTES:
                        status, payload, headers = await self._handle_batched(path, body, ctx)
                    else:
                        status, payload, headers = await asyncio.get_running_loop().run_in_executor(
                            self.pool, self.handle, method, path, body, ctx)
            except TimeoutError:
                status, payload, headers = self._error(errors.DeadlineExceededError(
                    None, None, "Deadline Exceeded"), ctx)
        if _access.isEnabledFor(logging.INFO):  # before the response: a client that has it sees the line
            client = scope.get("client") or ("", 0)
            _access.info(json.dumps({"ts": time.time(), "proto": "http", "client": f"{client[0]}:{client[1]}",
                                     "method": method, "path": path, "status": status,
                                     "bytes_in": len(body), "bytes_out": len(payload),
                                     "latency_ms": round((time.perf_counter() - t0) * 1e3, 3), **ctx}))
        await send({"type": "http.response.start", "status": status,
                    "headers": headers + [(b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    async def _read_body(self, scope, receive):
        for k, v in scope.get("headers", ()):
            if k == b"content-length" and v.isdigit() and int(v) > self.max_body_bytes:
                return b"", True
        chunks, n, too_big = [], 0, False
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                break
            part = msg.get("body", b"")
            n += len(part)
            if n > self.max_body_bytes:
                too_big = True
            elif part:
                chunks.append(part)
            if not msg.get("more_body"):
                break
        return (b"" if too_big else b"".join(chunks)), too_big

    async def _handle_batched(self, path, body, ctx):
        """A POST with batching on, on the event loop: a :predict is parsed here and queued on
        its batch scheduler, and the loop awaits the batch (no worker thread per request);
        anything else (or a predict that is not batched) goes to the worker pool."""
        m = _PREDICT_RE.fullmatch(path)
        run_in_pool = asyncio.get_running_loop().run_in_executor
        if not m or m.group(4).lower() != "predict":
            return await run_in_pool(self.pool, self.handle, "POST", path, body, ctx)
        name, ver, label, _ = m.groups()
        ctx.update(model=name, api="predict")
        t, code = time.perf_counter(), errors.OK
        try:
            resolved = self.core.resolve(name, _int(ver), label)
            sig_name, inputs, fmt = parse_predict_body(body, resolved[1])
            queued = self.core.submit_predict(name, inputs, signature_name=sig_name, resolved=resolved)
            if queued is None:  # not batched: run it on a worker thread
                v, _, outputs = await run_in_pool(self.pool, lambda: self.core.predict(
                    name, inputs, signature_name=sig_name, resolved=resolved))
            else:
                v, _, fut = queued
                outputs = (await asyncio.wrap_future(fut))[0]
            ctx["version"] = v
            return 200, json.dumps(predict_json(outputs, fmt)).encode(), _JSON_HEADERS
        except asyncio.CancelledError:  # the request deadline passed
            code = errors.DEADLINE_EXCEEDED
            raise
        except Exception as e:  # noqa: BLE001 - every failure becomes TF Serving's error shape
            code = as_op_error(e).error_code
            return self._error(e, ctx)
        finally:
            self._record(name, "predict", code, t)

    def _error(self, e, ctx):
        e = as_op_error(e)
        ctx["error"] = CODE_NAMES.get(e.error_code, "UNKNOWN")
        return HTTP_STATUS.get(e.error_code, 500), json.dumps({"error": e.message}).encode(), _JSON_HEADERS

    def handle(self, method, path, body, ctx):
        """(HTTP status, body bytes, headers) for one request (runs on the worker pool)."""
        try:
            return self._handle(method, path, body, ctx)
        except Exception as e:  # noqa: BLE001 - every failure becomes TF Serving's error shape
            return self._error(e, ctx)

    def _handle(self, method, path, body, ctx):
        if path == "/monitoring/prometheus/metrics" and method == "GET":
            return 200, self.core.metrics.render().encode(), [(b"content-type", b"text/plain; version=0.0.4")]
        if path == "/healthz" and method == "GET":
            models = {}
            for name in self.core.model_names():
                models[name] = [v for v, state, _ in self._safe_status(name) if state == "AVAILABLE"]
            ok = all(models.values())
            return (200 if ok else 503), json.dumps({"status": "ok" if ok else "unavailable",
                                                     "models": models}).encode(), _JSON_HEADERS
        if not path.lower().startswith("/v1/"):
            return 404, json.dumps({"error": f"Not found: {method} {path}"}).encode(), _JSON_HEADERS
        m = _PREDICT_RE.fullmatch(path)
        if method == "POST" and m:
            name, ver, label, api = m.groups()
            ctx.update(model=name, api=api.lower())
            return self._timed(name, api.lower(), lambda: self._predict_like(api.lower(), name, _int(ver), label, body, ctx))
        m = _STATUS_RE.fullmatch(path)
        if method == "GET" and m:
            name, ver, label, meta = m.groups()
            if not name:
                raise errors.InvalidArgumentError(None, None, "Missing model name in request.")
            ctx.update(model=name)
            if meta:
                resp, _ = metadata_response(self.core, name, _int(ver), label)
                from runnel.protos.tensorflow_serving.apis import get_model_metadata_pb2
                sdm = get_model_metadata_pb2.SignatureDefMap()
                resp.metadata["signature_def"].Unpack(sdm)
                out = {"model_spec": {"name": name, "signature_name": "", "version": str(resp.model_spec.version.value)},
                       "metadata": {"signature_def": _message_json(sdm)}}
                return 200, json.dumps(out, indent=1).encode(), _JSON_HEADERS
            return 200, json.dumps(_message_json(model_status_response(self.core, name, _int(ver), label)),
                                   indent=1).encode(), _JSON_HEADERS
        raise errors.InvalidArgumentError(None, None, f"Malformed request: {method} {path}")

    def _safe_status(self, name):
        try:
            return self.core.status(name)
        except errors.OpError:
            return []

    def _timed(self, name, api, fn):
        t = time.perf_counter()
        code = errors.OK
        try:
            return fn()
        except Exception as e:
            code = as_op_error(e).error_code
            raise
        finally:
            self._record(name, api, code, t)

    def _record(self, name, api, code, start):
        self.core.metrics.inc(M.REQUEST_COUNT, {"model_name": name, "API": api, "entrypoint": "REST",
                                                "status": CODE_NAMES.get(code, "UNKNOWN")})
        self.core.metrics.observe(M.REQUEST_LATENCY, {"model_name": name, "API": api, "entrypoint": "REST"},
                                  (time.perf_counter() - start) * 1e6)

    def _predict_like(self, api, name, version, label, body, ctx):
        if api == "predict":
            resolved = self.core.resolve(name, version, label)
            sig_name, inputs, fmt = parse_predict_body(body, resolved[1])
            v, _, outputs = self.core.predict(name, inputs, signature_name=sig_name, resolved=resolved)
            ctx["version"] = v
            return 200, json.dumps(predict_json(outputs, fmt)).encode(), _JSON_HEADERS
        sig_name, examples = examples_from_json(body)
        if api == "classify":
            v, _, results = self.core.classify(name, examples, version, label, sig_name)
            payload = {"results": [[[lab, score] for lab, score in r] for r in results]}
        else:
            v, _, results = self.core.regress(name, examples, version, label, sig_name)
            payload = {"results": results}
        ctx["version"] = v
        return 200, json.dumps(payload).encode(), _JSON_HEADERS


def _int(s):
    return None if s is None else int(s)
