"""Pickling and deep-copying graphs (issue 16 item 10): any depth, identity kept, exact copies.

Before autograd/core/serial.py, ``pickle.dumps`` of a chain 1000 deep and ``copy.deepcopy`` of one
100 deep raised RecursionError (the pickler recursed through each node's parents).
"""

import base64
import copy
import io
import math
import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest

import autograd as ag
from autograd import Value

DEEP = 100_000


def _chain(n, x=None):
    """y = x + x + ... (n additions, one node each): dy/dx = n + 1 exactly."""
    x = Value(1.5, label="x") if x is None else x
    y = x
    for _ in range(n):
        y = y + x
    return x, y


def _leaf(root, label):
    (node,) = [n for n in ag.topological_order(root) if n.label == label]
    return node


def _pickled(obj, protocol=pickle.HIGHEST_PROTOCOL):
    return pickle.loads(pickle.dumps(obj, protocol=protocol))


COPIES = {"pickle": _pickled, "deepcopy": copy.deepcopy}


@pytest.mark.parametrize("how", COPIES)
def test_a_chain_100000_deep_round_trips_at_the_default_recursion_limit(how):
    x, y = _chain(DEEP)
    twin = COPIES[how](y)
    assert twin is not y and twin.data == y.data == 1.5 * (DEEP + 1)
    order = ag.topological_order(twin)
    assert len(order) == DEEP + 1 and order[0].label == "x" and order[0] is not x
    twin.backward()
    assert order[0].grad == DEEP + 1 and x.grad == 0.0  # the original is untouched
    y.backward()
    assert x.grad == DEEP + 1


@pytest.mark.parametrize("how", COPIES)
def test_shared_nodes_stay_shared(how):
    a = Value(3.0, label="a")
    sq = a * a  # one parent object, twice
    left, right = sq.exp(), sq.sin()
    top = left * right  # a diamond over sq
    twin = COPIES[how](top)
    l2, r2 = twin.parents
    (s2,) = {id(p): p for p in (*l2.parents, *r2.parents)}.values()
    assert s2.parents[0] is s2.parents[1] and s2.parents[0].label == "a"
    twin.backward()
    top.backward()
    assert s2.parents[0].grad == a.grad
    assert math.isclose(a.grad, 2 * 3.0 * math.exp(9.0) * (math.sin(9.0) + math.cos(9.0)))


@pytest.mark.parametrize("how", COPIES)
def test_objects_copied_together_keep_their_identities(how):
    """A model's parameters and a loss over them, copied in one call: the copied loss's leaves
    are the copied parameters (as with the default pickling)."""
    params = [Value(0.1 * i, label=f"w{i}") for i in range(5)]
    x, deep = _chain(20_000, params[0])
    loss = ag.sum([p * p for p in params]) + deep
    params2, loss2, x2 = COPIES[how]((params, loss, x))
    assert x2 is params2[0]
    leaves = {id(n) for n in ag.topological_order(loss2) if n.is_leaf}
    assert leaves == {id(p) for p in params2}
    loss2.backward()
    loss.backward()
    assert [p.grad for p in params2] == [p.grad for p in params]


