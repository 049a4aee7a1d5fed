"""The engine on Ray Serve: engine replicas in a deployment, and a handle-backed engine for the studio.

    hidream-studio --model nano engine-serve --replicas 2      # the engine tier (one replica per GPU)
    hidream-studio serve --engine ray                          # a web replica that sends turns there

``EngineReplica`` (a Serve deployment) holds one in-process ``Engine`` per replica; its ``run``
streams ``("step", StepProgress)`` items and ends with ``("result", EngineResult)`` or
``("error", kind, message, is_user_mistake)``. ``RemoteEngine`` keeps the in-process engine's contract
(``generate`` / ``generate_options`` / ``edit`` with ``on_step`` and ``cancel``, ``describe``, ``defaults``,
``aspect_ratios``, ``estimate_seconds``, ``load``), so the studio cannot tell the two apart:

- progress and previews arrive per step through a streaming handle call;
- Stop cancels the Serve request at once; the replica's generator sees the cancellation and sets
  the engine's cancel event, so the job stops at the next step boundary (as it does locally);
- a StudioError raised in a replica is raised again here with its own class (a user mistake
  stays a notice); anything else becomes ``EngineFault`` naming the remote error (a fault stays
  a fault).

Ray Serve routes each request to the replica with the fewest in-flight requests ("power of two
choices"); each replica runs one job at a time on its device (the engine's device lock), so
``max_ongoing_requests`` only bounds how many wait inside a replica.

Generate requests are batched with Ray Serve's own ``serve.batch``: the requests that reach a replica
together (up to ``max_batch_size``: a batch waits at most ``batch_wait_s`` for more once its first
request is there, and the requests that arrive while a batch runs form the next one) are grouped
by their settings (steps, guidance, negative prompt, size), and each group is one
``Engine.generate_many`` call: one forward per step for all its prompts, each image the one its
recipe makes alone. Every caller still gets its own per-step progress; a caller
that stops gets Cancelled at once while the batch goes on for the others, and stops at the next
step once every caller in it is gone. A request is validated alone before it joins a batch, so one
user's mistake fails only that request. Each result's ``extra["batch"]`` says how many ran together.

This module imports Ray; nothing else in the package does, so Ray loads only when asked for.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import ray
from ray import serve

from .. import domain
from ..domain import Cancelled, EditRequest, EngineResult, GenerateRequest, StudioError, UserError

APP_NAME = "hidream-engine"
DEPLOYMENT_NAME = "HiDreamEngine"
MAX_BATCH_SIZE = 4  # generate requests one engine call may carry (engine-serve --max-batch-size)
BATCH_WAIT_S = 0.05  # how long a batch waits for more requests once its first one is there
_ERRORS = {cls.__name__: cls for cls in vars(domain).values()
           if isinstance(cls, type) and issubclass(cls, StudioError)}  # fmt: skip


class EngineFault(StudioError):
    """An engine replica failed for a reason other than the request (a bug, out of memory, a lost replica)."""


@serve.deployment(name=DEPLOYMENT_NAME, max_ongoing_requests=32)
class EngineReplica:
    """One engine per replica, loaded at start-up (a missing model fails the deployment, not a turn)."""

    def __init__(self, settings, replicas: int = 1, setup=None, max_batch_size: int = MAX_BATCH_SIZE,
                 batch_wait_s: float = BATCH_WAIT_S):  # fmt: skip
        from . import load_engine

        if setup is not None:  # e.g. bootstrap.register_describers: what the web process would have run
            setup()
        self.replicas = replicas
        self.max_batch_size = max_batch_size
        self._generate_batch.set_max_batch_size(max_batch_size)
        self._generate_batch.set_batch_wait_timeout_s(batch_wait_s)
        self.engine = load_engine(settings)
        self.engine.load()

    def info(self) -> dict[str, Any]:
        return {
            "replicas": self.replicas,
            "max_batch_size": self.max_batch_size,
            "describe": self.engine.describe(),
            "defaults": {kind: self.engine.defaults(kind) for kind in ("generate", "edit")},
            "aspect_ratios": list(self.engine.aspect_ratios),
        }

    def estimate_seconds(self, kind: str, steps: int, width: int, height: int,
                         refine_strength: float | None = None) -> float:  # fmt: skip
        return self.engine.estimate_seconds(kind, steps, width, height, refine_strength=refine_strength)

    async def run(self, kind: str, request, count: int = 1):
        """Stream ("step", StepProgress) items, then ("result", EngineResult, or a list of them for
        kind "options": `count` candidates in one batched run) or ("error", kind, message, is_user_mistake).

        Kind "generate" goes through `_generate_batch`: requests that arrive together are run as one
        batched engine call per set of settings."""
        if kind == "generate":
            async for item in self._generate(request):
                yield item
            return
        loop = asyncio.get_running_loop()
        items: asyncio.Queue = asyncio.Queue()
        cancel = threading.Event()

        def on_step(progress) -> None:
            loop.call_soon_threadsafe(items.put_nowait, ("step", progress))

        def work() -> None:
            try:
                if kind == "options":
                    made = self.engine.generate_options(request, count, on_step=on_step, cancel=cancel)
                else:
                    call = self.engine.generate if kind == "generate" else self.engine.edit
                    made = call(request, on_step=on_step, cancel=cancel)
                out = ("result", made)
            except StudioError as exc:  # the class name, and whether it is the user's mistake
                out = ("error", type(exc).__name__, str(exc), isinstance(exc, UserError))
            except Exception as exc:  # noqa: BLE001 - sent back as a fault, with its type
                out = ("fault", type(exc).__name__, str(exc))
            loop.call_soon_threadsafe(items.put_nowait, out)

        job = loop.run_in_executor(None, work)
        try:
            while True:
                item = await items.get()
                yield item
                if item[0] != "step":
                    break
        finally:
            cancel.set()  # the caller pressed Stop or went away: the engine stops at the next step
            await asyncio.shield(job)

    # ------------------------------------------------------------------ batched generate
    async def _generate(self, request: GenerateRequest):
        """One caller's generate: validated alone (a user mistake fails only its own request), then
        queued for `_generate_batch`; its items stream back as the batch runs."""
        try:
            key = self.engine.batch_key(request)
        except StudioError as exc:
            yield ("error", type(exc).__name__, str(exc), isinstance(exc, UserError))
            return
        caller = _Caller(key, request)
        try:
            async for item in self._generate_batch(caller):
                if item is None:  # a step of another group of the batch
                    continue
                yield item
                if item[0] != "step":
                    break
        finally:
            caller.gone.set()  # Stop, or the caller went away: the batch stops once all its callers have

    @serve.batch(max_batch_size=MAX_BATCH_SIZE, batch_wait_timeout_s=BATCH_WAIT_S)
    async def _generate_batch(self, callers: list[_Caller]):
        """Ray Serve's batching: the generate requests that arrived together (up to max_batch_size,
        waiting at most batch_wait_s for more), grouped by their settings (Engine.batch_key); each group
        is ONE engine call (generate_many; a group of one is a plain generate). Yields one list per
        event, an item for every caller: its ("step", ...) or final item, None when the event is
        another group's, StopIteration once it has its final item."""
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()
        groups: dict[tuple, list[int]] = {}
        for i, caller in enumerate(callers):
            groups.setdefault(caller.key, []).append(i)

        def work(members: list[int]) -> None:
            requests = [callers[i].request for i in members]
            cancel = _AllGone([callers[i].gone for i in members])

            def on_step(progress) -> None:
                loop.call_soon_threadsafe(events.put_nowait, (members, [("step", progress)] * len(members)))

            try:
                if len(requests) == 1:
                    made = [self.engine.generate(requests[0], on_step=on_step, cancel=cancel)]
                else:
                    made = self.engine.generate_many(requests, on_step=on_step, cancel=cancel)
                outs = [("result", result) for result in made]
            except StudioError as exc:
                outs = [("error", type(exc).__name__, str(exc), isinstance(exc, UserError))] * len(members)
            except Exception as exc:  # noqa: BLE001 - sent back as a fault, with its type
                outs = [("fault", type(exc).__name__, str(exc))] * len(members)
            loop.call_soon_threadsafe(events.put_nowait, (members, outs))

        jobs = [loop.run_in_executor(None, work, members) for members in groups.values()]
        done: set[int] = set()
        try:
            while len(done) < len(callers):
                members, items = await events.get()
                out: list = [StopIteration if i in done else None for i in range(len(callers))]
                for i, item in zip(members, items, strict=True):
                    out[i] = item
                    if item[0] != "step":
                        done.add(i)
                yield out
        finally:
            for caller in callers:
                caller.gone.set()
            await asyncio.gather(*(asyncio.shield(job) for job in jobs))


