"""runnel: the TensorFlow 2 platform in Python on NumPy.

    import runnel as tf
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x @ x)
    tape.gradient(y, x)
"""

__version__ = "0.1.0"

import os as _os
import sys as _sys

# OpenBLAS's idle worker threads spin for 2^28 cycles (~0.1 s) after each call before they
# sleep, so between the BLAS calls of a training step (patch copies, elementwise kernels) a
# spinning thread competes with the one doing the work: on the 2-core machine that halved the
# benchmark CNN's training throughput in about half of the runs (see benchmarks/keras_fit.py).
# As TensorFlow's MKL builds default KMP_BLOCKTIME for the same reason, runnel shortens the
# spin to 2^16 cycles when it is imported before NumPy; a value set by the user wins.
if "numpy" not in _sys.modules:
    _os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "16")

# Core layers: importing them registers every op and public name.
from runnel.framework import context, dtypes, errors, module, nest, tensor, variables
from runnel import ops
from runnel import autodiff
from runnel.graph import graph as _graph, gradients as _gradients  # noqa: F401
from runnel import function
from runnel import io  # light: its TFRecord/Example names load on first use
from runnel import train  # light: checkpoint names load on first use
from runnel import _api

_api.build(__import__(__name__))
io.install_train_namespace(__import__(__name__))

# Heavy subpackages load on first use (`tf.keras`, `tf.data` ...), keeping `import runnel` fast.
_LAZY = {"autograph": "runnel.autograph", "data": "runnel.data", "datasets": "runnel.datasets", "keras": "runnel.keras",
         "saved_model": "runnel.saved_model", "summary": "runnel.summary"}
__getattr__ = _api.lazy_getattr(__name__, _LAZY)
