"""A session started on one web replica continues on another, in a real browser.

Two `hidream-studio serve --public` processes on different ports share the database, the images
folder and HIDREAM_STUDIO_SECRET (each with its own in-process tiny engine: what is tested is the
shared store and secret, not the engine tier). The browser keeps its identity (owner token, open
session) encrypted in localStorage (gr.BrowserState), which is per origin; behind a load balancer
every replica has the one origin, so the test carries the browser's storage from replica A's
origin to replica B's, as a load balancer would, after stopping A. A replica with another secret
cannot read that storage: it starts a new session and does not see the first one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_browser import TIMEOUT_MS, picture_and_edit, send, wait_versions

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]



class Replicas:
    """`hidream-studio serve --public` processes on one home (images folder) and one database."""

    def __init__(self, home: Path, db_url: str):
        sys.path.insert(0, str(ROOT / "bench"))
        import bench_load

        self.bench, self.home, self.db_url, self.procs = bench_load, home, db_url, []

    def start(self, secret: str) -> tuple[subprocess.Popen, str]:
        port = self.bench.free_port()
        env = {**os.environ, "HIDREAM_STUDIO_SECRET": secret, "PYTHONUNBUFFERED": "1",
               "GRADIO_ANALYTICS_ENABLED": "False"}  # fmt: skip
        proc = subprocess.Popen(
            self.bench.cli("--home", str(self.home), "--database-url", self.db_url, "--model", "tiny", "--editor",
                           "tiny", "--device", "cpu", "--dtype", "float32", "serve", "--public", "--port", str(port)),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
        )  # fmt: skip
        self.procs.append(proc)
        self.bench.wait_for_line(proc, "Running on local URL", timeout=600)
        return proc, f"http://127.0.0.1:{port}"

    @staticmethod
    def stop(proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def trees(self) -> dict[str, dict[int, int | None]]:
        """Every session that has versions: {session id: {number: parent}}, read from the store."""
        from hidream_studio.store import Store
        from hidream_studio.store.schema import sessions

        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                owners = dict(conn.execute(sa.select(sessions.c.id, sessions.c.owner)).all())
        finally:
            engine.dispose()
        with Store.open(self.db_url, self.home / "images") as store:
            found = {sid: {v.number: v.parent for v in store.versions(sid, owner=owner)} for sid, owner in owners.items()}
        return {sid: tree for sid, tree in found.items() if tree}


def carried(state: dict, origin: str, to: str) -> dict:
    """The browser's storage as a load balancer's one origin keeps it: `origin`'s localStorage under `to`."""
    for entry in state["origins"]:
        if entry["origin"].rstrip("/") == origin:
            entry["origin"] = to
    return state


def open_page(browser, url: str, state: dict | None = None):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, storage_state=state)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url, wait_until="load")
    page.locator("#chat-input textarea").first.wait_for()
    return context, page


def test_a_session_continues_on_another_web_replica(browser, databases, tmp_path):
    from hidream_studio.cli import main

    assert main(["make-tiny", str(tmp_path / "models" / "tiny")]) == 0  # before two processes would build it
    replicas = Replicas(tmp_path, databases.new())
    secret = "a-secret-every-replica-shares-" + "x" * 16
    try:
        a, url_a = replicas.start(secret)
        b, url_b = replicas.start(secret)  # both replicas up, as behind a load balancer

        # On replica A: a picture and an edit of it.
        context, page = open_page(browser, url_a)
        picture_and_edit(page)
        state = carried(context.storage_state(), url_a, url_b)
        context.close()
        (session, tree), = replicas.trees().items()
        assert tree == {1: None, 2: 1}

        # Replica A goes away; replica B serves the same browser: the same session, canvas and versions.
        replicas.stop(a)
        context, page = open_page(browser, url_b, state)
        wait_versions(page, 2)
        page.wait_for_function("document.querySelector('#tree .node.head')?.dataset.version === '2'")
        chat = page.locator("#chat").inner_text()
        assert "a red circle on a blue background" in chat and "make the circle green" in chat
        assert page.locator("#canvas img").count() == 1

        # An edit typed on B continues the tree: v3, a child of v2, in the same session.
        send(page, "make the background yellow")
        wait_versions(page, 3)
        page.wait_for_function("document.querySelector('#tree .node.head')?.dataset.version === '3'")
        assert replicas.trees() == {session: {1: None, 2: 1, 3: 2}}
        state = context.storage_state()
        context.close()
        replicas.stop(b)

        # A replica with another secret cannot read the browser's storage: a new session, not the first.
        other, url_c = replicas.start("another-secret-" + "y" * 24)
        context, page = open_page(browser, url_c, carried(state, url_b, url_c))
        send(page, "a blue square on a white background")
        wait_versions(page, 1)
        page.wait_for_function("document.querySelector('#tree .node.head')?.dataset.version === '1'")
        assert page.locator("#versions .thumbnail-item").count() == 1
        assert "make the circle green" not in page.locator("#chat").inner_text()
        trees = replicas.trees()
        assert trees[session] == {1: None, 2: 1, 3: 2} and len(trees) == 2  # the first untouched, a new one
        context.close()
        replicas.stop(other)
    finally:
        for proc in replicas.procs:
            replicas.stop(proc)

