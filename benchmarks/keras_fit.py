"""Keras fit throughput: the MLP 784-512-256-10 (relu, softmax, sparse categorical
crossentropy, batch 128, Adam) trained with `model.fit`, against a hand-written NumPy loop
doing the same forward, backward and Adam update in the same run (and TensorFlow's Keras
when it is installed). Also `model.predict` on one small batch vs. a direct `model(x)`, and
the small CNN (Conv2D 32 3x3, Conv2D 64 3x3, MaxPool 2, Dense 128, Dense 10 on 28x28x1,
batch 128, Adam; target >= 1,000 samples/s on 2 cores).

    python benchmarks/keras_fit.py [--steps 100] [--cnn-steps 20] [--only mlp|cnn]

Prints samples/s (median of epochs) and the ratios. Uses `tf.keras.optimizers.Adam` when
it exists, else a local Adam written with public runnel ops (same update rule).

OPENBLAS_THREAD_TIMEOUT defaults to 16 here, as `import runnel` sets it when it comes before
NumPy (see runnel/__init__.py): with OpenBLAS's default (28) the idle BLAS thread spins between
calls and the CNN ran at 600-700 samples/s instead of ~1,050 in about half the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "16")  # before NumPy loads OpenBLAS

import numpy as np  # noqa: E402

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.dirname(__file__)))

import runnel as tf  # noqa: E402

BATCH = 128


def adam():
    return tf.keras.optimizers.Adam(1e-3)


def data(steps):
    rng = np.random.default_rng(0)
    x = rng.random((steps * BATCH, 784), dtype=np.float32)
    y = rng.integers(0, 10, steps * BATCH)
    return x, y


def keras_model(mod, x, y, optimizer):
    keras = mod.keras
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(x[:2 * BATCH], y[:2 * BATCH], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)  # trace
    return model


def keras_epoch(model, x, y):
    t = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    return len(x) / (time.perf_counter() - t)


class NumpyMLP:
    """The same MLP, forward + backward + Adam, written directly in NumPy (the floor)."""

    def __init__(self):
        rng = np.random.default_rng(1)
        sizes = [784, 512, 256, 10]
        self.params = []
        for i, o in zip(sizes[:-1], sizes[1:]):
            lim = np.sqrt(6 / (i + o))
            self.params += [rng.uniform(-lim, lim, (i, o)).astype(np.float32), np.zeros(o, np.float32)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def epoch(self, x, y):
        start = time.perf_counter()
        params, m, v = self.params, self.m, self.v
        for s in range(0, len(x), BATCH):
            xb, yb = x[s:s + BATCH], y[s:s + BATCH]
            w1, b1, w2, b2, w3, b3 = params
            h1 = np.maximum(xb @ w1 + b1, 0)
            h2 = np.maximum(h1 @ w2 + b2, 0)
            z = h2 @ w3 + b3
            z = z - z.max(1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(1, keepdims=True)
            dz = p
            dz[np.arange(len(yb)), yb] -= 1
            dz /= len(yb)
            g3, gb3 = h2.T @ dz, dz.sum(0)
            d2 = (dz @ w3.T) * (h2 > 0)
            g2, gb2 = h1.T @ d2, d2.sum(0)
            d1 = (d2 @ w2.T) * (h1 > 0)
            g1, gb1 = xb.T @ d1, d1.sum(0)
            self.t += 1
            lr = 1e-3 * np.sqrt(1 - 0.999 ** self.t) / (1 - 0.9 ** self.t)
            for i, g in enumerate((g1, gb1, g2, gb2, g3, gb3)):
                m[i] += (g - m[i]) * 0.1
                v[i] += (g * g - v[i]) * 0.001
                params[i] -= lr * m[i] / (np.sqrt(v[i]) + 1e-7)
        return len(x) / (time.perf_counter() - start)


def predict_overhead(model, repeat=200):
    x = np.random.default_rng(2).random((8, 784), dtype=np.float32)
    xt = tf.constant(x)
    model.predict(x, verbose=0)
    model(xt)

    def med(fn):
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1e6

    return med(lambda: model.predict(x, verbose=0)), med(lambda: model(xt))


def cnn_model(mod, x, y):
    keras = mod.keras
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
    h = keras.layers.Conv2D(64, 3, activation="relu")(h)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(128, activation="relu")(h)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))
    model.compile(optimizer=mod.keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    model.fit(x[:2 * BATCH], y[:2 * BATCH], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)  # trace
    return model


def cnn(steps, epochs):
    rng = np.random.default_rng(0)
    x = rng.random((steps * BATCH, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, steps * BATCH)
    model = cnn_model(tf, x, y)
    rate = statistics.median(keras_epoch(model, x, y) for _ in range(epochs))
    print(f"CNN Conv32-Conv64-MaxPool-Dense128-Dense10, batch {BATCH}, Adam, {steps} steps/epoch "
          f"(median of {epochs} epochs)")
    print(f"  runnel keras fit       {rate:10.0f} samples/s   target >= 1,000")
    try:
        import tensorflow as real_tf
        tf_model = cnn_model(real_tf, x, y)
        r_tf = statistics.median(keras_epoch(tf_model, x, y) for _ in range(epochs))
        print(f"  TensorFlow keras fit   {r_tf:10.0f} samples/s   runnel/TF = {rate / r_tf:.2f}")
    except ImportError:
        print("  TensorFlow not installed: no TF ratio")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100, help="steps per epoch")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--cnn-steps", type=int, default=20, help="CNN steps per epoch")
    ap.add_argument("--only", choices=("mlp", "cnn"), default=None)
    args = ap.parse_args()
    if args.only != "mlp":
        cnn(args.cnn_steps, args.epochs)
    if args.only == "cnn":
        return
    x, y = data(args.steps)
    model = keras_model(tf, x, y, adam())
    floor = NumpyMLP()
    floor.epoch(x[:2 * BATCH], y[:2 * BATCH])
    keras_rates, numpy_rates = [], []
    for _ in range(args.epochs):   # interleaved, so both see the same machine load
        keras_rates.append(keras_epoch(model, x, y))
        numpy_rates.append(floor.epoch(x, y))
    r_keras, r_numpy = statistics.median(keras_rates), statistics.median(numpy_rates)
    print(f"MLP 784-512-256-10, batch {BATCH}, Adam, {args.steps} steps/epoch (median of {args.epochs} epochs)")
    print(f"  runnel keras fit       {r_keras:10.0f} samples/s")
    print(f"  hand-written NumPy     {r_numpy:10.0f} samples/s   runnel/NumPy = {r_keras / r_numpy:.2f}")
    try:
        import tensorflow as real_tf
        tf_model = keras_model(real_tf, x, y, real_tf.keras.optimizers.Adam(1e-3))
        r_tf = statistics.median(keras_epoch(tf_model, x, y) for _ in range(args.epochs))
        print(f"  TensorFlow keras fit   {r_tf:10.0f} samples/s   runnel/TF = {r_keras / r_tf:.2f}")
    except ImportError:
        print("  TensorFlow not installed: no TF ratio")
    p_us, call_us = predict_overhead(model)
    print(f"predict on one batch of 8: {p_us:.0f} us; model(x): {call_us:.0f} us; ratio {p_us / call_us:.2f}")


if __name__ == "__main__":
    main()
