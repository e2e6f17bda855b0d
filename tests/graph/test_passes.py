"""Graph optimizer passes: identical results with each pass on and off (values and
gradients), and what each pass does to the optimized copy of the graph."""

import numpy as np
import pytest

import runnel as tf
from runnel.framework import config, context
from runnel.graph.passes import PASSES, optimize

OPTIONS = sorted({name for name, _ in PASSES} - {"pruning"}) + ["disable_model_pruning"]
ALL_OFF = {"disable_meta_optimizer": True}


@pytest.fixture(autouse=True)
def _restore_options():
    saved = dict(config._state.options)
    yield
    config._state.options.clear()
    config._state.options.update(saved)
    config._state.version += 1


def _off(name):
    return {name: True} if name == "disable_model_pruning" else {name: False}


# -- a set of functions exercising every pass, with arguments ------------------------------------
RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 3)).astype(np.float32)
W = RNG.normal(size=(3, 5)).astype(np.float32)


def arithmetic(x):
    y = tf.identity(x) * 1.0 + 0.0 - tf.zeros_like(x) * 0.0
    y = tf.negative(tf.negative(y)) / 1.0
    y = tf.transpose(tf.transpose(y, [1, 0]), [1, 0])
    y = tf.reshape(tf.reshape(y, [12]), [4, 3])
    y = tf.raw_ops.Cast(x=y, DstT=tf.float32)  # tf.cast itself skips same-dtype casts
    return tf.reduce_sum(tf.exp(y) * y, axis=1)


