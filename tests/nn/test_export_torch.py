"""``to_torch`` / ``from_torch`` against real PyTorch, and the docs' move-to-PyTorch example."""

import math
import random
import re
import runpy
from pathlib import Path

import pytest

from autograd import Value
from nn import MLP, Layer, Linear, Neuron, ReLU, Sequential, Sigmoid, Softmax, Tanh

torch = pytest.importorskip("torch")

GUIDE = Path(__file__).resolve().parent.parent.parent / "docs" / "how-to" / "pytorch.md"
ACTIVATIONS = ["relu", "tanh", "sigmoid", None]
SHAPES = [(1, [1]), (2, [16, 16, 1]), (3, [5, 4]), (4, [7, 1, 3]), (5, [2, 9, 9, 6])]


def _points(nin, n=12, seed=0):
    rng = random.Random(seed)
    return [[rng.uniform(-3.0, 3.0) for _ in range(nin)] for _ in range(n)]


def _torch_rows(net, xs):
    with torch.no_grad():
        return net(torch.tensor(xs, dtype=torch.float64)).tolist()


def _ours(model, x):
    out = model(x)
    return [v.data for v in ([out] if isinstance(out, Value) else out)]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(("nin", "nouts"), SHAPES)
def test_to_torch_computes_the_same_outputs_and_gradients(nin, nouts, activation):
    model = MLP(nin, nouts, activation=activation, seed=nin)
    for p in model.parameters():  # nonzero biases too, so they are carried over
        p.data += random.uniform(-0.5, 0.5)
    net = model.to_torch()
    assert isinstance(net, torch.nn.Sequential)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    xs = _points(nin)
    for x, row in zip(xs, _torch_rows(net, xs), strict=True):
        assert _ours(model, x) == pytest.approx(row, abs=1e-12, rel=1e-12)
    # Gradients of the summed outputs over the batch, parameter by parameter.
    model.zero_grad()
    for x in xs:
        for v in model.vector(x):
            v.backward()
    net(torch.tensor(xs, dtype=torch.float64)).sum().backward()
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert len(linears) == len(model.layers)
    for layer, linear in zip(model.layers, linears, strict=True):
        for neuron, wrow, grow, b, gb in zip(layer.neurons, linear.weight.tolist(),
                                             linear.weight.grad.tolist(), linear.bias.tolist(),
                                             linear.bias.grad.tolist(), strict=True):
            assert [w.data for w in neuron.w] == wrow and neuron.b.data == b
            assert [w.grad for w in neuron.w] == pytest.approx(grow, abs=1e-12, rel=1e-12)
            assert neuron.b.grad == pytest.approx(gb, abs=1e-12, rel=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(("nin", "nouts"), SHAPES)
def test_round_trip_mlp_torch_mlp_is_exact(nin, nouts, activation):
    model = MLP(nin, nouts, activation=activation, seed=7)
    back = MLP.from_torch(model.to_torch())
    assert type(back) is MLP and back.nin == nin and back.nouts == nouts
    if len(nouts) > 1:  # a one-layer MLP has no hidden activation to carry
        assert back.activation == activation
    assert [p.data.hex() for p in back.parameters()] == [p.data.hex() for p in model.parameters()]
    for x in _points(nin, n=4):
        assert _ours(back, x) == _ours(model, x)
    assert [name for name, _ in back.named_parameters()] == [
        name for name, _ in model.named_parameters()]


def test_from_torch_reads_a_hand_built_float32_module_with_and_without_biases():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Sigmoid(),
                              torch.nn.Linear(5, 4, bias=False), torch.nn.Sigmoid(),
                              torch.nn.Linear(4, 2))
    model = MLP.from_torch(net)
    assert (model.nin, model.nouts, model.activation) == (3, [5, 4, 2], "sigmoid")
    assert all(n.b.data == 0.0 for n in model.layers[1].neurons)
    wide = net.to(torch.float64)  # float32 weights are exact in float64
    xs = _points(3)
    for x, row in zip(xs, _torch_rows(wide, xs), strict=True):
        assert _ours(model, x) == pytest.approx(row, abs=1e-12, rel=1e-12)


