"""`hidream-studio serve`: start the web studio."""

from __future__ import annotations

import os


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="start the web studio (Gradio)")
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1; 0.0.0.0 on a Space)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    parser.add_argument("--public", action="store_true", help="each browser sees only its own sessions")
    parser.add_argument("--engine", help="local (default) | ray (the `engine-serve` deployment on this "
                        "machine's Ray cluster) | a Ray address (env HIDREAM_STUDIO_ENGINE)")
    parser.set_defaults(func=run)


def run(args, settings) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ..bootstrap import build_studio
    from ..ui import build_demo, launch_kwargs

    settings = settings.with_(host=args.host, port=args.port) if (args.host or args.port) else settings
    if args.public:
        settings = settings.with_(public=True)
    if args.engine:
        settings = settings.with_(engine=args.engine)
    studio = build_studio(settings, load_models=True)
    demo = build_demo(studio, settings)
    print(f"HiDream Studio: {studio.engine.describe()} · home {settings.home}", flush=True)
    demo.launch(**launch_kwargs(settings))
    return 0