def constants(x):
    c = tf.constant([1.0, 2.0, 3.0]) * 2.0 + tf.reduce_sum(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    n = tf.cast(tf.size(x), tf.float32)
    return x * c / n + tf.cast(tf.shape(x)[0], tf.float32)


def duplicates(x):
    a = tf.tanh(tf.matmul(x, W))
    b = tf.tanh(tf.matmul(x, W))
    return tf.reduce_mean(a * b) + tf.reduce_mean(tf.square(a - b))


def dead_code(x):
    unused = tf.matmul(x, W) * 3.0  # noqa: F841 - pruned
    return tf.nn.relu(x) + tf.stop_gradient(x) * 0.5


def mlp(x):
    h = tf.nn.relu(tf.matmul(x, W) + tf.ones([5]))
    return tf.reduce_mean(tf.square(tf.matmul(h, tf.transpose(W)) - x))


def elementwise(x):
    return tf.nn.relu((x + 1.0) * x - 0.5) / (tf.square(x) + 1.0) + tf.tanh(x) * tf.exp(-x)


FUNCTIONS = [arithmetic, constants, duplicates, dead_code, mlp, elementwise]


def _values_and_grads(fn, options):
    config._state.options.clear()
    config._state.options.update(options)
    config._state.version += 1
    f = tf.function(fn)
    x = tf.constant(X)
    value = f(x).numpy()
    with tf.GradientTape() as tape:  # gradient of a tf.function call, taken outside
        tape.watch(x)
        y = tf.reduce_sum(f(x))
    outside = tape.gradient(y, x).numpy()

    @tf.function
    def inside(x):  # gradient taken inside the function, as a Keras train step does
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(fn(x))
        return t.gradient(y, x)

    return value, outside, inside(x).numpy()


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("option", OPTIONS + ["disable_meta_optimizer"])
def test_same_results_with_pass_on_and_off(fn, option):
    on = _values_and_grads(fn, {})
    off = _values_and_grads(fn, _off(option) if option != "disable_meta_optimizer" else ALL_OFF)
    for a, b in zip(on, off):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_results_match_eager(fn):
    x = tf.constant(X)
    np.testing.assert_allclose(tf.function(fn)(x).numpy(), fn(x).numpy(), rtol=1e-6)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(fn(x))
    eager_grad = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(_values_and_grads(fn, {})[1], eager_grad, rtol=1e-5, atol=1e-6)


# -- structure --------------------------------------------------------------------------------
def _graph(fn, *args):
    return tf.function(fn).get_concrete_function(*args).graph


def _types(graph, options):
    g, _, _ = optimize(graph, graph.inputs, graph.outputs, options)
    return [op.type for op in g.get_operations()]


def test_optimize_leaves_the_traced_graph_alone():
    f = tf.function(arithmetic)
    cf = f.get_concrete_function(tf.constant(X))
    before = [(op.name, op.type, [t.name for t in op.inputs]) for op in cf.graph.get_operations()]
    f(tf.constant(X))
    after = [(op.name, op.type, [t.name for t in op.inputs]) for op in cf.graph.get_operations()]
    assert before == after
    assert len(cf._plan.graph.get_operations()) < len(cf.graph.get_operations())


def test_arithmetic_removes_neutral_ops():
    g = _graph(arithmetic, tf.constant(X))
    base = {"dependency_optimization": False, "constant_folding": False, "remapping": False}
    off = _types(g, {**base, "arithmetic_optimization": False})
    on = _types(g, base)
    for op_type in ("Neg", "Transpose", "Reshape", "Cast", "RealDiv"):
        assert op_type in off and op_type not in on, op_type
    assert on.count("Mul") < off.count("Mul")


def test_arithmetic_keeps_broadcasting_identities():
    # x + zeros([3, 4]) with x of shape [4] broadcasts: it must not be replaced by x.
    g = _graph(lambda x: x + tf.zeros([3, 4]), tf.constant(np.ones(4, np.float32)))
    assert "AddV2" in _types(g, {"constant_folding": False})
    assert tf.function(lambda x: x + tf.zeros([3, 4]))(tf.ones([4])).shape == (3, 4)


def test_transpose_chain_becomes_one_transpose():
    x = tf.constant(RNG.normal(size=(2, 3, 4)).astype(np.float32))
    fn = lambda x: tf.transpose(tf.transpose(x, [1, 2, 0]), [1, 2, 0])  # noqa: E731
    g = _graph(fn, x)
    assert _types(g, {}).count("Transpose") == 1
    np.testing.assert_array_equal(tf.function(fn)(x).numpy(), np.transpose(x.numpy(), [2, 0, 1]))


def test_constant_folding_removes_the_constant_subgraph():
    g = _graph(constants, tf.constant(X))
    on = _types(g, {"remapping": False})
    off = _types(g, {"constant_folding": False, "remapping": False})
    for op_type in ("Sum", "Shape", "Size", "StridedSlice"):
        assert op_type in off and op_type not in on, op_type
    assert set(on) <= {"Placeholder", "Const", "Mul", "RealDiv", "AddV2"}


def test_constant_folding_skips_stateful_and_large_results():
    from runnel.graph.passes import constant_folding
    g = _graph(lambda: tf.random.uniform([3]) + tf.zeros([3]))
    assert "RandomUniform" in _types(g, {})
    old = constant_folding.MAX_CONSTANT_BYTES
    constant_folding.MAX_CONSTANT_BYTES = 16
    try:
        assert "Fill" in _types(_graph(lambda: tf.fill([8], 1.0)), {})
        assert "Fill" not in _types(_graph(lambda: tf.fill([2], 1.0)), {})
    finally:
        constant_folding.MAX_CONSTANT_BYTES = old


def test_constant_folding_leaves_runtime_errors_at_run_time():
    f = tf.function(lambda: tf.math.floordiv(tf.constant([1]), tf.constant([0])))
    g = f.get_concrete_function().graph
    assert "FloorDiv" in _types(g, {})
    with pytest.raises(tf.errors.InvalidArgumentError):
        f()


def test_cse_merges_duplicates():
    g = _graph(duplicates, tf.constant(X))
    on = _types(g, {})
    off = _types(g, {"common_subgraph_elimination": False})
    assert on.count("MatMul") == 1 and off.count("MatMul") == 2
    assert on.count("Tanh") == 1 and len(on) < len(off)


def test_cse_keeps_stateful_ops_apart():
    fn = lambda: tf.random.uniform([1000]) - tf.random.uniform([1000])  # noqa: E731
    assert _types(_graph(fn), {}).count("RandomUniform") == 2
    assert np.any(tf.function(fn)().numpy() != 0)


def test_pruning_removes_dead_ops_and_keeps_stateful_ones():
    v = tf.Variable(1.0)

    def fn(x):
        unused = tf.matmul(x, W)  # noqa: F841
        v.assign_add(2.0)  # its result is unused: kept, it is stateful
        return x * 2.0

    g = _graph(fn, tf.constant(X))
    on = _types(g, {})
    off = _types(g, {"disable_model_pruning": True, "constant_folding": False})
    assert "MatMul" in off and "MatMul" not in on
    assert "AssignAddVariableOp" in on
    f = tf.function(fn)
    f(tf.constant(X))
    f(tf.constant(X))
    assert v.numpy() == 5.0


def test_dependency_optimization_bypasses_identities_but_not_control_deps():
    v = tf.Variable(1.0)

    def fn(x):
        a = tf.identity(tf.identity(x))
        v.assign(3.0)
        assign = context.state.graph.get_operations()[-1]  # runnel's assign returns the variable
        with context.state.graph.control_dependencies([assign]):  # tf.control_dependencies: not in runnel yet
            b = tf.identity(a)
        return b + tf.stop_gradient(a)

    g = _graph(fn, tf.constant(2.0))
    on = _types(g, {})
    assert on.count("Identity") == 1 and "StopGradient" not in on
    assert _types(g, {"dependency_optimization": False}).count("Identity") == 3
    assert tf.function(fn)(tf.constant(2.0)).numpy() == 4.0 and v.numpy() == 3.0


def test_fusion_is_bitwise_identical_and_leaves_inputs_alone():
    x = tf.constant(RNG.normal(size=(64, 33)).astype(np.float32))
    before = x.numpy().copy()
    g = _graph(elementwise, x)
    on = _types(g, {})
    assert on.count("_FusedElementwise") == 1 and "Mul" not in on and "Relu" not in on
    fused = tf.function(elementwise)(x).numpy()
    tf.config.optimizer.set_experimental_options({"remapping": False})
    np.testing.assert_array_equal(fused, tf.function(elementwise)(x).numpy())
    np.testing.assert_array_equal(x.numpy(), before)


def test_fusion_keeps_shared_and_returned_intermediates():
    def fn(x):
        a = x * 2.0          # used twice: stays a node of its own
        b = tf.exp(a) + a
        c = b * 3.0          # returned: stays
        return c, c - 1.0

    x = tf.constant(RNG.normal(size=(5,)).astype(np.float32))
    on = _types(_graph(fn, x), {})
    # exp(a) + a and (..) * 3 fuse into one node computing c; a and c - 1 stay.
    assert on.count("Mul") == 1 and on.count("_FusedElementwise") == 1 and "Exp" not in on and "Sub" in on
    got = tf.function(fn)(x)
    want = fn(x)
    for g_, w in zip(got, want):
        np.testing.assert_array_equal(g_.numpy(), w.numpy())


def test_fusion_skips_integers_and_unknown_shapes():
    ints = _graph(lambda x: (x + 1) * x - 2, tf.constant([1, 2, 3]))
    assert "_FusedElementwise" not in _types(ints, {})
    unknown = tf.function(lambda x: tf.exp(x) * x).get_concrete_function(tf.TensorSpec([None])).graph
    assert "_FusedElementwise" not in _types(unknown, {})


def _conv_block(x, w, b, data_format="NHWC", act=tf.nn.relu):
    y = tf.nn.bias_add(tf.nn.conv2d(x, w, 1, "SAME", data_format=data_format), b, data_format=data_format)
    return act(y) if act else y


@pytest.mark.parametrize("data_format,act,left", [("NHWC", tf.nn.relu, []), ("NCHW", tf.nn.relu6, []),
                                                  ("NHWC", None, []), ("NHWC", tf.nn.elu, ["Elu"])])
def test_conv_bias_activation_fuse_bitwise(data_format, act, left):
    shape = (3, 9, 9, 4) if data_format == "NHWC" else (3, 4, 9, 9)
    x = tf.constant(RNG.normal(size=shape).astype(np.float32))
    w = tf.constant(RNG.normal(size=(3, 3, 4, 6)).astype(np.float32))
    b = tf.constant(RNG.normal(size=(6,)).astype(np.float32))
    fn = lambda x, w, b: _conv_block(x, w, b, data_format, act)  # noqa: E731
    on = _types(_graph(fn, x, w, b), {})
    assert [t for t in on if t != "Placeholder"] == ["_FusedConv2D"] + left   # Elu is not fused
    got = tf.function(fn)(x, w, b).numpy()
    np.testing.assert_array_equal(got, fn(x, w, b).numpy())   # eager: the unfused kernels


def test_matmul_bias_relu_fuse_and_train_identically():
    w = tf.Variable(RNG.normal(size=(3, 5)).astype(np.float32))
    b = tf.Variable(RNG.normal(size=(5,)).astype(np.float32))
    x = tf.constant(X)

    def step(x):
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), b))
            loss = tf.reduce_sum(h * h)
        return [h, *tape.gradient(loss, [w, b])]

    on = _types(_graph(step, x), {})
    assert on.count("_FusedMatMul") == 1 and "BiasAdd" not in on
    fused = [t.numpy() for t in tf.function(step)(x)]
    tf.config.optimizer.set_experimental_options({"remapping": False})
    for got, want in zip(fused, tf.function(step)(x)):
        np.testing.assert_array_equal(got, want.numpy())