def test_a_single_linear_is_a_one_layer_mlp():
    linear = torch.nn.Linear(4, 3, dtype=torch.float64)
    model = MLP.from_torch(linear)
    assert (model.nin, model.nouts) == (4, [3])
    xs = _points(4)
    for x, row in zip(xs, _torch_rows(linear, xs), strict=True):
        assert _ours(model, x) == pytest.approx(row, abs=1e-12, rel=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_neuron_and_layer_export_too(activation):
    neuron = Neuron(3, activation=activation, seed=1)
    neuron.b.data = 0.3
    layer = Layer(3, 4, activation=activation, seed=2)
    xs = _points(3)
    for x, row in zip(xs, _torch_rows(neuron.to_torch(), xs), strict=True):
        assert [neuron(x).data] == pytest.approx(row, abs=1e-12, rel=1e-12)
    for x, row in zip(xs, _torch_rows(layer.to_torch(), xs), strict=True):
        assert [v.data for v in layer(x)] == pytest.approx(row, abs=1e-12, rel=1e-12)


def _bad_modules():
    nn = torch.nn

    class MyLinear(nn.Linear):  # could compute anything: not taken for a Linear
        pass

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)

    yield "not a Sequential", Net(), TypeError, "expected a torch.nn.Sequential.*got Net"
    yield "dropout", nn.Sequential(nn.Linear(2, 3), nn.Dropout(), nn.Linear(3, 1)), TypeError, \
        "layer 1 is a Dropout"
    yield "subclass", nn.Sequential(MyLinear(2, 1)), TypeError, "layer 0 is a MyLinear"
    yield "empty", nn.Sequential(), ValueError, "empty"
    yield "shapes", nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(4, 1)), ValueError, \
        "layer 2 .*reads 4 inputs.*gives 3 outputs"
    yield "hidden softmax", nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=-1), nn.Linear(3, 2)), \
        ValueError, "hidden layer ends with a Softmax"
    yield "softmax of one", nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1),
                                          nn.Softmax(dim=-1)), ValueError, "over one output"
    yield "softmax over the batch", nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=0)), \
        ValueError, r"layer 1 \(Softmax\) has dim=0"
    yield "nested", nn.Sequential(nn.Sequential(nn.Linear(2, 3))), TypeError, \
        "layer 0 is a Sequential.*nn.Sequential.from_torch"
    yield "mixed", nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(),
                                 nn.Linear(3, 1)), ValueError, "different activations"
    yield "some hidden linear", nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 3), nn.Tanh(),
                                              nn.Linear(3, 1)), ValueError, "different"
    yield "two activations", nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.ReLU(),
                                           nn.Linear(3, 1)), ValueError, "layer 2.*second"
    yield "activation first", nn.Sequential(nn.Tanh(), nn.Linear(2, 1)), ValueError, \
        "layer 0 .*before any Linear"
    nan = nn.Linear(2, 2)
    with torch.no_grad():
        nan.weight[1, 0] = math.nan
    yield "nan weight", nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nan), ValueError, \
        r"layer 2 \(Linear\) weight\[1\]\[0\] is not finite"
    inf = nn.Linear(2, 2)
    with torch.no_grad():
        inf.bias[1] = math.inf
    yield "inf bias", inf, ValueError, r"bias\[0\]\[1\] is not finite"


@pytest.mark.parametrize("case", list(_bad_modules()), ids=lambda c: c[0])
def test_from_torch_refuses_what_an_mlp_cannot_compute(case):
    _, module, error, match = case
    with pytest.raises(error, match=match):
        MLP.from_torch(module)


def test_the_move_to_pytorch_example_runs(tmp_path):
    text = GUIDE.read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.DOTALL)
              if "to_torch()" in b and ">>>" not in b]
    assert len(blocks) == 1, f"{GUIDE} should hold one plain ```python block using to_torch()"
    example = tmp_path / "move_to_pytorch.py"
    example.write_text(blocks[0])
    namespace = runpy.run_path(str(example))
    assert namespace["back"].state_dict() == namespace["model"].state_dict()


# -- output activations, Sequential, Linear and activation modules (issue 20) ------------------


def _weighted_sum(outputs, k):
    """A fixed weighting of the outputs (a plain sum would give a softmax zero gradients)."""
    return sum(((i % 3) - 0.7) * v for i, v in enumerate(outputs[:k]))


