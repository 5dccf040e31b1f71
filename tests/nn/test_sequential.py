"""``Sequential``, ``Linear`` and the activation modules: PyTorch's names and meaning.

Expected numbers are worked out by hand or from ``math``; the comparison with PyTorch itself is
in test_export_torch.py.
"""

import math
import random

import pytest

from autograd import Value
from nn import MLP, SGD, Linear, Module, ReLU, Sequential, Sigmoid, Softmax, Tanh, fit, losses


def _set(linear, weight, bias=None):
    for row, values in zip(linear.weight, weight, strict=True):
        for w, x in zip(row, values, strict=True):
            w.data = x
    if bias is not None:
        for b, x in zip(linear.bias, bias, strict=True):
            b.data = x


# -- Linear --------------------------------------------------------------------------------------


def test_linear_is_weight_rows_times_inputs_plus_bias():
    lin = Linear(3, 2, seed=0)
    _set(lin, [[1.0, -2.0, 0.5], [0.25, 0.0, 3.0]], [0.1, -1.0])
    x = [Value(2.0), Value(1.0), Value(-4.0)]
    y = lin(x)
    assert [v.data for v in y] == [2.0 - 2.0 - 2.0 + 0.1, 0.5 - 12.0 - 1.0]
    (y[0] + 2 * y[1]).backward()
    # d(y0 + 2 y1)/dW[j][i] = (1, 2)[j] * x_i; d/db_j = (1, 2)[j]; d/dx_i = W[0][i] + 2 W[1][i]
    assert [[w.grad for w in row] for row in lin.weight] == [[2.0, 1.0, -4.0], [4.0, 2.0, -8.0]]
    assert [b.grad for b in lin.bias] == [1.0, 2.0]
    assert [v.grad for v in x] == [1.5, -2.0, 6.5]
    assert all(v.op == "dot" for v in y)  # one node per output, as a neuron's weighted sum


def test_linear_without_bias():
    lin = Linear(2, 2, bias=False, seed=0)
    _set(lin, [[1.0, 2.0], [3.0, 4.0]])
    assert lin.bias is None
    assert [v.data for v in lin([1.0, -1.0])] == [-1.0, -1.0]
    assert [n for n, _ in lin.named_parameters()] == ["weight.0.0", "weight.0.1", "weight.1.0",
                                                      "weight.1.1"]
    assert repr(lin) == "Linear(in_features=2, out_features=2, bias=False)"


def test_linear_names_follow_pytorch_s_weight_layout():
    lin = Linear(2, 3, seed=0)
    assert (lin.in_features, lin.out_features, lin.nin, lin.nout) == (2, 3, 2, 3)
    names = [n for n, _ in lin.named_parameters()]
    assert names == [f"weight.{j}.{i}" for j in range(3) for i in range(2)] + [
        f"bias.{j}" for j in range(3)]
    assert [p.label for p in lin.parameters()] == names
    assert repr(lin) == "Linear(in_features=2, out_features=3, bias=True)"


def test_linear_init_is_pytorch_s_default_range_and_seeded():
    lin = Linear(16, 64, seed=3)
    values = [p.data for p in lin.parameters()]
    bound = 1 / math.sqrt(16)  # U(-1/sqrt(nin), 1/sqrt(nin)) for weights and biases
    assert all(-bound <= v <= bound for v in values)
    assert max(values) > 0.95 * bound and min(values) < -0.95 * bound
    assert max(abs(b.data) for b in lin.bias) > 0.5 * bound  # biases are drawn too
    assert Linear(16, 64, seed=3).state_dict() == lin.state_dict()
    assert Linear(16, 64, seed=4).state_dict() != lin.state_dict()


def test_replacing_linear_weights_reaches_the_forward_pass():
    lin = Linear(2, 1, seed=0)
    lin.weight = ((Value(2.0), Value(3.0)),)
    lin.bias = (Value(1.0),)
    assert lin([1.0, 1.0])[0].data == 6.0
    lin.bias = None
    assert lin([1.0, 1.0])[0].data == 5.0


