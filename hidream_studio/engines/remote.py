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
_ERRORS = {cls.__name__: cls for cls in vars(domain).values()
           if isinstance(cls, type) and issubclass(cls, StudioError)}  # fmt: skip


class EngineFault(StudioError):
    """An engine replica failed for a reason other than the request (a bug, out of memory, a lost replica)."""


@serve.deployment(name=DEPLOYMENT_NAME, max_ongoing_requests=32)
class EngineReplica:
    """One engine per replica, loaded at start-up (a missing model fails the deployment, not a turn)."""

    def __init__(self, settings, replicas: int = 1, setup=None):
        from . import load_engine

        if setup is not None:  # e.g. bootstrap.register_describers: what the web process would have run
            setup()
        self.replicas = replicas
        self.engine = load_engine(settings)
        self.engine.load()

    def info(self) -> dict[str, Any]:
        return {
            "replicas": self.replicas,
            "describe": self.engine.describe(),
            "defaults": {kind: self.engine.defaults(kind) for kind in ("generate", "edit")},
            "aspect_ratios": list(self.engine.aspect_ratios),
        }

    def estimate_seconds(self, kind: str, steps: int, width: int, height: int,
                         refine_strength: float | None = None) -> float:  # fmt: skip
        return self.engine.estimate_seconds(kind, steps, width, height, refine_strength=refine_strength)

    async def run(self, kind: str, request, count: int = 1):
        """Stream ("step", StepProgress) items, then ("result", EngineResult, or a list of them for
        kind "options": `count` candidates in one batched run) or ("error", kind, message, is_user_mistake)."""
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


def build_app(settings, replicas: int = 1, cpus_per_replica: float = 1.0, gpus_per_replica: float = 0.0,
              setup=None):  # fmt: skip
    """The Serve application: `replicas` engine replicas for `settings`; each calls `setup()` first."""
    options = {"num_cpus": cpus_per_replica, "num_gpus": gpus_per_replica}
    return EngineReplica.options(num_replicas=replicas, ray_actor_options=options).bind(settings, replicas, setup)


def deploy(settings, replicas: int, cpus_per_replica: float, gpus_per_replica: float, address: str | None,
           setup=None):  # fmt: skip
    """Start (or join) Ray, deploy the engine replicas without an HTTP proxy; returns the handle."""
    connect(address, start=address is None)
    serve.start(proxy_location="Disabled")
    app = build_app(settings, replicas, cpus_per_replica, gpus_per_replica, setup)
    return serve.run(app, name=APP_NAME, route_prefix=None)


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