@pytest.mark.parametrize("output_activation", ["sigmoid", "tanh", "relu", "softmax"])
def test_mlp_output_activation_goes_to_torch_and_back(output_activation):
    model = MLP(3, [5, 4], activation="tanh", seed=1, output_activation=output_activation)
    for p in model.parameters():
        p.data += random.uniform(-0.5, 0.5)
    net = model.to_torch()
    last = net[-1]
    assert type(last).__name__ == {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU",
                                   "softmax": "Softmax"}[output_activation]
    if output_activation == "softmax":
        assert last.dim == -1
    xs = _points(3)
    for x, row in zip(xs, _torch_rows(net, xs), strict=True):
        assert _ours(model, x) == pytest.approx(row, abs=1e-12, rel=1e-12)
    model.zero_grad()
    for x in xs:
        _weighted_sum(model.vector(x), 4).backward()
    out = net(torch.tensor(xs, dtype=torch.float64))
    sum(_weighted_sum(list(row), 4) for row in out).backward()
    ours = [p.grad for layer in model.layers for n in layer.neurons for p in n._wb]
    theirs = [g for m in net if isinstance(m, torch.nn.Linear)
              for w, b in zip(m.weight.grad.tolist(), m.bias.grad.tolist(), strict=True)
              for g in (*w, b)]
    assert ours == pytest.approx(theirs, abs=1e-12, rel=1e-12)
    back = MLP.from_torch(net)
    assert (back.activation, back.output_activation) == ("tanh", output_activation)
    assert [p.data.hex() for p in back.parameters()] == [p.data.hex() for p in model.parameters()]


def _sequentials():
    yield "mlp-like", lambda: Sequential(Linear(3, 5, seed=0), ReLU(), Linear(5, 2, seed=1))
    yield "softmax", lambda: Sequential(Linear(3, 4, seed=2), Tanh(), Linear(4, 3, seed=3),
                                        Softmax())
    yield "no bias, nested", lambda: Sequential(
        Linear(3, 4, bias=False, seed=4), Sigmoid(),
        Sequential(Linear(4, 4, seed=5), ReLU(), Linear(4, 2, bias=False, seed=6)), Tanh())
    yield "activation first", lambda: Sequential(Tanh(), Linear(3, 3, seed=7), Softmax(),
                                                 Sigmoid())
    yield "our stack inside", lambda: Sequential(MLP(3, [4, 3], activation="sigmoid", seed=8),
                                                 Softmax())


@pytest.mark.parametrize("case", list(_sequentials()), ids=lambda c: c[0])
def test_sequential_to_torch_computes_the_same_outputs_and_gradients(case):
    net = case[1]()
    for p in net.parameters():
        p.data += random.uniform(-0.5, 0.5)
    th = net.to_torch()
    assert isinstance(th, torch.nn.Sequential)
    assert all(p.dtype == torch.float64 for p in th.parameters())
    xs = _points(3)
    for x, row in zip(xs, _torch_rows(th, xs), strict=True):
        assert _ours(net, x) == pytest.approx(row, abs=1e-12, rel=1e-12)
    net.zero_grad()
    for x in xs:
        _weighted_sum(net(x), 3).backward()
    out = th(torch.tensor(xs, dtype=torch.float64))
    sum(_weighted_sum(list(row), 3) for row in out).backward()
    # Our per-scalar names map onto torch's tensors: "2.0.weight.3.1" is th[2][0].weight[3, 1].
    grads = {name: p.grad for name, p in th.named_parameters()}
    values = {name: p for name, p in th.named_parameters()}
    if case[0] == "our stack inside":
        return  # an MLP's names (layers.0.neurons...) are not torch's; values were compared
    for name, p in net.named_parameters():
        head, kind, *index = name.rsplit(".", 3) if ".weight." in name else name.rsplit(".", 2)
        key = f"{head}.{kind}" if head else kind
        assert values[key][tuple(map(int, index))].item() == p.data
        assert p.grad == pytest.approx(grads[key][tuple(map(int, index))].item(), abs=1e-12,
                                       rel=1e-12)
    assert repr(net) == repr(th)  # PyTorch's repr, line for line


@pytest.mark.parametrize("case", list(_sequentials())[:4], ids=lambda c: c[0])
def test_round_trip_sequential_torch_sequential_is_exact(case):
    net = case[1]()
    back = Sequential.from_torch(net.to_torch())
    assert repr(back) == repr(net)
    assert [type(m) for m in back] == [type(m) for m in net]
    assert [(n, p.data.hex()) for n, p in back.named_parameters()] == [
        (n, p.data.hex()) for n, p in net.named_parameters()]
    assert [p.label for p in back.parameters()] == [n for n, _ in back.named_parameters()]


