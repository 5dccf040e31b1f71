"""NumPy arrays and scalars wherever ``nn`` takes numbers (NumPy stays a test-only dependency)."""

import math

import pytest

from autograd import Value
from nn import MLP, SGD, Layer, Neuron, accuracy, datasets, evaluate, fit, losses
from nn.arrays import as_sequence

np = pytest.importorskip("numpy")

DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32, np.uint8]


@pytest.mark.parametrize("dtype", DTYPES)
def test_modules_take_1d_arrays(dtype):
    x = np.array([1, 2], dtype=dtype)
    plain = [float(v) for v in x]  # the same numbers as Python floats
    model = MLP(2, [3, 2], seed=0)
    assert [o.data for o in model(x)] == [o.data for o in model(plain)]
    layer = Layer(2, 3, seed=1)
    assert [o.data for o in layer(x)] == [o.data for o in layer(plain)]
    neuron = Neuron(2, activation="tanh", seed=2)
    assert neuron(x).data == neuron(plain).data
    # and a list of NumPy scalars
    assert neuron(list(x)).data == neuron(plain).data


def test_modules_check_array_shapes():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="MLP expects 2 inputs, got 3"):
        model(np.zeros(3))
    with pytest.raises(TypeError, match="MLP expects a list"):
        model(np.float64(1.0))
    with pytest.raises(TypeError, match="bool"):
        model(np.array([True, False]))


def test_losses_take_array_targets_and_numpy_scalars():
    p = [Value(1.0), Value(3.0)]
    assert losses.mse(p, np.array([0.0, 1.0], dtype=np.float32)).data == 2.5  # (1 + 4) / 2
    assert losses.mse(p, [np.float32(0.0), np.int64(1)]).data == 2.5
    assert losses.l1(p, np.array([0, 1])).data == 1.5
    assert losses.smooth_l1(p, np.array([0.5, 1.0]), beta=np.float64(1.0)).data == pytest.approx(
        (0.5 * 0.25 + 1.5) / 2)
    assert losses.hinge([Value(0.5), Value(-2.0)], np.array([1, -1])).data == 0.25
    assert losses.hinge([Value(0.5)], [np.float32(-1.0)]).data == 1.5
    logits = [[Value(2.0), Value(2.0)], [Value(0.0), Value(0.0)]]
    ce = losses.cross_entropy(logits, [np.int64(1), np.int32(0)])
    assert ce.data == pytest.approx(math.log(2), rel=1e-15)
    assert losses.cross_entropy(logits, np.array([1, 0], dtype=np.int64)).data == ce.data
    bce = losses.binary_cross_entropy_with_logits([Value(0.0)], np.array([1.0], np.float32))
    assert bce.data == pytest.approx(math.log(2), rel=1e-15)
    # arrays of predictions (constants) and of rows
    assert losses.mse(np.array([[1.0, 3.0]]), np.array([[0.0, 1.0]])).data == 2.5
    assert losses.cross_entropy(np.array([[2.0, 2.0]]), np.array([0])).data == pytest.approx(
        math.log(2), rel=1e-15)


def test_gradients_flow_the_same_with_array_targets():
    p = [Value(0.3), Value(-1.2)]
    q = [Value(0.3), Value(-1.2)]
    losses.binary_cross_entropy_with_logits(p, np.array([1, 0], dtype=np.int8)).backward()
    losses.binary_cross_entropy_with_logits(q, [1.0, 0.0]).backward()
    assert [v.grad for v in p] == [v.grad for v in q]


def test_float_and_bool_class_indices_are_refused_like_torch():
    logits = [[Value(0.0), Value(1.0)]]
    with pytest.raises(ValueError, match=r"class index in 0\.\.1, got np\.float64\(1\.0\)"):
        losses.cross_entropy(logits, [np.float64(1.0)])
    with pytest.raises(ValueError, match="class index"):
        losses.cross_entropy(logits, np.array([True]))
    with pytest.raises(ValueError, match="class index"):
        losses.cross_entropy(logits, [np.int64(2)])
    with pytest.raises(TypeError, match="got bool"):
        losses.binary_cross_entropy_with_logits([Value(0.0)], np.array([True]))
    with pytest.raises(ValueError, match="must be -1 or \\+1"):
        losses.hinge([Value(0.0)], [np.bool_(True)])
    with pytest.raises(TypeError, match="must be a real number"):
        losses.mse([Value(0.0)], np.array([False]))


