"""Checking gradients: against finite differences (:mod:`~autograd.check.gradcheck`) and on
random expressions drawn by hypothesis (:mod:`~autograd.check.testing`, public as
``autograd.testing``; the only module that imports hypothesis, so nothing imports it here).
"""