class _Caller:
    """One generate request waiting in a batch: its settings key, and whether its caller is gone."""

    def __init__(self, key: tuple, request: GenerateRequest):
        self.key, self.request, self.gone = key, request, threading.Event()


class _AllGone:
    """The cancel signal of one batched engine call: set once every caller in it is gone (the engine
    checks `is_set()` at every step boundary)."""

    def __init__(self, flags: list[threading.Event]):
        self.flags = flags

    def is_set(self) -> bool:
        return all(flag.is_set() for flag in self.flags)


def build_app(settings, replicas: int = 1, cpus_per_replica: float = 1.0, gpus_per_replica: float = 0.0,
              setup=None, max_batch_size: int = MAX_BATCH_SIZE, batch_wait_s: float = BATCH_WAIT_S):  # fmt: skip
    """The Serve application: `replicas` engine replicas for `settings`; each calls `setup()` first and
    batches up to `max_batch_size` generate requests, waiting at most `batch_wait_s` for a batch to fill."""
    options = {"num_cpus": cpus_per_replica, "num_gpus": gpus_per_replica}
    return EngineReplica.options(num_replicas=replicas, ray_actor_options=options).bind(
        settings, replicas, setup, max_batch_size, batch_wait_s)


def deploy(settings, replicas: int, cpus_per_replica: float, gpus_per_replica: float, address: str | None,
           setup=None, max_batch_size: int = MAX_BATCH_SIZE, batch_wait_s: float = BATCH_WAIT_S,
           app_name: str = APP_NAME):  # fmt: skip
    """Start (or join) Ray, deploy the engine replicas without an HTTP proxy; returns the handle."""
    connect(address, start=address is None)
    serve.start(proxy_location="Disabled")
    app = build_app(settings, replicas, cpus_per_replica, gpus_per_replica, setup, max_batch_size, batch_wait_s)
    return serve.run(app, name=app_name, route_prefix=None)