def test_accuracy_takes_arrays():
    assert accuracy(np.array([0.3, -1.2, 2.0]), np.array([1, 0, 0])) == 2 / 3
    assert accuracy(np.array([[0.1, 0.9], [2.0, -1.0]]), np.array([1, 1], dtype=np.int64)) == 0.5
    with pytest.raises(TypeError, match="label 0 must be a number or a non-empty row of numbers, got bool"):
        accuracy([0.5], np.array([True]))


def test_fit_on_arrays_equals_fit_on_the_same_numbers_as_lists():
    X, y = datasets.moons(n=30, noise=0.1, seed=2)
    X32 = np.array(X, dtype=np.float32)
    y64 = np.array(y, dtype=np.int64)
    X_val, y_val = X32[:8], y64[:8]
    as_lists = [[float(v) for v in row] for row in X32]  # float32 values, exactly, as floats

    def run(X, y, val):
        model = MLP(2, [6, 1], seed=0)
        history = fit(model, X, y, loss=losses.binary_cross_entropy_with_logits,
                      optimizer=SGD(model.parameters(), lr=0.3), epochs=3, batch_size=7,
                      seed=1, validation_data=val, progress=False)
        return history, model.state_dict()

    from_arrays = run(X32, y64, (X_val, y_val))
    from_lists = run(as_lists, y, (as_lists[:8], y[:8]))
    assert from_arrays == from_lists
    assert {"accuracy", "val_accuracy"} <= set(from_arrays[0][0])


def test_fit_with_class_indices_as_int64_and_float32_regression_targets():
    X, y = datasets.spirals(n=12, classes=3, seed=0)
    model = MLP(2, [4, 3], seed=0)
    history = fit(model, np.array(X), np.array(y, dtype=np.int64), loss=losses.cross_entropy,
                  optimizer=SGD(model.parameters(), lr=0.1), epochs=2, progress=False)
    assert "accuracy" in history[-1]
    model = MLP(2, [4, 1], seed=0)
    targets = np.array([a * b for a, b in X], dtype=np.float32)
    history = fit(model, np.array(X), targets, loss=losses.mse,
                  optimizer=SGD(model.parameters(), lr=0.1), epochs=2, progress=False)
    assert "accuracy" not in history[-1]
    assert evaluate(model, np.array(X), targets, loss=losses.mse)["loss"] == pytest.approx(
        sum((model(x).data - float(t)) ** 2 for x, t in zip(X, targets, strict=True)) / 12,
        rel=1e-12)


def test_fit_refuses_nan_in_an_array_naming_row_and_column():
    X, y = datasets.moons(n=10, seed=0)
    X = np.array(X)
    X[4, 1] = np.nan
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"X\[4\]\[1\] \(row 4, column 1\) is not finite \(nan\); "
                       "inputs and labels must be finite"):
        fit(model, X, np.array(y), loss=losses.mse, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=1, progress=False)
    with pytest.raises(TypeError, match=r"y\[0\] must be a real number, got bool"):
        fit(model, np.zeros((3, 2)), np.array([True, False, True]), loss=losses.mse,
            optimizer=SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    assert model.state_dict() == before


def test_objects_offering_only_array_protocol_are_sequences():
    class OnlyArray:
        """Has ``__array__`` but no ``tolist`` (as some array libraries' objects)."""

        def __init__(self, data):
            self.data = data

        def __array__(self, dtype=None, copy=None):
            return np.asarray(self.data, dtype=dtype)

    assert as_sequence(OnlyArray([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]
    assert as_sequence(OnlyArray(5.0)) is None  # a 0-d array is one number, not a sequence
    model = Neuron(2, seed=0)
    assert model(OnlyArray([1.0, 2.0])).data == model([1.0, 2.0]).data