def test_every_node_of_a_deep_graph_pickled_in_one_list():
    """Each list element is pickled as its own object and keeps its place in the graph."""
    _, y = _chain(DEEP // 10)
    order = ag.topological_order(y)
    loaded = _pickled(order)
    assert [n.data for n in loaded] == [n.data for n in order]
    assert all(loaded[i].parents == (loaded[i - 1], loaded[0]) for i in range(1, len(loaded)))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_pickle_protocol_and_the_pure_python_pickler(protocol):
    _, y = _chain(3000)
    for data in (pickle.dumps(y, protocol=protocol), pickle._dumps(y, protocol=protocol)):
        twin = pickle.loads(data)
        twin.backward()
        assert ag.topological_order(twin)[0].grad == 3001


def test_a_pickler_kept_for_several_dumps_keeps_identity_across_them():
    x, y = _chain(DEEP // 10)
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer)
    pickler.dump(y)
    pickler.dump(x)
    del pickler
    buffer.seek(0)
    unpickler = pickle.Unpickler(buffer)
    y2 = unpickler.load()
    x2 = unpickler.load()
    assert ag.topological_order(y2)[0] is x2


def test_threads_pickling_one_graph_at_once():
    """Each thread's pickler keeps its own record of what it wrote."""
    x, y = _chain(DEEP // 10)
    with ThreadPoolExecutor(4) as pool:
        loaded = list(pool.map(lambda _: pickle.loads(pickle.dumps((x, y))), range(8)))
    for x2, y2 in loaded:
        y2.backward()
        assert ag.topological_order(y2)[0] is x2 and x2.grad == 10_001


@pytest.mark.parametrize("how", COPIES)
def test_fields_travel_exactly(how):
    """data, grad (None included), labels, built-in op records, constants, local derivatives,
    n-ary nodes with constant arguments, and nodes made under no_grad (leaves)."""
    a, b, c = Value(0.5, label="a"), Value(-2.0, label="b"), Value(3.0)
    with ag.no_grad():
        frozen = a * b  # a leaf
    nodes = [
        2.0 * a, a / 4.0, 3.0 - b, b ** 2, ag.dot([a, b, c], [c, 1.0, a]), ag.sum([a, 1.0, c]),
        ag.logsumexp([a, b, c]), a.leaky_relu(0.2), frozen * c,
    ]
    top = ag.sum(nodes)
    top.backward()
    c.grad = None
    b.label = "renamed"
    twin = COPIES[how](top)
    old, new = ag.topological_order(top), ag.topological_order(twin)
    assert len(old) == len(new)
    for o, n in zip(old, new, strict=True):
        assert n is not o
        assert (n.data, n.grad, n.label, n.op, n.is_leaf) == (o.data, o.grad, o.label, o.op,
                                                               o.is_leaf)
        assert n.primitive is o.primitive  # the table's own record
        assert n.local_grads == o.local_grads
        assert [v.data if isinstance(v, Value) else v for v in n.arguments] == [
            v.data if isinstance(v, Value) else v for v in o.arguments]
    assert [n.data for n in new if n.label == "renamed"] == [-2.0]


def test_a_dump_failing_mid_graph_leaves_no_record_behind():
    """The failing node comes first in the root's list, the rest of the graph after it: a
    later dump of that rest writes every node whole, gradients that are Values included."""
    square = ag.custom_op(lambda t: t * t, lambda t: 2 * t, name="square")
    x = Value(0.9, label="x")
    first = x * x  # the node after the failing one in the root's list: read ahead
    rest = first.sin()
    for _ in range(DEEP // 20):
        rest = (rest * x).sin()
    top = square(x) + rest
    top.backward(create_graph=True)
    with pytest.raises((pickle.PicklingError, AttributeError), match="lambda"):
        pickle.dumps(top)
    alone = _pickled(first)
    assert isinstance(alone.grad, Value) and alone.grad.data == first.grad.data
    twin = _pickled(rest)
    assert isinstance(twin.grad, Value) and twin.grad.data == rest.grad.data
    assert [n.grad.data for n in ag.topological_order(twin)] == [
        n.grad.data for n in ag.topological_order(rest)]


@pytest.mark.parametrize("how", COPIES)
def test_create_graph_gradients_travel_and_differentiate_again(how):
    """After backward(create_graph=True) every .grad is a Value whose graph reaches back into
    the graph (x.grad depends on x): the copy keeps that, and its second derivative."""
    x = Value(0.7, label="x")
    y = x
    for _ in range(5000):
        y = (y * x).sin()
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    twin = COPIES[how](y)
    x2 = _leaf(twin, "x")
    assert isinstance(x2.grad, Value) and x2.grad.data == x.grad.data
    assert x2 in set(ag.topological_order(x2.grad))  # the cycle through .grad is kept
    assert x in set(ag.topological_order(x.grad))
    assert x2 not in set(ag.topological_order(x.grad))
    g1, g2 = x.grad, x2.grad
    x.grad = x2.grad = 0.0
    g1.backward()
    g2.backward()
    assert x2.grad == x.grad and math.isfinite(x.grad)


class Tagged(Value):
    """A subclass with an instance dictionary."""


@pytest.mark.parametrize("how", COPIES)
def test_value_subclasses_keep_their_class_and_attributes(how):
    a = Tagged(2.0, label="a")
    a.tag = ["kept"]
    twin = COPIES[how]([a, a * 3.0])
    assert type(twin[0]) is Tagged and twin[0].tag == ["kept"] and twin[1].parents == (twin[0],)


def test_copy_copy_is_shallow():
    a = Value(2.0)
    y = a * a
    y.grad = 4.0
    twin = copy.copy(y)
    assert twin is not y and twin.parents == (a, a) and (twin.data, twin.grad) == (4.0, 4.0)


def test_bad_pickled_state_is_refused_by_name():
    with pytest.raises(TypeError, match="pickled state"):
        Value(1.0).__setstate__((1.0, 2.0))


def test_a_pickle_holds_the_layouts_state_in_order():
    """What a pickle holds is autograd.core.layout.STATE (every slot but the scratch one), so a
    slot added to the layout is pickled and copied without another edit."""
    from autograd.core.layout import SCRATCH, SLOTS, STATE

    x = Value(2.0, label="x")
    y = x * 3.0
    assert STATE == tuple(s for s in SLOTS if s != SCRATCH)
    assert y.__reduce__()[2][1] == tuple(getattr(y, s) for s in STATE)
    twin = pickle.loads(pickle.dumps(y))
    assert (twin.data, twin.grad, twin.label, twin.primitive) == (6.0, 0.0, "", y.primitive)
    assert twin.arguments == (twin.parents[0], 3.0) and twin.parents[0].label == "x"


def test_a_pickle_of_the_default_form_with_the_old_slot_name_loads():
    # Before Value had its own pickling, a node pickled as its slot dictionary, with the op's
    # record under "_op" (now "_primitive").
    x = Value(3.0)
    node = Value.__new__(Value)
    node.__setstate__((None, {
        "data": math.exp(3.0), "grad": 0.0, "label": "", "_op": ag.OPS["exp"], "_p0": x,
        "_d0": math.exp(3.0), "_p1": None, "_d1": 0.0, "_c": None, "_many": None,
    }))
    assert node.op == "exp" and node.primitive is ag.OPS["exp"] and node.parents == (x,)
    node.backward()
    assert x.grad == math.exp(3.0)


# Written by the engine before its modules moved into autograd/core (commit 8701690), so it
# names them by their old paths (autograd.node.Value, autograd.serial.blank,
# autograd.ops.builtin_op and autograd.ops._custom_op_record):
#     x = Value(3.0, label="x"); msin = custom_op(math.sin, math.cos, name="msin")
#     y = (x * x).relu() + msin(x); y.backward(); pickle.dumps((x, y), protocol=4)
PICKLED_BEFORE_THE_MOVE = base64.b64decode(
    "gASVLgIAAAAAAACMD2F1dG9ncmFkLnNlcmlhbJSMBWJsYW5rlJOUjA1hdXRvZ3JhZC5ub2RllIwFVmFsdWWUk5SF"
    "lFKUjAhidWlsdGluc5SMBGxpc3SUk5QpUpQoR0AIAAAAAAAAR0AUCj9oL0NGjAF4lE5ORwAAAAAAAAAATkcAAAAA"
    "AAAAAE5OdJRdlIeUYmgCaAZSlGgKKVKUKGgCaAZSlChHQCIAAAAAAABHP/AAAAAAAACMAJSMDGF1dG9ncmFkLm9w"
    "c5SMCmJ1aWx0aW5fb3CUk5SMA211bJSFlFKUaAdHQAgAAAAAAABoB0dACAAAAAAAAE5OdJRiaAJoBlKUKEdAIgAA"
    "AAAAAEc/8AAAAAAAAGgTaBaMBHJlbHWUhZRSlGgSRz/wAAAAAAAATkcAAAAAAAAAAE5OdJRiaAJoBlKUKEc/whA4"
    "bbbVW0c/8AAAAAAAAGgTaBSMEV9jdXN0b21fb3BfcmVjb3JklJOUKIwEbXNpbpSMBG1hdGiUjANzaW6Uk5RoJIwD"
    "Y29zlJOUhZRoI4wQYWxsIHJlYWwgbnVtYmVyc5SMK1JldHVybiB0aGUgc2luZSBvZiB4IChtZWFzdXJlZCBpbiBy"
    "YWRpYW5zKS6UdJRSlGgHR7/vrgS+heXSTkcAAAAAAAAAAE5OdJRiZShHQCJIQOG221VHP/AAAAAAAABoE2gWjANh"
    "ZGSUhZRSlGgbRz/wAAAAAAAAaCBHP/AAAAAAAABOTnSUXZSHlGKGlC4="
)


def test_a_pickle_written_before_the_engine_moved_into_core_still_loads():
    x, y = pickle.loads(PICKLED_BEFORE_THE_MOVE)
    assert type(x) is Value and type(y) is Value  # this engine's Value, not another copy's
    assert y.data == 9.0 + math.sin(3.0)  # relu(3 * 3) + sin(3)
    assert x.grad == 6.0 + math.cos(3.0)  # d/dx: 2x + cos x, as it was saved
    square, sine = y.parents
    assert square.primitive is ag.OPS["relu"] and sine.op == "msin"
    x.grad = y.grad = 0.0
    y.backward()  # the loaded graph runs in this engine
    assert x.grad == 6.0 + math.cos(3.0)
