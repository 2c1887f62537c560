"""Liveness's verdict from the loop's beats, finished messages and the backlog."""

from __future__ import annotations

from pipeline.liveness import Liveness


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_turning_loop_with_no_backlog_is_healthy_however_idle():
    clock = Clock()
    live = Liveness(clock=clock, loop_stall=30, progress_stall=120)
    for _ in range(100):  # an idle night: beats, nothing to process
        clock.now += 10
        live.beat()
    status = live.status()
    assert status.healthy and status.reason == "ok" and status.processed_age == 1000


def test_a_loop_that_stops_beating_is_unhealthy():
    clock = Clock()
    live = Liveness(clock=clock, loop_stall=30)
    clock.now += 31
    status = live.status()
    assert not status.healthy and status.reason == "event loop stalled for 31 s"


def test_a_backlog_with_no_progress_is_unhealthy_counted_from_when_it_appeared():
    clock = Clock()
    live = Liveness(clock=clock, loop_stall=30, progress_stall=120)
    clock.now += 500  # idle: the last message was long ago
    live.beat()
    live.set_lag(40)  # a backlog appears now: progress is owed from here
    assert live.status().healthy
    for _ in range(13):
        clock.now += 10
        live.beat()
    status = live.status()
    assert not status.healthy
    assert status.reason == "40 messages waiting, none processed for 130 s"
    live.processed()
    assert live.status().healthy
