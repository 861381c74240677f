"""runtime.py: the race and gather helpers leave nothing behind.

A task that ends with an error nobody reads makes asyncio print "Task
exception was never retrieved" with a traceback - into the middle of the
wizard's screen. These tests run the helpers on a real event loop (no peer
is needed: the tasks are plain coroutines) and watch the loop's exception
handler.
"""

from __future__ import annotations

import asyncio
import gc

from setupwizard.errors import DNSError
from setupwizard.runtime import Deadline, gather_settled, ranked_race


def _run_watching(coro_factory) -> list[dict]:
    """Run a coroutine on a fresh loop; return what the loop's exception
    handler was told (after garbage collection, where asyncio reports
    unretrieved task errors)."""
    told: list[dict] = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: told.append(ctx))
        await coro_factory()
        await asyncio.sleep(0)
        gc.collect()
        await asyncio.sleep(0)

    asyncio.run(main())
    gc.collect()
    return told


async def _fails_soon():
    await asyncio.sleep(0.01)
    raise DNSError("refused", kind="refused")


async def _hangs():
    await asyncio.sleep(3600)


def test_gather_settled_cancelled_from_outside_reads_every_error():
    async def scenario():
        outer = asyncio.ensure_future(gather_settled([_fails_soon, _fails_soon, _hangs]))
        await asyncio.sleep(0.05)  # the two failures are in, the third hangs
        outer.cancel()
        try:
            await outer
        except asyncio.CancelledError:
            pass
    told = _run_watching(scenario)
    assert not [c for c in told if "never retrieved" in c.get("message", "")], told


def test_ranked_race_reads_the_errors_of_the_losers():
    async def found():
        await asyncio.sleep(0.02)
        return "found"

    async def scenario():
        results, winner = await ranked_race([found, _fails_soon, _hangs],
                                            is_found=lambda v: v == "found",
                                            deadline=Deadline(5))
        assert winner == 0 and results[0] == "found"
    told = _run_watching(scenario)
    assert not [c for c in told if "never retrieved" in c.get("message", "")], told


def test_gather_settled_returns_errors_and_none_for_the_cut_off():
    async def scenario():
        values = await gather_settled([_fails_soon, _hangs], deadline=Deadline(0.1))
        assert isinstance(values[0], DNSError) and values[1] is None
    assert _run_watching(scenario) == []


def test_no_task_error_reaches_the_screen_when_the_dns_server_refuses(lab):
    """The case that showed it (issue 11's tmux run): the lab's DNS server
    refuses every name outside the lab, our database answers for gmx.de at
    once, and the cancelled SRV questions had failed already. A real process,
    because asyncio prints these reports to standard error."""
    from tests.support import assert_clean, run_cli
    proc = run_cli("discover", "jemand@gmx.de", *lab.cli_args, "--timeout", "2")
    assert_clean(proc)
    assert proc.returncode == 0
    assert "never retrieved" not in proc.stderr and proc.stderr == ""