def test_replacing_linear_weights_with_the_wrong_shape_or_numbers_is_refused_unchanged():
    lin = Linear(2, 2, seed=0)
    _set(lin, [[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5])
    weight, bias = lin.weight, lin.bias

    def unchanged():
        assert lin.weight is weight and lin.bias is bias
        # the forward pass still reads these weights: 1 + 2 + 0.5 and 3 + 4 - 0.5
        assert [v.data for v in lin([1.0, 1.0])] == [3.5, 6.5]
        assert list(lin.state_dict().values()) == [1.0, 2.0, 3.0, 4.0, 0.5, -0.5]

    three_rows = tuple((Value(1.0), Value(1.0)) for _ in range(3))
    with pytest.raises(ValueError, match=r"Linear: weight must hold 2 rows \(out_features\) "
                                         r"of 2 Values \(in_features\); got 3 rows"):
        lin.weight = three_rows
    unchanged()
    with pytest.raises(ValueError, match=r"Linear: weight\[1\] must hold 2 Values "
                                         r"\(in_features\); got 3"):
        lin.weight = ((Value(1.0), Value(1.0)), (Value(1.0), Value(1.0), Value(1.0)))
    unchanged()
    with pytest.raises(TypeError, match=r"Linear: weight\[0\]\[1\] must be a Value \(a "
                                        r"parameter\), got float; to set a number, assign "
                                        r"to a parameter's \.data"):
        lin.weight = [[Value(0.1), 0.2], [Value(0.3), Value(0.4)]]
    unchanged()
    with pytest.raises(ValueError, match=r"Linear: bias must hold 2 Values \(out_features\) "
                                         r"or be None; got 1"):
        lin.bias = (Value(1.0),)
    unchanged()
    with pytest.raises(TypeError, match=r"Linear: bias must hold 2 Values \(out_features\) "
                                        r"or be None; got float"):
        lin.bias = 0.0
    unchanged()
    lin.weight = [[Value(1.0), Value(0.0)], [Value(0.0), Value(1.0)]]  # lists are read too
    assert isinstance(lin.weight, tuple) and all(isinstance(r, tuple) for r in lin.weight)
    assert [v.data for v in lin([2.0, 3.0])] == [2.5, 2.5]


def test_linear_checks_its_arguments():
    with pytest.raises(ValueError, match="Linear: nin must be a positive int, got 0"):
        Linear(0, 2)
    with pytest.raises(TypeError, match="Linear: nout must be a positive int"):
        Linear(2, 2.0)
    with pytest.raises(TypeError, match="bias must be True or False, got int"):
        Linear(2, 2, bias=1)
    with pytest.raises(TypeError, match="seed"):
        Linear(2, 2, seed="0")
    with pytest.raises(ValueError, match="Linear expects 2 inputs, got 3"):
        Linear(2, 2, seed=0)([1.0, 2.0, 3.0])


# -- activation modules ----------------------------------------------------------------------------


@pytest.mark.parametrize(("module", "fn", "text"), [
    (ReLU(), lambda z: max(z, 0.0), "ReLU()"),
    (Tanh(), math.tanh, "Tanh()"),
    (Sigmoid(), lambda z: 1 / (1 + math.exp(-z)), "Sigmoid()"),
])
def test_activation_modules_map_each_item(module, fn, text):
    xs = [-1.5, 0.0, 0.25, 3.0]
    assert [v.data for v in module(xs)] == pytest.approx([fn(x) for x in xs], abs=1e-15)
    assert [v.data for v in module(tuple(Value(x) for x in xs))] == [v.data for v in module(xs)]
    one = module(Value(0.5))
    assert isinstance(one, Value) and one.data == pytest.approx(fn(0.5), abs=1e-15)
    assert repr(module) == text and module.parameters() == []
    with pytest.raises(TypeError, match="expects a list of numbers or Values"):
        module("abc")


def test_softmax_module_gives_probabilities_over_the_list():
    xs = [0.0, math.log(3.0), math.log(4.0)]
    assert [p.data for p in Softmax()(xs)] == pytest.approx([1 / 8, 3 / 8, 4 / 8], abs=1e-15)
    assert repr(Softmax()) == repr(Softmax(dim=-1)) == "Softmax(dim=-1)"
    with pytest.raises(ValueError, match="dim must be -1, got 1.*over that list"):
        Softmax(dim=1)
    with pytest.raises(TypeError, match="Softmax expects a list"):
        Softmax()(Value(1.0))


def test_activation_modules_read_arrays():
    np = pytest.importorskip("numpy")
    assert [v.data for v in ReLU()(np.array([-1.0, 2.0]))] == [0.0, 2.0]
    assert len(Softmax()(np.array([1, 2, 3]))) == 3


# -- Sequential ----------------------------------------------------------------------------------


def test_sequential_calls_its_modules_in_order():
    calls = []

    class Tag(Module):
        def __init__(self, tag):
            self.tag = tag

        def forward(self, x):
            calls.append(self.tag)
            return [v + self.tag for v in x]

    net = Sequential(Tag(1.0), Tag(10.0), Tag(100.0))
    assert net([0.0, 1.0]) == [111.0, 112.0]
    assert calls == [1.0, 10.0, 100.0]
    assert Sequential()([1.0, 2.0]) == [1.0, 2.0]  # empty: the input as it is


def test_sequential_computes_what_the_same_mlp_computes():
    net = Sequential(Linear(3, 4, seed=0), Tanh(), Linear(4, 2, seed=1))
    model = MLP(3, [4, 2], activation="tanh", seed=2)
    for linear, layer in zip((net[0], net[2]), model.layers, strict=True):
        for row, b, neuron in zip(linear.weight, linear.bias, layer.neurons, strict=True):
            for w, theirs in zip(row, neuron.w, strict=True):
                theirs.data = w.data
            neuron.b.data = b.data
    x = [0.5, -1.0, 2.0]
    ours, theirs = net(x), model(x)
    assert [v.data for v in ours] == [v.data for v in theirs]
    (ours[0] - 3 * ours[1]).backward()
    (theirs[0] - 3 * theirs[1]).backward()
    for linear, layer in zip((net[0], net[2]), model.layers, strict=True):
        assert [[w.grad for w in row] for row in linear.weight] == [
            [w.grad for w in n.w] for n in layer.neurons]
        assert [b.grad for b in linear.bias] == [n.b.grad for n in layer.neurons]


def test_sequential_names_are_pytorch_s_and_labels_follow():
    net = Sequential(Linear(2, 3, seed=0), ReLU(), Sequential(Linear(3, 1, seed=1), Sigmoid()))
    names = [n for n, _ in net.named_parameters()]
    assert names[:2] == ["0.weight.0.0", "0.weight.0.1"]
    assert names[6:9] == ["0.bias.0", "0.bias.1", "0.bias.2"]
    assert names[-4:] == ["2.0.weight.0.0", "2.0.weight.0.1", "2.0.weight.0.2", "2.0.bias.0"]
    assert [p.label for p in net.parameters()] == names
    assert net[2][0].bias[0].label == "2.0.bias.0"


def test_sequential_indexes_slices_iterates_and_prints_like_pytorch():
    a, r, b = Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1)
    net = Sequential(a, r, b)
    assert len(net) == 3 and list(net) == [a, r, b]
    assert net[0] is a and net[-1] is b
    head = net[:2]
    assert isinstance(head, Sequential) and list(head) == [a, r]
    assert a.weight[0][0].label == "0.weight.0.0"  # a slice does not rename
    with pytest.raises(IndexError):
        net[3]
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=3, out_features=1, bias=True)\n"
        ")"
    )
    assert repr(Sequential()) == "Sequential()"


def test_sequential_takes_only_modules():
    with pytest.raises(TypeError, match="argument 1 is a function, not an nn.Module"):
        Sequential(Linear(2, 2, seed=0), lambda x: x)


def test_sequential_state_round_trips_and_trains(tmp_path):
    def make(seed):
        return Sequential(Linear(2, 4, seed=seed), Tanh(), Linear(4, 1, seed=seed + 1))

    src, dst = make(0), make(5)
    src.save(tmp_path / "net.json")
    dst.load(tmp_path / "net.json")
    assert dst.state_dict() == src.state_dict()
    assert "0.weight.3.1" in src.state_dict()
    X = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(32)]
    y = [int(a * b > 0) for a, b in X]
    histories = []
    for jit in (False, True):  # compiled or not, the same training, bit for bit
        net = make(0)
        histories.append(fit(lambda x, net=net: net(x)[0], X, y,
                             loss=losses.binary_cross_entropy_with_logits,
                             optimizer=SGD(net.parameters(), lr=0.5), epochs=8,
                             progress=False, jit=jit))
    assert histories[0] == histories[1]
    assert histories[0][-1]["loss"] < histories[0][0]["loss"]