def test_conv_fusion_keeps_shared_outputs_and_half_precision():
    x = tf.constant(RNG.normal(size=(2, 5, 5, 3)).astype(np.float32))
    w = tf.constant(RNG.normal(size=(3, 3, 3, 4)).astype(np.float32))
    b = tf.constant(RNG.normal(size=(4,)).astype(np.float32))

    def shared(x):
        y = tf.nn.conv2d(x, w, 1, "SAME")
        return tf.nn.bias_add(y, b), y * 2.0      # the conv output has a second consumer

    assert "_FusedConv2D" not in _types(_graph(shared, x), {})
    half = lambda x: _conv_block(x, tf.cast(w, tf.float16), tf.cast(b, tf.float16))  # noqa: E731
    assert "_FusedConv2D" not in _types(_graph(half, tf.cast(x, tf.float16)), {})


def test_meta_optimizer_off_runs_the_traced_graph():
    g = _graph(arithmetic, tf.constant(X))
    assert len(_types(g, ALL_OFF)) == len(g.get_operations())


# -- options ------------------------------------------------------------------------------------------
def test_experimental_options_round_trip():
    assert tf.config.optimizer.get_experimental_options() == {"disable_model_pruning": False,
                                                               "disable_meta_optimizer": False}
    tf.config.optimizer.set_experimental_options({"constant_folding": False, "remapping": True})
    tf.config.optimizer.set_experimental_options({"arithmetic_optimization": False, "no_such_option": True})
    assert tf.config.optimizer.get_experimental_options() == {
        "constant_folding": False, "remapping": True, "arithmetic_optimization": False,
        "disable_model_pruning": False, "disable_meta_optimizer": False}
    assert not config.pass_enabled("constant_folding") and config.pass_enabled("common_subgraph_elimination")


def test_changing_options_rebuilds_plans():
    f = tf.function(constants)
    x = tf.constant(X)
    f(x)
    cf = f.get_concrete_function(x)
    folded = [op.type for op in cf._plan.graph.get_operations()]
    tf.config.optimizer.set_experimental_options({"constant_folding": False})
    np.testing.assert_allclose(f(x).numpy(), constants(x).numpy(), rtol=1e-6)
    assert "Shape" not in folded and "Shape" in [op.type for op in cf._plan.graph.get_operations()]


def test_jit_setting():
    assert tf.config.optimizer.get_jit() is False
    tf.config.optimizer.set_jit(True)
    try:
        assert tf.config.optimizer.get_jit() is True
    finally:
        tf.config.optimizer.set_jit(False)
