"""Fusions of TF grappler's `remapping` pass.

1. Conv2D / MatMul followed by BiasAdd (and optionally Relu or Relu6), where each
   intermediate has no other consumer, becomes one `_FusedConv2D` / `_FusedMatMul` node
   (grappler's names) whose kernel adds the bias and applies the activation in place, chunk
   by chunk while the output is in cache (kernels.nn.bias_activation). Results are bitwise
   identical: the same ufuncs run on the same values. Training graphs qualify too: the
   gradients need only the conv's inputs and the Relu's output, which the fused node gives.

2. A tree of elementwise float ops whose intermediate results have exactly one consumer
(inside the tree) becomes one `_FusedElementwise` node running a generated function:

    def fused(i0, i1, i2):
        t = add(i0, i1)                 # the first op allocates the result buffer
        multiply(t, i2, out=t)          # later ops write into it in place
        return maximum(t, zero, out=t)  # Relu

The same NumPy ufuncs run in the same order on the same dtypes, so results are bitwise
identical; what is saved is one executor step and one allocation per fused op.
Measured (benchmarks/function.py, "elementwise chain" rows): about 1.1x on 1,000 elements and
1.2-1.3x on 10^5-10^6 elements for a 4-op chain; nothing measurable on the tiny MLP step,
where elementwise ops are few.

Only ops whose kernel is the plain ufunc (or Relu / float RealDiv, whose kernels are
maximum-with-zero / true_divide) qualify, with floating dtypes and fully known static
shapes of rank >= 1 (so every result is an ndarray that `out=` can target).
"""

from __future__ import annotations

import numpy as np

from runnel.graph.graph import Operation, SymbolicTensor
from runnel.graph.passes.rewrite import is_pure
from runnel.kernels import conv as conv_kernels
from runnel.kernels import linalg as linalg_kernels
from runnel.kernels import math as math_kernels
from runnel.kernels import nn as nn_kernels

_UFUNCS = {np.add: "add", np.subtract: "subtract", np.multiply: "multiply", np.maximum: "maximum",
           np.minimum: "minimum", np.negative: "negative", np.square: "square", np.exp: "exp",
           np.log: "log", np.tanh: "tanh"}


class FusedOpDef:
    """Stands in for an OpDef in plans: a fused kernel (no gradient: plans only run forward,
    gradients come from the unoptimized traced graph)."""

    single_output = True
    stateful = False
    grad = None
    inputs = outputs = ()
    attrs: dict = {}

    def __init__(self, kernel, source, name="_FusedElementwise"):
        self.kernel = kernel
        self.source = source
        self.name = name

    def __repr__(self):
        return f"<FusedOpDef {self.source!r}>"


def _ufunc_name(op):
    """The NumPy ufunc computing `op`, by name, or None when op cannot be fused."""
    if op.control_inputs or len(op.outputs) != 1 or not is_pure(op):
        return None
    out = op.outputs[0]
    if out.dtype._np is None or out.dtype._np.kind != "f" or not out.shape.is_fully_defined() or out.shape.rank == 0:
        return None
    if any(isinstance(x, list) or x.dtype is not out.dtype for x in op._inputs):
        return None
    kernel = op.opdef.kernel
    name = _UFUNCS.get(kernel) if isinstance(kernel, np.ufunc) else None
    if name is None:
        if op.type == "Relu" and kernel is nn_kernels.relu:
            name = "relu"
        elif op.type == "RealDiv" and kernel is math_kernels.real_div:
            name = "true_divide"
    return name


def run(work) -> int:
    """Runs both fusions; returns how many ops were absorbed into fused nodes."""
    return _fuse_bias_activation(work) + _fuse_elementwise(work)


_CONTRACTIONS = {"Conv2D": ("_FusedConv2D", conv_kernels.conv, conv_kernels.fused_conv2d),
                 "MatMul": ("_FusedMatMul", linalg_kernels.mat_mul, linalg_kernels.fused_mat_mul)}
_ACTIVATIONS = {"Relu": nn_kernels.relu, "Relu6": nn_kernels.relu6}


def _use_maps(work):
    """(uses: id(tensor) -> use count, ops that are control inputs of others,
    consumer: id(tensor) -> an op reading it; the only one when its use count is 1)."""
    controlled = {c for op in work.ops for c in op.control_inputs}
    consumer: dict[int, Operation] = {}
    for op in work.ops:
        for t in op.inputs:
            consumer[id(t)] = op
    return work.consumers(), controlled, consumer


