"""The engine: the op table and everything built from it, the node, the sweeps, the modes.

The bottom layer, importing nothing from the rest of the package: the op table
(:mod:`~autograd.core.ops`) and what its templates call (:mod:`~autograd.core.kernels`); the
node (:mod:`~autograd.core.node`, its slots stated in :mod:`~autograd.core.layout`) and the
fast paths generated for it (:mod:`~autograd.core.fastpaths`, compiled under readable names by
:mod:`~autograd.core.generated`); the sweeps, reverse (:mod:`~autograd.core.backprop`) and
forward (:mod:`~autograd.core.forward`); the recording modes (:mod:`~autograd.core.modes`);
pickling and copying (:mod:`~autograd.core.serial`); the module-level functions
(:mod:`~autograd.core.functions`) and ``custom_op`` (:mod:`~autograd.core.custom`). Their
public names are reached from :mod:`autograd`.
"""