def connect(address: str | None, start: bool = False) -> None:
    """Join the Ray cluster at `address` ("auto": the one on this machine); `start` makes a local one."""
    if ray.is_initialized():
        return
    import logging

    kwargs = {"include_dashboard": False} if start else {"address": address or "auto"}
    if start:
        import os

        # Ray's node agents register within 30 s by default: too short on a small, busy machine.
        os.environ.setdefault("RAY_agent_register_timeout_ms", "180000")
    ray.init(namespace="hidream-studio", logging_level=logging.WARNING, log_to_driver=False, **kwargs)


class RemoteEngine:
    """The studio's engine, backed by a Serve deployment handle (same contract as ``Engine``)."""

    def __init__(self, handle):
        self._handle = handle
        self._info: dict[str, Any] | None = None

    @classmethod
    def connect(cls, address: str = "auto") -> RemoteEngine:
        """The engine deployed by `engine-serve` on the Ray cluster at `address`."""
        from ..domain import ModelUnavailable

        try:
            connect(address)
            handle = serve.get_deployment_handle(DEPLOYMENT_NAME, app_name=APP_NAME)
        except (ConnectionError, ray.exceptions.RaySystemError, serve.exceptions.RayServeException) as exc:
            raise ModelUnavailable(
                f"no engine deployment on the Ray cluster at {address!r} (start it with "
                f"`hidream-studio engine-serve`): {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            ) from None
        except ValueError as exc:  # no such application or deployment
            raise ModelUnavailable(f"no engine deployment on the Ray cluster at {address!r}: {exc}") from None
        return cls(handle)

    # ------------------------------------------------------------------ the Engine contract
    def load(self) -> None:
        """Wait for the replicas (they load their weights at start-up) and fetch the engine's facts."""
        self._facts()

    def generate(self, req: GenerateRequest, on_step=None, cancel: threading.Event | None = None) -> EngineResult:
        return self._run("generate", req, on_step, cancel)

    def generate_options(self, req: GenerateRequest, count: int, on_step=None,
                         cancel: threading.Event | None = None) -> list[EngineResult]:  # fmt: skip
        """`count` candidates in one batched run on one replica (as the in-process engine does)."""
        return self._run("options", req, on_step, cancel, count)

    def edit(self, req: EditRequest, on_step=None, cancel: threading.Event | None = None) -> EngineResult:
        from ..imageio import open_image

        # A path or bytes means nothing on another machine: send the image itself.
        return self._run("edit", _with_source(req, open_image(req.source)), on_step, cancel)

    def describe(self) -> dict[str, Any]:
        return {**self._facts()["describe"], "engine": f"ray ({self._facts()['replicas']} replicas)"}

    @property
    def concurrency(self) -> int:
        """Turns a web replica sends at once: two per engine replica, so none idles between turns."""
        return 2 * int(self._facts()["replicas"])

    def defaults(self, kind: str) -> dict[str, Any]:
        if kind not in ("generate", "edit"):
            raise ValueError(f"kind must be 'generate' or 'edit', not {kind!r}")
        return dict(self._facts()["defaults"][kind])

    @property
    def aspect_ratios(self) -> list[tuple[int, int]]:
        return [tuple(x) for x in self._facts()["aspect_ratios"]]

    def estimate_seconds(self, kind: str, steps: int, width: int, height: int,
                         refine_strength: float | None = None) -> float:  # fmt: skip
        return self._handle.estimate_seconds.remote(kind, steps, width, height, refine_strength).result()

    # ------------------------------------------------------------------ the hop
    def _facts(self) -> dict[str, Any]:
        if self._info is None:
            self._info = self._handle.info.remote().result()
        return self._info

    def _run(self, kind: str, request, on_step, cancel: threading.Event | None, count: int = 1):
        if cancel is not None and cancel.is_set():
            raise Cancelled("stopped before the engine started")
        stream = self._handle.options(stream=True).run.remote(kind, request, count)
        done = threading.Event()
        if cancel is not None:
            threading.Thread(target=_cancel_when_set, args=(cancel, done, stream), daemon=True).start()
        try:
            for item in stream:
                if item[0] == "step":
                    if on_step is not None:
                        on_step(item[1])
                    continue
                if item[0] == "result":
                    return item[1]
                if item[0] == "error":  # a class defined outside domain still keeps its side
                    raise _ERRORS.get(item[1], UserError if item[3] else StudioError)(item[2])
                raise EngineFault(f"the engine failed: {item[1]}: {item[2]}")
            raise EngineFault("the engine replica ended the request without a result")
        except (ray.exceptions.TaskCancelledError, asyncio.CancelledError) as exc:
            raise Cancelled("stopped") from exc
        except ray.exceptions.RayError as exc:
            if cancel is not None and cancel.is_set():
                raise Cancelled("stopped") from exc
            raise EngineFault(f"the engine replica failed: {str(exc).splitlines()[0]}") from exc
        finally:
            done.set()


def _cancel_when_set(cancel: threading.Event, done: threading.Event, stream) -> None:
    """Cancel the Serve request as soon as Stop is pressed (polled, so the thread ends with the turn)."""
    while not done.is_set():
        if cancel.wait(0.05):
            if not done.is_set():
                stream.cancel()
            return


def _with_source(req: EditRequest, image) -> EditRequest:
    from dataclasses import replace

    return replace(req, source=image)
