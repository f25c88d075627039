"""Reading and deriving pause Python's cyclic collector, and leave it as they found it.

What is built while the collector is paused would all be in its youngest generation,
which the next collection walks whole (half a second after 10,000 equations); it is
moved to the oldest instead. A caller's own frozen objects stay frozen.
"""

import gc

import pytest

from orderdiff.algebra import paused_gc


@pytest.fixture
def collector():
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    gc.enable()
    yield
    if gc.get_freeze_count() > frozen:
        gc.unfreeze()
    if not enabled:
        gc.disable()


class Built:
    """An object the collector tracks, found again by identity."""


def generation_of(obj):
    return next((g for g in range(3) if any(o is obj for o in gc.get_objects(generation=g))), None)


def test_what_was_built_while_paused_is_not_left_in_the_youngest_generation(collector):
    gc.collect()
    with paused_gc():
        assert not gc.isenabled()
        built = Built()
        assert generation_of(built) == 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert generation_of(built) == 2


def test_a_pause_inside_a_pause_leaves_the_collector_paused(collector):
    with paused_gc():
        with paused_gc():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_callers_frozen_objects_stay_frozen(collector):
    kept = Built()
    gc.freeze()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    with paused_gc():
        Built()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen
    assert generation_of(kept) is None  # still in the permanent generation, not walked


def test_a_disabled_collector_stays_disabled(collector):
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()
