"""`hidream-studio engine-serve`: deploy the engine on Ray Serve for `serve --engine ray` web replicas."""

from __future__ import annotations

import signal
import threading


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "engine-serve", help="deploy the engine as Ray Serve replicas (needs the [ray] extra)"
    )
    parser.add_argument("--replicas", type=int, default=1, help="engine replicas (one per GPU; default 1)")
    parser.add_argument("--address", help="join this Ray cluster (e.g. auto, or HEAD:6379); default: start "
                        "a local one that lives as long as this command")  # fmt: skip
    parser.add_argument("--cpus-per-replica", type=float, default=1.0, help="CPUs each replica reserves (default 1)")
    parser.add_argument("--gpus-per-replica", type=float, help="GPUs each replica reserves (default: 1 on a "
                        "CUDA machine, else 0)")  # fmt: skip
    parser.add_argument("--max-batch-size", type=int, default=4, help="generate requests (from any sessions) "
                        "one engine call may carry when their settings match (default 4; 1: no batching)")  # fmt: skip
    parser.add_argument("--batch-wait-ms", type=float, default=50.0, help="how long a batch waits for more "
                        "requests once its first one is there (default 50)")  # fmt: skip
    parser.set_defaults(func=run)


def run(args, settings) -> int:
    from ..domain import InvalidParams

    if args.replicas < 1:
        raise InvalidParams("--replicas must be at least 1")
    if args.max_batch_size < 1 or args.batch_wait_ms < 0:
        raise InvalidParams("--max-batch-size must be at least 1 and --batch-wait-ms at least 0")
    try:
        from ..engines import remote
    except ImportError as exc:
        raise InvalidParams(f"engine-serve needs Ray Serve: pip install 'hidream-studio[ray]' ({exc.name} is missing)") from None
    gpus = args.gpus_per_replica
    if gpus is None:
        from ..config import cuda_available

        gpus = 1.0 if (settings.device or "cuda").startswith("cuda") and cuda_available() else 0.0
    from ..bootstrap import register_describers

    handle = remote.deploy(settings, args.replicas, args.cpus_per_replica, gpus, args.address, register_describers,
                           max_batch_size=args.max_batch_size, batch_wait_s=args.batch_wait_ms / 1000)  # fmt: skip
    info = handle.info.remote().result()["describe"]
    print(f"HiDream engine on Ray Serve: {args.replicas} replica(s) of {info}; web replicas: "
          f"hidream-studio serve --engine ray", flush=True)  # fmt: skip
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    from ray import serve

    serve.delete(remote.APP_NAME)
    return 0
