"""Module bookkeeping, the Neuron/Layer/MLP stack, and state dicts / state files."""

import json
import math
import os
import random
import sys

import pytest

from autograd import Value
from nn import MLP, Layer, Module, Neuron, StateError

# -- construction and calling --------------------------------------------------------------


def test_neuron_computes_activation_of_weighted_sum_plus_bias():
    n = Neuron(3, activation="tanh", seed=1)
    for i, w in enumerate(n.w):
        w.data = [0.5, -1.0, 2.0][i]
    n.b.data = 0.25
    out = n([1.0, 2.0, 3.0])
    assert out.data == pytest.approx(math.tanh(0.5 - 2.0 + 6.0 + 0.25), abs=1e-15)


@pytest.mark.parametrize(
    ("activation", "fn"),
    [
        ("relu", lambda z: max(z, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        (None, lambda z: z),
    ],
)
def test_each_activation(activation, fn):
    n = Neuron(2, activation=activation, seed=0)
    n.w[0].data, n.w[1].data, n.b.data = 0.7, -0.4, 0.1
    for x in ([1.0, 1.0], [-2.0, 1.5]):
        z = 0.7 * x[0] - 0.4 * x[1] + 0.1
        assert n(x).data == pytest.approx(fn(z), abs=1e-15)


def test_weighted_sum_is_one_dot_node_with_bias_folded_in():
    n = Neuron(5, activation="relu", seed=0)
    n.b.data = 10.0  # keep the relu open
    x = [Value(float(i)) for i in range(5)]
    out = n(x)
    assert out.op == "relu"
    (act,) = out.parents
    assert act.op == "dot"
    assert set(act.parents) == set(n.w) | {n.b} | set(x)
    assert all(p.is_leaf for p in act.parents)


def test_neuron_gradients_are_the_inputs():
    n = Neuron(2, activation=None, seed=0)
    out = n([3.0, -2.0])
    out.backward()
    assert [w.grad for w in n.w] == [3.0, -2.0]
    assert n.b.grad == 1.0


def test_layer_returns_list_and_mlp_returns_value_or_list():
    layer = Layer(3, 4, seed=0)
    out = layer([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 4 and all(isinstance(v, Value) for v in out)
    assert isinstance(Layer(3, 1, seed=0)([1.0, 2.0, 3.0]), list)
    assert isinstance(MLP(3, [4, 1], seed=0)([1.0, 2.0, 3.0]), Value)
    multi = MLP(3, [4, 2], seed=0)([1.0, 2.0, 3.0])
    assert isinstance(multi, list) and len(multi) == 2


def test_mlp_last_layer_is_linear_and_hidden_layers_use_the_activation():
    model = MLP(2, [3, 3, 2], activation="tanh", seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "tanh", None]
    outs = model([0.3, -0.2])
    assert all(o.op == "dot" for o in outs)


def test_mlp_matches_composition_of_its_layers():
    model = MLP(2, [4, 3], activation="sigmoid", seed=5)
    x = [0.5, -1.5]
    hidden = model.layers[0](x)
    expected = model.layers[1](hidden)
    got = model(x)
    assert [v.data for v in got] == [v.data for v in expected]


def test_inputs_may_be_tuples_or_values():
    model = MLP(2, [3, 1], seed=0)
    a = model((0.5, 1.0))
    b = model([Value(0.5), Value(1.0)])
    assert a.data == b.data


# -- init and seeds -------------------------------------------------------------------------


def test_same_seed_same_model_different_seed_different_model():
    a = MLP(2, [8, 8, 1], seed=42).state_dict()
    b = MLP(2, [8, 8, 1], seed=42).state_dict()
    c = MLP(2, [8, 8, 1], seed=43).state_dict()
    assert a == b
    assert a != c


def test_seed_may_be_a_random_instance_and_is_advanced():
    rng = random.Random(7)
    first = Neuron(4, seed=rng).state_dict()
    second = Neuron(4, seed=rng).state_dict()
    assert first != second
    rng2 = random.Random(7)
    assert Neuron(4, seed=rng2).state_dict() == first


def test_no_seed_uses_global_random_state():
    random.seed(123)
    a = MLP(2, [4, 1]).state_dict()
    random.seed(123)
    b = MLP(2, [4, 1]).state_dict()
    assert a == b


@pytest.mark.parametrize(("activation", "gain"), [("relu", math.sqrt(2)), ("tanh", 5 / 3),
                                                  ("sigmoid", 1.0), (None, 1.0)])
def test_init_is_uniform_with_fan_in_variance(activation, gain):
    nin = 50
    layer = Layer(nin, 40, activation=activation, seed=3)
    ws = [w.data for n in layer.neurons for w in n.w]
    bound = gain * math.sqrt(3 / nin)
    assert all(-bound <= w <= bound for w in ws)
    assert max(abs(w) for w in ws) > 0.95 * bound  # spread out to the bound, not squeezed
    variance = sum(w * w for w in ws) / len(ws)
    assert variance == pytest.approx(gain**2 / nin, rel=0.1)  # 2000 draws: ~3% std error
    assert all(n.b.data == 0.0 for n in layer.neurons)


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: Neuron(3, seed=0), lambda: Layer(3, 2, seed=0),
                                  lambda: MLP(3, [2, 1], seed=0)])
def test_wrong_input_length_is_a_clear_error(make):
    module = make()
    with pytest.raises(ValueError, match="expects 3 inputs, got 2"):
        module([1.0, 2.0])
    with pytest.raises(TypeError, match="list of 3"):
        module(1.0)


@pytest.mark.parametrize("bad", ["ReLU", "gelu", "", 0, "linear"])
def test_unknown_activation(bad):
    with pytest.raises(ValueError, match="unknown activation"):
        MLP(2, [2, 1], activation=bad)
    with pytest.raises(ValueError, match="unknown activation"):
        Neuron(2, activation=bad)


@pytest.mark.parametrize("nin", [0, -1])
def test_bad_sizes(nin):
    with pytest.raises(ValueError, match="positive"):
        Neuron(nin)
    with pytest.raises(ValueError, match="positive"):
        Layer(2, nin)
    with pytest.raises(ValueError, match="positive"):
        MLP(2, [3, nin])


@pytest.mark.parametrize("nin", [2.0, True, "2", None])
def test_sizes_must_be_ints(nin):
    with pytest.raises(TypeError):
        Neuron(nin)


def test_bad_nouts_and_seed():
    with pytest.raises(ValueError, match="non-empty"):
        MLP(2, [])
    with pytest.raises(ValueError, match="non-empty"):
        MLP(2, 3)
    with pytest.raises(TypeError, match="seed"):
        MLP(2, [1], seed="0")
    with pytest.raises(TypeError, match="seed"):
        MLP(2, [1], seed=True)


# -- parameters and names ---------------------------------------------------------------------


def test_named_parameters_are_readable_unique_and_ordered():
    model = MLP(2, [4, 3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == len(set(names)) == 2 * 4 + 4 + 4 * 3 + 3 + 3 + 1
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b"]
    assert "layers.1.neurons.2.w.3" in names
    assert names[-1] == "layers.2.neurons.0.b"
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert model.parameters() == model.parameters()  # stable
    assert len({id(p) for p in model.parameters()}) == len(names)


def test_parameter_labels_are_their_names():
    model = MLP(2, [2, 1], seed=0)
    assert all(p.label == name for name, p in model.named_parameters())


@pytest.mark.parametrize("make", [lambda: Neuron(3, seed=0), lambda: Layer(3, 4, seed=0),
                                  lambda: MLP(3, [4, 2], seed=0)],
                         ids=["neuron", "layer", "mlp"])
def test_every_module_labels_its_parameters_with_their_names_when_built(make):
    model = make()
    labels = [p.label for p in model.parameters()]  # read before listing names again
    assert labels == [name for name, _ in model.named_parameters()]
    assert len(set(labels)) == len(labels)  # a drawing tells every weight apart


def test_a_layer_s_neurons_are_labelled_apart():
    layer = Layer(2, 2, seed=0)
    assert [p.label for p in layer.neurons[1].parameters()] == [
        "neurons.1.w.0", "neurons.1.w.1", "neurons.1.b"]
    assert Neuron(2, seed=0).w[1].label == "w.1"


def test_models_inside_user_modules_take_the_longer_names_when_listed():
    class Net(Module):
        def __init__(self):
            self.body = MLP(2, [3, 2], seed=0)
            self.head = Layer(2, 1, seed=1)
            self.scale = Value(2.0)               # no label: takes its name
            self.shift = Value(0.5, label="beta")  # a label of the user's own: kept

        def forward(self, x):
            return [v * self.scale + self.shift for v in self.head(self.body(x))]

    net = Net()
    body_w = net.body.layers[0].neurons[0].w[0]
    assert body_w.label == "layers.0.neurons.0.w.0"  # built: the MLP's name for it
    names = dict(net.named_parameters())
    assert body_w.label == "body.layers.0.neurons.0.w.0"
    assert names["head.neurons.0.b"].label == "head.neurons.0.b"
    assert net.scale.label == "scale" and net.shift.label == "beta"
    net.body.parameters()  # listing an inner module again does not shorten the names
    assert body_w.label == "body.layers.0.neurons.0.w.0"
    labels = [p.label for p in net.parameters() if p is not net.shift]
    assert labels == [n for n, p in net.named_parameters() if p is not net.shift]


def test_labelled_parameters_still_compile_and_draw():
    from autograd import jit
    from autograd.viz import draw_dot

    layer = Layer(2, 3, activation="tanh", seed=0)
    for p in layer.parameters():
        p.data += 0.25  # nonzero biases
    f = jit(lambda a, b: sum(layer([a, b]), 0.0))
    expected = sum(layer([0.3, -0.7]), 0.0)
    assert f(0.3, -0.7) == pytest.approx(expected.data, abs=1e-15)
    source = draw_dot(expected).source
    drawn = [p.label for p in layer.parameters() if f'label="{{{p.label}|data' in source]
    assert drawn == [name for name, _ in layer.named_parameters()]


def test_user_modules_are_walked_and_shared_parameters_listed_once():
    class Tied(Module):
        def __init__(self):
            self.encoder = Layer(2, 2, seed=0)
            self.scale = Value(1.0)
            self.decoders = (Neuron(2, seed=1), Neuron(2, seed=2))
            self.again = self.scale  # same Value under a second name
            self._cache = [Value(5.0)]  # private: not a parameter

        def __call__(self, x):
            return self.decoders[0](self.encoder(x)) * self.scale

    model = Tied()
    names = [n for n, _ in model.named_parameters()]
    assert names[:6] == [f"encoder.neurons.{i}.{k}" for i in range(2) for k in ("w.0", "w.1", "b")]
    assert "scale" in names and "again" not in names
    assert "decoders.1.b" in names
    assert not any(n.startswith("_cache") for n in names)
    assert len(names) == 6 + 1 + 3 + 3


def test_zero_grad():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_repr_shows_architecture():
    assert repr(Neuron(3, activation=None)) == "Neuron(3, activation=None)"
    assert repr(Layer(3, 5, activation="sigmoid")) == "Layer(3, 5, activation='sigmoid')"
    text = repr(MLP(2, [16, 16, 1], seed=0))
    assert text.splitlines() == [
        "MLP(2, [16, 16, 1], activation='relu')",
        "  (layers.0): Layer(2, 16, activation='relu')",
        "  (layers.1): Layer(16, 16, activation='relu')",
        "  (layers.2): Layer(16, 1, activation=None)",
        f"  {3 * 16 + 17 * 16 + 17} parameters",
    ]


# -- state dicts ---------------------------------------------------------------------------------


def test_state_dict_round_trip_is_bit_exact():
    src = MLP(3, [5, 2], seed=1)
    for p in src.parameters():  # awkward floats: tiny, huge, negative zero, many digits
        p.data = random.choice([1e-310, 1.7976931348623157e308, -0.0, 0.1 + 0.2, math.pi]) * (
            random.random() - 0.5)
    dst = MLP(3, [5, 2], seed=2)
    dst.load_state_dict(src.state_dict())
    for a, b in zip(src.parameters(), dst.parameters(), strict=True):
        assert a.data.hex() == b.data.hex()


def test_load_state_dict_accepts_ints_and_stores_floats():
    model = Neuron(1, seed=0)
    model.load_state_dict({"w.0": 2, "b": -1})
    assert [type(p.data) for p in model.parameters()] == [float, float]
    assert model.state_dict() == {"w.0": 2.0, "b": -1.0}


def _bad_states(good):
    name = list(good)[-1]  # the last key: a loader that assigns as it checks would be caught
    missing = dict(good)
    del missing[name]
    yield "missing", missing, "missing key.*" + name.replace(".", r"\.")
    yield "extra", {**good, "layers.9.w": 1.0}, "unexpected key.*layers.9.w"
    for label, value, match in [
        ("str", "1.0", "real number"),
        ("none", None, "real number"),
        ("bool", True, "real number"),
        ("list", [1.0], "real number"),
        ("nan", math.nan, "not finite"),
        ("inf", math.inf, "not finite"),
        ("-inf", -math.inf, "not finite"),
        ("bigint", 10**400, "too large"),
    ]:
        yield label, {**good, name: value}, f"{name}.*{match}".replace(".", r"\.").replace(
            r"\.*", ".*")


@pytest.mark.parametrize("case", list(_bad_states(MLP(2, [2, 1], seed=0).state_dict())),
                         ids=lambda c: c[0])
def test_bad_state_dicts_are_rejected_and_change_nothing(case):
    _, state, match = case
    model = MLP(2, [2, 1], seed=9)
    before = model.state_dict()
    with pytest.raises(ValueError, match=match):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_state_dict_must_be_a_mapping():
    model = Neuron(1, seed=0)
    with pytest.raises(StateError, match="mapping"):
        model.load_state_dict([("w.0", 1.0), ("b", 0.0)])
    assert issubclass(StateError, ValueError)


# -- state files -------------------------------------------------------------------------------


def test_save_load_round_trip_bit_exact(tmp_path):
    src = MLP(2, [6, 6, 1], seed=4)
    src.parameters()[0].data = 0.1 + 0.2
    src.parameters()[1].data = -5e-324
    path = tmp_path / "model.json"
    src.save(path)
    dst = MLP(2, [6, 6, 1], seed=5)
    dst.load(str(path))
    assert [p.data.hex() for p in dst.parameters()] == [p.data.hex() for p in src.parameters()]
    doc = json.loads(path.read_text())
    assert doc["format"] == "valuegrad.state_dict" and doc["version"] == 1
    assert doc["state"]["layers.0.neurons.0.w.0"] == 0.1 + 0.2
    assert os.listdir(tmp_path) == ["model.json"]  # the temporary file is gone


def test_save_replaces_atomically_and_cleans_up_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    model = Neuron(2, seed=0)
    model.save(path)
    original = path.read_bytes()

    def crash(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", crash)
    model.w[0].data = 123.0
    with pytest.raises(OSError, match="disk on fire"):
        model.save(path)
    assert path.read_bytes() == original  # old file intact
    assert os.listdir(tmp_path) == ["m.json"]  # no stray temporary file


def test_save_refuses_non_finite_parameters(tmp_path):
    model = Neuron(1, seed=0)
    model.b.data = math.nan
    with pytest.raises(ValueError, match="'b' is not finite"):
        model.save(tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def _file_cases():
    good = MLP(2, [2, 1], seed=0).state_dict()
    wrap = {"format": "valuegrad.state_dict", "version": 1}

    def doc(state, **over):
        return json.dumps({**wrap, **over, "state": state}).encode()

    name = "layers.0.neurons.1.b"
    yield "not json", b"{ this is not json", "not a valid state file"
    yield "truncated", doc(good)[:-10], "not a valid state file"
    yield "not utf8", b"\xff\xfe{}", "not a valid state file"
    yield "empty", b"", "not a valid state file"
    yield "a list", b"[1, 2]", "not a valuegrad state file"
    yield "no format", json.dumps({"state": good}).encode(), "not a valuegrad state file"
    yield "bad version", doc(good, version=2), "version 2"
    yield "no state", json.dumps(wrap).encode(), "no 'state'"
    yield "state not object", doc([1, 2]), "mapping"
    yield "missing key", doc({k: v for k, v in good.items() if k != name}), "missing.*" + name
    yield "extra key", doc({**good, "x": 1.0}), "unexpected key.*'x'"
    yield "string value", doc({**good, name: "0.5"}), name + ".*real number"
    yield "null value", doc({**good, name: None}), name + ".*real number"
    yield "bool value", doc({**good, name: False}), name + ".*real number"
    yield "NaN literal", doc({**good, name: math.nan}), name + ".*not finite"
    yield "Infinity literal", doc({**good, name: math.inf}), name + ".*not finite"
    yield "overflowing literal", doc(good).replace(
        json.dumps(good[name]).encode(), b"1e999", 1), "not finite"
    dup = doc(good).replace(b'"state": {', b'"state": {"layers.0.neurons.1.b": 0.0, ', 1)
    yield "duplicate key", dup, "duplicate key"


@pytest.mark.parametrize("case", list(_file_cases()), ids=lambda c: c[0])
def test_bad_state_files_are_rejected_and_change_nothing(tmp_path, case):
    _, raw, match = case
    path = tmp_path / "bad.json"
    path.write_bytes(raw)
    model = MLP(2, [2, 1], seed=3)
    before = model.state_dict()
    with pytest.raises(ValueError, match=match):
        model.load(path)
    assert model.state_dict() == before


def test_load_missing_file_is_an_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        Neuron(1).load(tmp_path / "nope.json")


def test_replacing_parameters_reaches_the_forward_pass():
    layer = Layer(2, 2, activation=None, seed=0)
    neuron = layer.neurons[1]
    neuron.b = Value(5.0)
    neuron.w = (Value(1.0), Value(2.0))
    layer.neurons[0] = Neuron(2, activation=None, seed=1)
    out = layer([1.0, 1.0])
    assert out[1].data == 8.0
    assert out[0].data == sum(w.data for w in layer.neurons[0].w)
    assert neuron.b in out[1].parents and neuron.b in layer.parameters()
    with pytest.raises(TypeError):
        neuron.w[0] = Value(3.0)  # a tuple: change .data, or assign a new w


# -- PyTorch habits: forward, containers, repr, typed outputs (issue 13) --------------------------


class _Forward(Module):
    """A user module in the PyTorch style: forward(), children in a dict and a list."""

    def __init__(self):
        self.heads = {"a": Neuron(2, activation=None, seed=1), "b": Neuron(2, activation=None,
                                                                           seed=2)}
        self.gains = [Value(2.0), Value(3.0)]

    def forward(self, x):
        return self.heads["a"](x) * self.gains[0] + self.heads["b"](x) * self.gains[1]


def test_forward_is_called_by_call():
    net = _Forward()
    x = [0.5, -1.0]
    a, b = net.heads["a"], net.heads["b"]
    expected = 2.0 * (a.w[0].data * 0.5 - a.w[1].data) + 3.0 * (b.w[0].data * 0.5 - b.w[1].data)
    assert net(x).data == pytest.approx(expected, abs=1e-15)
    assert net.forward(x).data == net(x).data


def test_our_modules_have_forward_too():
    x = [0.5, -1.0]
    for module in (Neuron(2, seed=0), Layer(2, 3, seed=0), MLP(2, [3, 1], seed=0),
                   MLP(2, [3, 2], seed=0)):
        out, again = module(x), module.forward(x)
        assert type(out) is type(again)
        outs = out if isinstance(out, list) else [out]
        agains = again if isinstance(again, list) else [again]
        assert [v.data for v in outs] == [v.data for v in agains]


def test_module_without_forward_or_call_says_what_to_define():
    class Empty(Module):
        pass

    with pytest.raises(NotImplementedError, match=r"Empty must define forward\(\)"):
        Empty()(1.0)


def test_parameters_in_dicts_lists_and_nested_containers_in_definition_order():
    class Deep(Module):
        def __init__(self):
            self.first = Value(1.0)
            self.table = {"z": [Value(2.0), (Value(3.0), {"in": Value(4.0)})], 7: Value(5.0)}
            self.blocks = [{"n": Neuron(1, seed=0)}, Layer(1, 1, seed=0)]
            self.last = Value(6.0)

        def forward(self, x):
            return x

    net = Deep()
    assert [name for name, _ in net.named_parameters()] == [
        "first", "table.z.0", "table.z.1.0", "table.z.1.1.in", "table.7",
        "blocks.0.n.w.0", "blocks.0.n.b", "blocks.1.neurons.0.w.0", "blocks.1.neurons.0.b",
        "last",
    ]
    assert [p.data for p in net.parameters()][:5] == [1.0, 2.0, 3.0, 4.0, 5.0]
    copy = Deep()
    state = net.state_dict()
    state["table.z.1.1.in"] = -4.0
    copy.load_state_dict(state)
    assert copy.table["z"][1][1]["in"].data == -4.0


def test_dict_keys_without_parameters_may_be_anything_with_parameters_str_or_int():
    class Net(Module):
        def __init__(self, key):
            self.config = {(1, 2): "not a parameter", None: 3.0}
            self.table = {key: Value(1.0)}

    assert [n for n, _ in Net("ok").named_parameters()] == ["table.ok"]
    assert [n for n, _ in Net(3).named_parameters()] == ["table.3"]
    with pytest.raises(TypeError, match="key.*tuple.*str or int"):
        Net((1, 2)).parameters()
    with pytest.raises(TypeError, match="str or int"):
        Net(True).parameters()


def test_modules_referring_back_and_deep_containers_are_walked_once():
    class Node(Module):
        def __init__(self, parent=None):
            self.parent = parent  # a reference back up: a cycle
            self.w = Value(1.0)
            self.kids = [] if parent is not None else [Node(self), Node(self)]

    root = Node()
    assert [n for n, _ in root.named_parameters()] == ["w", "kids.0.w", "kids.1.w"]
    assert repr(root).splitlines() == ["Node(", "  (kids.0): Node(", "    (parent): ...", "  )",
                                       "  (kids.1): Node(", "    (parent): ...", "  )", ")"]
    nested: list = [Value(7.0)]
    for _ in range(20_000):  # far deeper than the recursion limit
        nested = [nested]

    class Deep(Module):
        def __init__(self):
            self.x = nested

    (name, p), = Deep().named_parameters()
    assert p.data == 7.0 and name == ".".join(["x"] + ["0"] * 20_001)


def test_repr_of_user_modules_lists_children_like_torch():
    class Empty(Module):
        pass

    assert repr(Empty()) == "Empty()"
    net = _Forward()
    assert repr(net).splitlines() == [
        "_Forward(",
        "  (heads.a): Neuron(2, activation=None)",
        "  (heads.b): Neuron(2, activation=None)",
        ")",
    ]

    class Outer(Module):
        def __init__(self):
            self.inner = _Forward()
            self.mlp = MLP(2, [3, 1], seed=0)

        def extra_repr(self):
            return "scale=2"

    assert repr(Outer()).splitlines() == [
        "Outer(",
        "  scale=2",
        "  (inner): _Forward(",
        "    (heads.a): Neuron(2, activation=None)",
        "    (heads.b): Neuron(2, activation=None)",
        "  )",
        "  (mlp): MLP(2, [3, 1], activation='relu')",
        "    (layers.0): Layer(2, 3, activation='relu')",
        "    (layers.1): Layer(3, 1, activation=None)",
        "    13 parameters",
        ")",
    ]

    class Settings(Module):
        def extra_repr(self):
            return "k=1"

    assert repr(Settings()) == "Settings(k=1)"


def test_mlp_scalar_and_vector_give_the_call_s_outputs_with_fixed_types():
    one = MLP(2, [4, 1], seed=0)
    x = [0.25, -0.5]
    assert one.scalar(x).data == one(x).data
    (only,) = one.vector(x)
    assert only.data == one(x).data
    many = MLP(2, [4, 3], seed=0)
    assert [v.data for v in many.vector(x)] == [v.data for v in many(x)]
    with pytest.raises(ValueError, match="3 outputs, not 1.*vector"):
        many.scalar(x)


def test_mlp_output_types_are_precise_for_a_type_checker(tmp_path, monkeypatch):
    api = pytest.importorskip("mypy.api")
    user = tmp_path / "user_code.py"
    user.write_text(
        "from nn import MLP\n"
        "model = MLP(2, [4, 1], seed=0)\n"
        "model.scalar([1.0, 2.0]).backward()\n"   # fine: a Value
        "model.vector([1.0, 2.0])[0].backward()\n"  # fine: a list of Values
        "model([1.0, 2.0]).backward()\n"            # the union: must be narrowed first
    )
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nfollow_imports = silent\nignore_missing_imports = True\n"
                      "[mypy-torch.*]\nfollow_imports = skip\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    monkeypatch.setenv("MYPYPATH", root)  # this checkout's autograd and nn
    stdout, _, status = api.run([str(user), "--config-file", str(config), "--no-error-summary",
                                 "--cache-dir", str(tmp_path / "cache")])
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and ":5:" in errors[0] and "list[Value]" in errors[0], stdout
    assert status == 1


# -- gradients reset, names, state values (issues 14 and 16) -----------------------------------


def test_zero_grad_set_to_none():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    model.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_dotted_attribute_beside_a_list_cannot_make_two_parameters_share_a_name():
    class Clash(Module):
        def __init__(self):
            self.a = [Value(1.0)]
            setattr(self, "a.0", Value(2.0))  # a name only setattr can give

    model = Clash()
    # Before: both were named "a.0", and a save/load round trip wrote 1.0 over 2.0.
    with pytest.raises(ValueError, match=r"'a\.0'.*ambiguous"):
        model.state_dict()
    with pytest.raises(ValueError, match="ambiguous"):
        model.parameters()


@pytest.mark.parametrize("key", ["a.b", "", "."])
def test_dict_keys_that_would_blur_names_are_refused(key):
    class Net(Module):
        def __init__(self):
            self.table = {key: Value(1.0), "a": {"b": Value(2.0)}}

    with pytest.raises(ValueError, match="ambiguous"):
        Net().named_parameters()


def test_int_and_str_keys_naming_alike_are_refused():
    class Net(Module):
        def __init__(self):
            self.table = {0: Value(1.0), "0": Value(2.0)}

    with pytest.raises(ValueError, match="both be named 'table.0'"):
        Net().state_dict()


def test_load_state_dict_takes_any_real_number_but_bool():
    np = pytest.importorskip("numpy")
    from fractions import Fraction

    model = Neuron(3, seed=0)
    model.load_state_dict({"w.0": np.float32(0.1), "w.1": np.int64(-3), "w.2": Fraction(1, 3),
                           "b": np.float64(2.5)})
    assert model.state_dict() == {"w.0": float(np.float32(0.1)), "w.1": -3.0, "w.2": 1 / 3,
                                  "b": 2.5}
    assert all(type(p.data) is float for p in model.parameters())
    before = model.state_dict()
    for bad in (np.bool_(True), True, Fraction(10**400, 3), np.float32("nan"), 1 + 0j):
        with pytest.raises(StateError, match="'b'"):
            model.load_state_dict({**before, "b": bad})
        assert model.state_dict() == before


def test_error_messages_never_embed_whole_huge_values():
    model = Neuron(2, seed=0)
    state = model.state_dict()
    huge = "x" * 10_000_000
    for bad in ({**state, "b": huge}, {**state, huge: 1.0}, {**state, "b": [0.5] * 1_000_000}):
        with pytest.raises(StateError) as info:
            model.load_state_dict(bad)
        assert len(str(info.value)) < 300
    many = {f"k{i}": 0.0 for i in range(100_000)}
    with pytest.raises(StateError, match="and 99995 more") as info:
        model.load_state_dict({**state, **many})
    assert len(str(info.value)) < 300


def test_to_torch_without_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ImportError, match=r'pip install "valuegrad\[torch\]"'):
        model.to_torch()
    with pytest.raises(ImportError, match=r"valuegrad\[torch\]"):
        MLP.from_torch(object())
    with pytest.raises(NotImplementedError, match="_Forward has no PyTorch equivalent"):
        _Forward().to_torch()


# -- textbook networks: output activations, weights as plain numbers (issue 20) ---------------

# Matt Mazur, "A Step by Step Backpropagation Example" (2015): inputs 0.05, 0.10; two sigmoid
# hidden units, two sigmoid outputs; w1..w8 = 0.15 .. 0.55 and one bias per layer (0.35, 0.60),
# as Keras kernels (a row per input, a column per unit) and biases.
MAZUR = [[[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35],
         [[0.40, 0.50], [0.45, 0.55]], [0.60, 0.60]]


def test_the_textbook_network_computes_the_published_numbers():
    from nn import SGD, losses

    net = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid")
    net.set_weights(MAZUR)
    out = net([0.05, 0.10])
    assert [v.data for v in out] == pytest.approx([0.75136507, 0.772928465], abs=1e-9)
    loss = losses.mse(out, [0.01, 0.99])  # the mean over two outputs: sum of (t - o)^2 / 2
    assert loss.data == pytest.approx(0.298371109, abs=1e-9)
    loss.backward()
    SGD(net.parameters(), lr=0.5).step()
    k0, _, k1, _ = net.get_weights()  # (the example leaves the biases as they were)
    w5_w8 = [k1[0][0], k1[1][0], k1[0][1], k1[1][1]]
    assert w5_w8 == pytest.approx([0.35891648, 0.408666186, 0.511301270, 0.561370121], abs=1e-8)
    w1_w4 = [k0[0][0], k0[1][0], k0[0][1], k0[1][1]]
    assert w1_w4 == pytest.approx([0.149780716, 0.19956143, 0.24975114, 0.29950229], abs=1e-8)


def test_kernels_are_keras_layout_and_an_mlp_lists_its_layers_in_turn():
    model = MLP(3, [4, 2], seed=0)
    for p in model.parameters():
        p.data += 0.5  # nonzero biases
    for layer in model.layers:
        kernel, bias = layer.get_weights()
        assert kernel == [[n.w[i].data for n in layer.neurons] for i in range(layer.nin)]
        assert len(kernel) == layer.nin and len(kernel[0]) == layer.nout  # nin x nout
        assert bias == [n.b.data for n in layer.neurons]
    assert model.get_weights() == [*model.layers[0].get_weights(), *model.layers[1].get_weights()]
    neuron = model.layers[1].neurons[1]
    assert neuron.get_weights() == [[w.data for w in neuron.w], neuron.b.data]


@pytest.mark.parametrize("make", [lambda s: Neuron(3, seed=s), lambda s: Layer(3, 4, seed=s),
                                  lambda s: MLP(3, [5, 4, 2], seed=s),
                                  lambda s: MLP(3, [4, 3], seed=s, output_activation="softmax")],
                         ids=["neuron", "layer", "mlp", "softmax-mlp"])
def test_get_weights_then_set_weights_is_exact(make):
    src, dst = make(1), make(2)
    for p in src.parameters():
        p.data = random.choice([1e-310, -0.0, 0.1 + 0.2, math.pi, -7.5]) * random.random()
    assert dst.state_dict() != src.state_dict()
    dst.set_weights(src.get_weights())
    assert [p.data.hex() for p in dst.parameters()] == [p.data.hex() for p in src.parameters()]


def test_set_weights_reads_tuples_and_arrays_and_stores_floats():
    np = pytest.importorskip("numpy")
    from fractions import Fraction

    layer = Layer(2, 3, seed=0)
    layer.set_weights((np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32),
                       (Fraction(1, 4), np.int64(-1), 0)))
    assert layer.get_weights() == [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [0.25, -1.0, 0.0]]
    assert all(type(p.data) is float for p in layer.parameters())
    assert [w.data for w in layer.neurons[2].w] == [3.0, 6.0]  # kernel column = a neuron


def _bad_weights():
    nan = math.nan
    good = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [0.1, 0.2, 0.3], [[1.0], [2.0], [3.0]], [0.5]]

    def edit(path, value):
        w = json.loads(json.dumps(good))
        target = w
        for k in path[:-1]:
            target = target[k]
        target[path[-1]] = value
        return w

    yield "not a list", 5, TypeError, r"MLP\.set_weights expects a list .*got int"
    yield "too few", good[:3], ValueError, (r"expects a list of 4: a kernel and a bias per "
                                            r"layer \(2x3 and 3, 3x1 and 1\); got 3")
    yield "kernel rows", edit([0], [[1.0, 2.0, 3.0]]), ValueError, \
        r"weights\[0\] \(layer 0's kernel: 2 rows, one per input, of 3 numbers.*got 1"
    yield "row length", edit([2, 1], [2.0, 2.5]), ValueError, \
        r"weights\[2\]\[1\] \(layer 1's kernel row 1\) must be a list of 1, got 2"
    yield "bias length", edit([1], [0.1]), ValueError, \
        r"weights\[1\] \(layer 0's bias\) must be a list of 3, got 1"
    yield "bool", edit([0, 1, 2], True), TypeError, \
        r"MLP\.set_weights: weights\[0\]\[1\]\[2\] must be a real number, got bool"
    yield "string", edit([3, 0], "0.5"), TypeError, r"weights\[3\]\[0\] must be a real number"
    yield "nan last", edit([3, 0], nan), ValueError, r"weights\[3\]\[0\] is not finite"
    yield "row not a list", edit([2, 0], 1.0), TypeError, \
        r"weights\[2\]\[0\] \(layer 1's kernel row 0\) must be a list of 1, got float"


@pytest.mark.parametrize("case", list(_bad_weights()), ids=lambda c: c[0])
def test_bad_weights_are_refused_by_position_and_change_nothing(case):
    _, weights, error, match = case
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=match):
        model.set_weights(weights)
    assert model.state_dict() == before


def test_neuron_and_layer_set_weights_check_their_shapes_too():
    neuron = Neuron(2, seed=0)
    before = neuron.state_dict()
    with pytest.raises(TypeError, match=r"weights\[1\] \(the bias\) must be a real number, "
                                        r"got list"):
        neuron.set_weights([[1.0, 2.0], [0.5]])
    with pytest.raises(ValueError, match=r"weights\[0\] \(the weights\) must be a list of 2, "
                                         r"got 3"):
        neuron.set_weights([[1.0, 2.0, 3.0], 0.5])
    with pytest.raises(ValueError, match=r"expects a list of 2: \[w, b\]"):
        neuron.set_weights([[1.0, 2.0]])
    assert neuron.state_dict() == before
    layer = Layer(2, 3, seed=0)
    with pytest.raises(ValueError, match=r"Layer\.set_weights: weights\[0\] \(kernel: 2 rows"):
        layer.set_weights([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize(("name", "fn"), [
    ("sigmoid", lambda z: 1 / (1 + math.exp(-z))), ("tanh", math.tanh),
    ("relu", lambda z: max(z, 0.0)),
])
def test_output_activation_applies_to_the_last_layer_only(name, fn):
    model = MLP(3, [4, 3], activation="tanh", seed=0, output_activation=name)
    assert [layer.activation for layer in model.layers] == ["tanh", name]
    linear = MLP(3, [4, 3], activation="tanh", seed=1)
    linear.set_weights(model.get_weights())
    for x in ([0.3, -1.2, 2.0], [-2.0, 0.5, 0.1]):
        assert [v.data for v in model(x)] == pytest.approx(
            [fn(v.data) for v in linear(x)], abs=1e-15)
    one = MLP(2, [3, 1], seed=0, output_activation="sigmoid")
    assert isinstance(one([0.5, 0.5]), Value) and one.scalar([0.5, 0.5]).op == "sigmoid"


def test_softmax_output_gives_probabilities_with_the_softmax_gradient():
    model = MLP(3, [4, 3], activation="relu", seed=0, output_activation="softmax")
    assert model.layers[-1].activation is None  # the softmax reads all of the last layer's sums
    for p in model.parameters():
        p.data += 0.3
    linear = MLP(3, [4, 3], seed=1)
    linear.set_weights(model.get_weights())
    x = [0.3, -1.2, 2.0]
    z = [v.data for v in linear(x)]
    e = [math.exp(v) for v in z]
    probs = model(x)
    assert isinstance(probs, list) and model.vector(x)[0].data == probs[0].data
    assert [p.data for p in probs] == pytest.approx([v / sum(e) for v in e], abs=1e-15)
    probs[0].backward()
    p = [v / sum(e) for v in e]
    # d p_0 / d b_j = p_0 (delta_0j - p_j): the last layer's biases feed z_j with slope 1.
    assert [n.b.grad for n in model.layers[-1].neurons] == pytest.approx(
        [p[0] * ((j == 0) - p[j]) for j in range(3)], abs=1e-15)
    with pytest.raises(ValueError, match="3 outputs, not 1"):
        model.scalar(x)


def test_softmax_outputs_keep_the_argmax_for_accuracy():
    from nn import accuracy

    model = MLP(2, [5, 3], seed=3, output_activation="softmax")
    linear = MLP(2, [5, 3], seed=4)
    linear.set_weights(model.get_weights())
    X = [[random.uniform(-2, 2), random.uniform(-2, 2)] for _ in range(40)]
    y = [random.randrange(3) for _ in X]
    assert accuracy([model(x) for x in X], y) == accuracy([linear(x) for x in X], y)


def test_output_activation_is_checked_and_shown():
    with pytest.raises(ValueError, match="over one output is always 1.0.*sigmoid"):
        MLP(2, [3, 1], output_activation="softmax")
    with pytest.raises(ValueError, match="unknown output_activation 'logsoftmax'.*'softmax'"):
        MLP(2, [3, 2], output_activation="logsoftmax")
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        MLP(2, [3, 2], activation="softmax")  # hidden layers: relu, tanh, sigmoid or linear
    text = repr(MLP(2, [3, 2], seed=0, output_activation="softmax"))
    assert text.splitlines()[0] == "MLP(2, [3, 2], activation='relu', output_activation='softmax')"
    assert repr(MLP(2, [3, 2], seed=0)).splitlines()[0] == "MLP(2, [3, 2], activation='relu')"
