"""Module bookkeeping, the Neuron/Layer/MLP stack, and state dicts / state files."""

import json
import math
import os
import random

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