def test_sequential_from_torch_reads_a_hand_built_float32_network():
    nn = torch.nn
    torch.manual_seed(0)
    th = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Sequential(nn.Linear(4, 3, bias=False)),
                       nn.Softmax(dim=1))
    net = Sequential.from_torch(th)
    assert [type(m) for m in net] == [Linear, Tanh, Sequential, Softmax]
    assert net[2][0].bias is None
    wide = th.to(torch.float64)  # float32 weights are exact in float64
    xs = _points(3)
    for x, row in zip(xs, _torch_rows(wide, xs), strict=True):
        assert _ours(net, x) == pytest.approx(row, abs=1e-12, rel=1e-12)


def test_linear_and_activations_go_to_torch_one_by_one():
    lin = Linear(3, 2, seed=0)
    th = lin.to_torch()
    assert type(th) is torch.nn.Linear and th.weight.dtype == torch.float64
    assert th.weight.tolist() == [[w.data for w in row] for row in lin.weight]
    assert th.bias.tolist() == [b.data for b in lin.bias]
    back = Linear.from_torch(th)
    assert back.state_dict() == lin.state_dict() and repr(back) == repr(lin)
    assert Linear.from_torch(torch.nn.Linear(2, 3, bias=False)).bias is None
    for ours, theirs in ((ReLU(), torch.nn.ReLU), (Tanh(), torch.nn.Tanh),
                         (Sigmoid(), torch.nn.Sigmoid), (Softmax(), torch.nn.Softmax)):
        made = ours.to_torch()
        assert type(made) is theirs and repr(made) == repr(ours)


def test_activations_come_from_torch_one_by_one():
    # the SPEC: to_torch/from_torch map Sequential, Linear and the activation modules
    for ours, theirs in ((ReLU, torch.nn.ReLU()), (Tanh, torch.nn.Tanh()),
                         (Sigmoid, torch.nn.Sigmoid()), (Softmax, torch.nn.Softmax(dim=-1)),
                         (Softmax, torch.nn.Softmax(dim=1))):
        made = ours.from_torch(theirs)
        assert type(made) is ours and repr(made) == repr(theirs).replace("dim=1", "dim=-1")
    with pytest.raises(TypeError, match=r"ReLU\.from_torch: expected a torch\.nn\.ReLU, got "
                                        r"Tanh"):
        ReLU.from_torch(torch.nn.Tanh())
    with pytest.raises(TypeError, match=r"Softmax\.from_torch: expected a torch\.nn\.Softmax, "
                                        r"got Linear"):
        Softmax.from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r"Softmax\.from_torch: Softmax has dim=0"):
        Softmax.from_torch(torch.nn.Softmax(dim=0))


def _bad_sequentials():
    nn = torch.nn

    class MyReLU(nn.ReLU):
        pass

    yield "a Linear", Sequential.from_torch, nn.Linear(2, 2), TypeError, \
        "expected a torch.nn.Sequential, got Linear.*Linear.from_torch"
    yield "a Sequential", Linear.from_torch, nn.Sequential(nn.Linear(2, 2)), TypeError, \
        "expected a torch.nn.Linear, got Sequential"
    yield "dropout", Sequential.from_torch, nn.Sequential(nn.Linear(2, 2), nn.Dropout()), \
        TypeError, "layer 1 is a Dropout; only Linear, ReLU, Tanh, Sigmoid, Softmax"
    yield "nested subclass", Sequential.from_torch, nn.Sequential(
        nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2), MyReLU())), TypeError, \
        "layer 1.1 is a MyReLU"
    yield "softmax dim", Sequential.from_torch, nn.Sequential(nn.Softmax(dim=0)), ValueError, \
        r"layer 0 \(Softmax\) has dim=0"
    yield "softmax no dim", Sequential.from_torch, nn.Sequential(nn.Softmax()), ValueError, \
        "has dim=None"
    nan = nn.Linear(2, 2)
    with torch.no_grad():
        nan.weight[0, 1] = math.nan
    yield "nan", Sequential.from_torch, nn.Sequential(nn.Sequential(nan)), ValueError, \
        r"layer 0\.0 \(Linear\) weight\[0\]\[1\] is not finite"


@pytest.mark.parametrize("case", list(_bad_sequentials()), ids=lambda c: c[0])
def test_from_torch_refuses_what_has_no_equivalent(case):
    _, read, module, error, match = case
    with pytest.raises(error, match=match):
        read(module)


def test_a_module_without_an_equivalent_inside_a_sequential_says_so():
    from nn import Module

    class Double(Module):
        def forward(self, x):
            return [2 * v for v in x]

    with pytest.raises(NotImplementedError, match="Double has no PyTorch equivalent"):
        Sequential(Linear(2, 2, seed=0), Double()).to_torch()