def _fuse_bias_activation(work) -> int:
    uses, controlled, consumer = _use_maps(work)

    def only_consumer(op, type_, kernel):
        out = op.outputs[0]
        c = consumer.get(id(out))
        if (op in controlled or uses.get(id(out)) != 1 or c is None or c.type != type_
                or c.opdef.kernel is not kernel or c.control_inputs or c.inputs[0] is not out):
            return None
        return c

    roots: dict[Operation, tuple] = {}   # last op of a pattern -> (contraction, bias_add, activation)
    for op in work.ops:
        spec = _CONTRACTIONS.get(op.type)
        if spec is None or op.opdef.kernel is not spec[1] or op.control_inputs:
            continue
        out = op.outputs[0]
        if out.dtype._np not in (np.float32, np.float64) or out.shape.rank is None:
            continue
        fmt = op.attrs.get("data_format", "NHWC")   # MatMul has none: its bias runs along the last axis
        bias_add = only_consumer(op, "BiasAdd", nn_kernels.bias_add)
        if bias_add is None or bias_add.attrs.get("data_format", "NHWC") != fmt:
            continue
        channels = out.shape[1 if fmt.startswith("NC") else -1]
        if channels is None or bias_add.inputs[1].shape.as_list() != [channels]:
            continue
        act = next((a for a in (only_consumer(bias_add, t, k) for t, k in _ACTIVATIONS.items()) if a), None)
        roots[act or bias_add] = (op, bias_add, act)
    if not roots:
        return 0
    absorbed = {m for op, bias_add, act in roots.values() for m in (op, bias_add, act) if m is not None}

    def visit(op):
        pattern = roots.get(op)
        if pattern is None:
            return () if op in absorbed else None
        contraction, bias_add, act = pattern
        name, _, kernel = _CONTRACTIONS[contraction.type]
        activation = act.type if act is not None else None
        fused = Operation(work.graph, FusedOpDef(kernel, f"{contraction.type}+BiasAdd+{activation}", name),
                          f"{op.name}/fused", [*contraction.inputs, bias_add.inputs[1]], {},
                          kernel_attrs={**contraction.kernel_attrs, "activation": activation})
        fused.source = contraction.source
        out = op.outputs[0]
        fused.outputs = (SymbolicTensor(fused, 0, out.dtype, out.shape),)
        work.emit(fused)
        return fused.outputs

    work.rewrite(visit)
    return len(absorbed) - len(roots)


def _fuse_elementwise(work) -> int:
    """Fuses elementwise trees; returns how many ops were absorbed into fused nodes."""
    names = {op: _ufunc_name(op) for op in work.ops}
    uses, controlled, consumer = _use_maps(work)
    # An op is absorbed into its only consumer when both are fusible.
    absorbed = set()
    for op in work.ops:
        if names[op] is None or op in controlled:
            continue
        out = op.outputs[0]
        c = consumer.get(id(out))
        if uses.get(id(out)) == 1 and c is not None and names.get(c) is not None:
            absorbed.add(op)
    if not absorbed:
        return 0

    def visit(op):
        if op in absorbed:
            return ()
        if names[op] is None or not any(t.op in absorbed for t in op.inputs):
            return None
        return (_fuse(work, op, names, absorbed),)

    work.rewrite(visit)
    return len(absorbed)


def _fuse(work, root, names, absorbed):
    """A fused op computing `root` and the absorbed ops feeding it; returns its output."""
    members = []

    def collect(op):
        for t in op.inputs:
            if t.op in absorbed:
                collect(t.op)
        members.append(op)

    collect(root)
    env = {name: getattr(np, name) for name in set(names[m] for m in members) if name != "relu"}
    env["maximum"] = np.maximum
    args: dict[int, str] = {}
    arg_tensors = []
    temp: dict[int, str] = {}   # id(member output) -> the variable holding it
    lines = []
    for i, m in enumerate(members):
        refs = []
        target = None
        for t in m.inputs:
            if id(t) in temp:
                refs.append(temp[id(t)])
                if target is None and t.shape.as_list() == m.outputs[0].shape.as_list():
                    target = temp[id(t)]  # a dead intermediate of the same shape: write in place
            else:
                if id(t) not in args:
                    args[id(t)] = f"i{len(arg_tensors)}"
                    arg_tensors.append(t)
                refs.append(args[id(t)])
        name = names[m]
        if name == "relu":
            zero = f"zero{i}"
            env[zero] = np.zeros((), m.outputs[0].dtype._np)
            name, refs = "maximum", refs + [zero]
        call = f"{name}({', '.join(refs)}{', out=' + target if target else ''})"
        var = target or f"t{i}"
        lines.append(f"    {var} = {call}")
        temp[id(m.outputs[0])] = var
    lines[-1] = lines[-1].replace(f"{temp[id(root.outputs[0])]} = ", "return ", 1)
    source = f"def fused({', '.join(args[id(t)] for t in arg_tensors)}):\n" + "\n".join(lines) + "\n"
    exec(compile(source, f"<runnel fused {root.name}>", "exec"), env)  # noqa: S102 - generated here
    op = Operation(work.graph, FusedOpDef(env["fused"], source), f"{root.name}/fused", arg_tensors, {})
    out = root.outputs[0]
    op.outputs = (SymbolicTensor(op, 0, out.dtype, out.shape),)
    work.emit(op)
    return op.outputs[0]
