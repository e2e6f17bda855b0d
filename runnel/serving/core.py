"""The server core: models, versions, policies, labels, polling, and the request logic
(predict / classify / regress / multi-inference / status / metadata) shared by the REST and
gRPC front ends, on ndarrays.

Version lifecycle (TF Serving's ModelVersionStatus states): a numeric subdirectory of a
model's base path is a version; the version policy (latest N, all, specific) picks the
aspired ones; each is LOADING then AVAILABLE (after warm-up); versions no longer aspired
are UNLOADING then END. New versions load before old ones unload, and a request holds its
own reference to the servable it resolved, so in-flight requests finish on the old
version. A version that fails to load is END with the loader's error in its status; it
is left out of the aspired set (so the previous version keeps serving) until its directory
changes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from runnel.framework import dtypes as D
from runnel.framework import errors
from runnel.serving import metrics as M
from runnel.serving.batching import BatchScheduler
from runnel.serving.servable import (
    CLASSIFY_CLASSES,
    CLASSIFY_INPUTS,
    CLASSIFY_METHOD,
    CLASSIFY_SCORES,
    LOADERS,
    PREDICT_METHOD,
    REGRESS_INPUTS,
    REGRESS_METHOD,
    REGRESS_OUTPUTS,
    shape_str,
)

_log = logging.getLogger("runnel.serving")

START, LOADING, AVAILABLE, UNLOADING, END = "START", "LOADING", "AVAILABLE", "UNLOADING", "END"


@dataclass
class VersionPolicy:
    """`latest` (keep the N newest), `all`, or `specific` (the listed versions)."""
    kind: str = "latest"
    num_versions: int = 1
    versions: tuple = ()

    def select(self, available):
        available = sorted(available)
        if self.kind == "all":
            return set(available)
        if self.kind == "specific":
            return set(self.versions) & set(available)
        return set(available[-max(self.num_versions, 1):]) if available else set()


@dataclass
class ModelConfig:
    """One served model (TF Serving's ModelConfig)."""
    name: str
    base_path: str
    platform: str = "tensorflow"
    policy: VersionPolicy = field(default_factory=VersionPolicy)
    labels: dict = field(default_factory=dict)

    @classmethod
    def from_proto(cls, p):
        policy = VersionPolicy()
        which = p.model_version_policy.WhichOneof("policy_choice") if p.HasField("model_version_policy") else None
        if which == "all":
            policy = VersionPolicy("all")
        elif which == "specific":
            policy = VersionPolicy("specific", versions=tuple(p.model_version_policy.specific.versions))
        elif which == "latest":
            policy = VersionPolicy("latest", p.model_version_policy.latest.num_versions or 1)
        return cls(p.name, p.base_path, p.model_platform or "tensorflow", policy, dict(p.version_labels))


def parse_model_config(text):
    """ModelConfigs from TF Serving's text-format ModelServerConfig (`--model_config_file`)."""
    from google.protobuf import text_format

    from runnel.protos.tensorflow_serving.config import model_server_config_pb2
    try:
        proto = text_format.Parse(text, model_server_config_pb2.ModelServerConfig())
    except text_format.ParseError as e:
        raise errors.InvalidArgumentError(None, None, f"Invalid model config: {e}") from None
    return configs_from_proto(proto)


def configs_from_proto(proto):
    """Returns the list of `ModelConfig` in a `ModelServerConfig` proto's `model_config_list`.

    Raises:
      UnimplementedError: the proto uses `custom_model_config`.
      InvalidArgumentError: a model name is listed more than once.
    """
    if proto.WhichOneof("config") == "custom_model_config":
        raise errors.UnimplementedError(None, None, "custom_model_config is not supported")
    configs = [ModelConfig.from_proto(c) for c in proto.model_config_list.config]
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise errors.InvalidArgumentError(None, None, "Illegal to list model "
                                          f"{next(n for n in names if names.count(n) > 1)} multiple times in config list")
    return configs


@dataclass
class _VersionState:
    state: str
    error: errors.OpError | None = None
    fingerprint: tuple | None = None


class _Model:
    def __init__(self, config):
        self.config = config
        self.servables = {}      # version -> Servable (AVAILABLE)
        self.states = {}         # version -> _VersionState
        self.schedulers = {}     # (version, signature key) -> BatchScheduler
        self.lock = threading.Lock()


def _fingerprint(path):
    try:
        entries = []
        for root, _, files in os.walk(path):
            for f in files:
                st = os.stat(os.path.join(root, f))
                entries.append((os.path.relpath(os.path.join(root, f), path), st.st_size, st.st_mtime_ns))
        return tuple(sorted(entries))
    except OSError:
        return None


class ServerCore:
    """Holds the served models and answers requests on ndarrays.

    Args:
      configs: list of `ModelConfig`.
      batching: `BatchingParameters` to merge concurrent requests, or None.
      loaders: platform -> loader mapping (default `servable.LOADERS`).
      metrics: a `Metrics` (created when None).
      warmup: run `Servable.warmup()` after loading a version (before it serves).
    """

    def __init__(self, configs, batching=None, loaders=None, metrics=None, warmup=True):
        self.batching = batching
        self.warmup = warmup
        self.loaders = LOADERS if loaders is None else loaders
        self.metrics = metrics or M.Metrics()
        self._models = {}
        self._lock = threading.RLock()
        self._poller = None
        self._stop = threading.Event()
        self.reload_config(configs)

    # -- configuration and versions ----------------------------------------------------------
    def reload_config(self, configs):
        """Replaces the served model set (HandleReloadConfigRequest): new models are added,
        removed ones unloaded, changed policies/labels applied; then polls once."""
        with self._lock:
            wanted = {c.name: c for c in configs}
            for name in list(self._models):
                if name not in wanted:
                    self._unload_model(self._models.pop(name))
            for name, c in wanted.items():
                if name in self._models:
                    self._models[name].config = c
                else:
                    self._models[name] = _Model(c)
        self.poll()

    def poll(self):
        """Scans every model's base path once: loads newly aspired versions, then unloads
        versions no longer aspired."""
        with self._lock:
            models = list(self._models.values())
        for m in models:
            self._poll_model(m)

    def _poll_model(self, m):
        c = m.config
        try:
            names = os.listdir(c.base_path)
        except OSError:
            names = []
            _log.warning("model %s: base path %s not readable", c.name, c.base_path)
        on_disk = {int(n): os.path.join(c.base_path, n) for n in names
                   if n.isdigit() and os.path.isdir(os.path.join(c.base_path, n))}
        fps = {}
        candidates = set()
        for v, path in on_disk.items():
            st = m.states.get(v)
            if st is not None and st.error is not None:
                fps[v] = _fingerprint(path)
                if fps[v] == st.fingerprint:
                    continue  # failed before and unchanged: not a candidate
            candidates.add(v)
        while True:  # a failed load drops out of the candidates and the policy picks again
            aspired = c.policy.select(candidates)
            todo = sorted(aspired - set(m.servables), reverse=True)
            failed = [v for v in todo if not self._load_version(m, v, on_disk[v], fps.get(v))]
            if not failed:
                break
            candidates -= set(failed)
        # Unload what is loaded but no longer aspired, once some aspired version is available.
        keep = aspired & set(m.servables)
        if keep or not on_disk:
            for v in sorted(set(m.servables) - keep):
                self._unload_version(m, v)

    def _load_version(self, m, v, path, fp=None):
        name = m.config.name
        with m.lock:
            m.states[v] = _VersionState(LOADING)
        loader = self.loaders.get(m.config.platform)
        try:
            if loader is None:
                raise errors.InvalidArgumentError(None, None, f"Unknown model_platform {m.config.platform!r}")
            servable = loader(path)
            if self.warmup:
                servable.warmup()
        except Exception as e:  # noqa: BLE001 - any loader failure is reported in the status
            err = e if isinstance(e, errors.OpError) else errors.UnknownError(None, None, f"{type(e).__name__}: {e}")
            with m.lock:
                m.states[v] = _VersionState(END, err, fp if fp is not None else _fingerprint(path))
            self.metrics.inc(M.MODEL_LOAD_COUNT, {"model_name": name, "status": "error"})
            _log.error("model %s version %d failed to load: %s", name, v, err)
            return False
        with m.lock:
            m.servables[v] = servable
            m.states[v] = _VersionState(AVAILABLE)
        self.metrics.inc(M.MODEL_LOAD_COUNT, {"model_name": name, "status": "ok"})
        _log.info("model %s version %d available", name, v)
        return True

    def _unload_version(self, m, v):
        with m.lock:
            m.states[v] = _VersionState(UNLOADING)
            m.servables.pop(v, None)  # in-flight requests keep their own reference
            scheds = [m.schedulers.pop(k) for k in list(m.schedulers) if k[0] == v]
        for s in scheds:
            s.close()  # lets queued tasks finish
        with m.lock:
            m.states[v] = _VersionState(END)
        _log.info("model %s version %d unloaded", m.config.name, v)

    def _unload_model(self, m):
        for v in list(m.servables):
            self._unload_version(m, v)

    def start_polling(self, interval_seconds):
        """Polls the base paths every `interval_seconds` in a daemon thread (0 disables)."""
        if interval_seconds <= 0 or self._poller is not None:
            return

        def loop():
            while not self._stop.wait(interval_seconds):
                try:
                    self.poll()
                except Exception:  # noqa: BLE001 - keep polling
                    _log.exception("polling failed")
        self._poller = threading.Thread(target=loop, name="runnel-serving-poll", daemon=True)
        self._poller.start()

    def stop(self):
        self._stop.set()
        if self._poller is not None:
            self._poller.join()
        with self._lock:
            for m in self._models.values():
                for s in m.schedulers.values():
                    s.close()
                m.schedulers.clear()

    def model_names(self):
        with self._lock:
            return list(self._models)

    # -- resolution ------------------------------------------------------------------------------
    def _model(self, name):
        with self._lock:
            return self._models.get(name)

    def resolve(self, name, version=None, label=None):
        """(version, Servable) for a model spec: a version number, a label, or the latest
        available. Raises NotFoundError / InvalidArgumentError with TF Serving's wording."""
        m = self._model(name)
        if label:
            if m is None or label not in m.config.labels:
                raise errors.InvalidArgumentError(None, None, f"Unrecognized servable version label: {label}")
            version = m.config.labels[label]
        if m is not None:
            with m.lock:
                if version is None:
                    if m.servables:
                        v = max(m.servables)
                        return v, m.servables[v]
                elif version in m.servables:
                    return version, m.servables[version]
        what = f"Latest({name})" if version is None else f"Specific({name}, {version})"
        raise errors.NotFoundError(None, None, f"Servable not found for request: {what}")

    def _call(self, name, version, servable, key, sig, feeds):
        """Runs a signature, through the batch scheduler when batching is on; returns
        outputs and records metrics."""
        fut = self._submit(name, version, servable, key, sig, feeds)
        if fut is not None:
            return fut.result()[0]
        t = time.perf_counter()
        out = sig(feeds)
        self.metrics.observe(M.RUNTIME_LATENCY, {"model_name": name}, (time.perf_counter() - t) * 1e6)
        return out

    def _submit(self, name, version, servable, key, sig, feeds):
        """Queues a call on its batch scheduler: a Future of (outputs, queue seconds, compute
        seconds), or None when the call runs directly (batching off, a signature without a
        batch dimension, or a scheduler closed by an unload)."""
        if self.batching is None or not sig.batchable:
            return None
        m = self._model(name)
        sched_key = (version, key)
        with m.lock:
            sched = m.schedulers.get(sched_key)
            if sched is None and servable is m.servables.get(version):
                sched = m.schedulers[sched_key] = BatchScheduler(
                    sig, self.batching, self._batch_observer(name), f"batch-{name}-{version}-{key}")
        if sched is None:
            return None
        try:
            return sched.submit(feeds)
        except errors.UnavailableError:
            if servable is m.servables.get(version):
                raise  # the queue is full
            return None  # scheduler closed by an unload: run directly

    def _batch_observer(self, name):
        labels = {"model_name": name}

        def observe(rows, padded, compute, queue_waits):
            self.metrics.observe(M.BATCH_SIZE, labels, rows)
            self.metrics.observe(M.PADDED_BATCH_SIZE, labels, padded)
            self.metrics.observe(M.RUNTIME_LATENCY, labels, compute * 1e6)
            for w in queue_waits:
                self.metrics.observe(M.QUEUE_LATENCY, labels, w * 1e6)
        return observe

    # -- APIs ---------------------------------------------------------------------------------
    def predict(self, name, inputs, version=None, label=None, signature_name="", output_filter=(), resolved=None):
        """Predict: returns (version, signature key, outputs dict). `inputs` maps input keys
        to ndarrays; they are checked against the signature (names, dtype, shape).
        `resolved` is a (version, servable) pair already resolved by the caller."""
        version, servable, key, sig, feeds = self._prepare_predict(name, inputs, version, label, signature_name,
                                                                   resolved)
        for o in output_filter:
            if o not in sig.outputs:
                raise errors.InvalidArgumentError(
                    None, None, f"output tensor alias not found in signature: {o} Outputs expected to be in the "
                                f"set {{{','.join(sorted(sig.outputs))}}}.")
        out = self._call(name, version, servable, key, sig, feeds)
        if output_filter:
            out = {k: out[k] for k in output_filter}
        return version, key, out

    def submit_predict(self, name, inputs, version=None, label=None, signature_name="", resolved=None):
        """`predict` for callers that must not block (the REST event loop): validates the
        request, then queues it on its batch scheduler. Returns (version, signature key,
        Future of (outputs, queue seconds, compute seconds)), or None when the request does
        not go through a batch scheduler (then call `predict`, on a worker thread)."""
        version, servable, key, sig, feeds = self._prepare_predict(name, inputs, version, label, signature_name,
                                                                   resolved)
        fut = self._submit(name, version, servable, key, sig, feeds)
        return None if fut is None else (version, key, fut)

    def _prepare_predict(self, name, inputs, version, label, signature_name, resolved):
        version, servable = resolved or self.resolve(name, version, label)
        key = signature_name or "serving_default"
        sig = servable.signature(key)
        if sig.method_name not in (PREDICT_METHOD, CLASSIFY_METHOD, REGRESS_METHOD):
            raise errors.InvalidArgumentError(None, None, f"Unsupported signature method_name: {sig.method_name}")
        return version, servable, key, sig, check_inputs(name, sig, inputs)

    def classify(self, name, examples, version=None, label=None, signature_name=""):
        """Classify serialized Examples: returns (version, key, [[(label, score)...] per example])."""
        version, servable = self.resolve(name, version, label)
        key = signature_name or "serving_default"
        sig = servable.signature(key)
        if sig.method_name != CLASSIFY_METHOD:
            raise errors.InvalidArgumentError(None, None, f"Expected classification signature method_name to be "
                                                          f"{CLASSIFY_METHOD}. Was: {sig.method_name}")
        out = self._run_examples(name, version, servable, key, sig, CLASSIFY_INPUTS, examples)
        classes, scores = out.get(CLASSIFY_CLASSES), out.get(CLASSIFY_SCORES)
        if classes is None and scores is None:
            raise errors.InvalidArgumentError(None, None, "Expected classification signature outputs to contain at "
                                                          "least one of classes or scores")
        n = len(examples)
        results = []
        for i in range(n):
            c = None if classes is None else np.reshape(classes[i], -1)
            s = None if scores is None else np.reshape(scores[i], -1).astype(np.float32)
            k = len(c) if c is not None else len(s)
            results.append([(_text(c[j]) if c is not None else "", float(s[j]) if s is not None else 0.0)
                            for j in range(k)])
        return version, key, results

    def regress(self, name, examples, version=None, label=None, signature_name=""):
        """Regress serialized Examples: returns (version, key, [value per example])."""
        version, servable = self.resolve(name, version, label)
        key = signature_name or "serving_default"
        sig = servable.signature(key)
        if sig.method_name != REGRESS_METHOD:
            raise errors.InvalidArgumentError(None, None, f"Expected regression signature method_name to be "
                                                          f"{REGRESS_METHOD}. Was: {sig.method_name}")
        out = self._run_examples(name, version, servable, key, sig, REGRESS_INPUTS, examples)
        if REGRESS_OUTPUTS not in out:
            raise errors.InvalidArgumentError(None, None, "No regression outputs found in signature")
        values = np.asarray(out[REGRESS_OUTPUTS], np.float32)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1 or values.shape[0] != len(examples):
            raise errors.InvalidArgumentError(None, None, f"Expected output Tensor shape to be [{len(examples)}] or "
                                                          f"[{len(examples)}, 1] but got {list(values.shape)}")
        return version, key, [float(v) for v in values]

    def _run_examples(self, name, version, servable, key, sig, input_key, examples):
        if not examples:
            raise errors.InvalidArgumentError(None, None, "Input is empty")
        if input_key not in sig.inputs or len(sig.inputs) != 1:
            raise errors.InvalidArgumentError(None, None, f"Expected one input Tensor named {input_key!r} in the "
                                                          f"signature, got {sorted(sig.inputs)}")
        feeds = {input_key: np.array(list(examples) + [b""], object)[:-1]}
        return self._call(name, version, servable, key, sig, feeds)

    def status(self, name, version=None):
        """[(version, state, OpError or None)] for a model, newest first; NotFoundError with
        TF Serving's wording for an unknown model or version."""
        m = self._model(name)
        with (m.lock if m is not None else threading.Lock()):
            states = dict(m.states) if m is not None else {}
        if not states:
            raise errors.NotFoundError(None, None, f"Could not find any versions of model {name}")
        if version is not None:
            if version not in states:
                raise errors.NotFoundError(None, None, f"Could not find version {version} of model {name}")
            states = {version: states[version]}
        return [(v, s.state, s.error) for v, s in sorted(states.items(), reverse=True)]

    def labels(self, name):
        m = self._model(name)
        return dict(m.config.labels) if m is not None else {}


def check_inputs(model_name, sig, inputs):
    """Validates request inputs against a signature (names, dtypes, shapes) with TF
    Serving's messages; returns the feeds (dtype-cast where lossless)."""
    expected = sig.inputs
    extra = [k for k in inputs if k not in expected]
    if extra:
        if len(extra) == 1 and len(inputs) == len(expected):
            raise errors.InvalidArgumentError(
                None, None, f"input tensor alias not found in signature: {extra[0]}. Inputs expected to be in the "
                            f"set {{{','.join(sorted(expected))}}}.")
    missing = [k for k in expected if k not in inputs]
    if extra or missing:
        raise errors.InvalidArgumentError(
            None, None, f"Request inputs do not match required inputs for model `{model_name}`. "
                        f"Send extra: {{{','.join(sorted(extra))}}}. Missing but required: {{{','.join(sorted(missing))}}}.")
    feeds = {}
    for k, info in expected.items():
        a = inputs[k]
        if info.dtype is D.string:
            if a.dtype != object:
                raise errors.InvalidArgumentError(None, None, f"Expects arg[{k}] to be string but "
                                                              f"{_dtype_name(a)} is provided")
        elif a.dtype != info.dtype.as_numpy_dtype:
            raise errors.InvalidArgumentError(None, None, f"Expects arg[{k}] to be {info.dtype.name} but "
                                                          f"{_dtype_name(a)} is provided")
        if info.shape.rank is not None and not info.shape.is_compatible_with(a.shape):
            raise errors.InvalidArgumentError(
                None, None, f"Input {k!r} has shape {shape_str_of(a)} which is not compatible with the "
                            f"signature's shape {shape_str(info.shape)}")
        feeds[k] = a
    return feeds


def _text(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def shape_str_of(a):
    """Returns the shape of array `a` as a string like "[2,3]"."""
    return "[" + ",".join(str(d) for d in a.shape) + "]"


def _dtype_name(a):
    if a.dtype == object:
        return "string"
    try:
        return D.as_dtype(a.dtype).name
    except Exception:  # noqa: BLE001
        return str(a.dtype)
