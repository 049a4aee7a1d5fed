"""Faults: a locked, corrupt or full database or disk gives one clear StoreError and changes nothing."""

from __future__ import annotations

import importlib.util
import json
import sqlite3

import pytest

from hidream_studio.domain import StoreError
from hidream_studio.store import Store

from .helpers import add, run_python


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert text and "\n" not in text and "Traceback" not in text
    return text


def test_a_locked_database_gives_a_clean_error_and_changes_nothing(home):
    url = f"sqlite:///{home / 'studio.db'}"
    with Store.open(url, home / "images", busy_timeout_ms=150) as store:
        sid = store.create_session("locked").id
        add(store, sid, 1)
        other = sqlite3.connect(home / "studio.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            with pytest.raises(StoreError) as err:
                add(store, sid, 2)
            assert "locked" in one_line(err)
            with pytest.raises(StoreError):
                store.undo(sid)
            assert [v.number for v in store.versions(sid)] == [1]  # reads still work (WAL)
            with Store.open(url, home / "images", busy_timeout_ms=150) as second:
                assert second.head(sid).number == 1  # opening a current schema needs no lock
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert add(store, sid, 3).number == 2  # nothing was half-done
        assert store.head(sid).number == 2


def test_a_file_that_is_not_a_database(tmp_path):
    db = tmp_path / "studio.db"
    db.write_bytes(b"this is not a database, it is a shopping list\n" * 200)
    with pytest.raises(StoreError) as err:
        Store.open(f"sqlite:///{db}", tmp_path / "images")
    assert "corrupt or not a database" in one_line(err)


def test_a_damaged_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    with Store.open(url, tmp_path / "images") as store:
        sid = store.create_session().id
        for seed in range(40):
            add(store, sid, seed)
    raw = sqlite3.connect(tmp_path / "studio.db")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    data = bytearray((tmp_path / "studio.db").read_bytes())
    data[4096 : len(data)] = b"\xa5" * (len(data) - 4096)  # every page but the first
    (tmp_path / "studio.db").write_bytes(bytes(data))
    with pytest.raises(StoreError) as err:
        with Store.open(url, tmp_path / "images") as store:
            store.versions(sid)
    assert "corrupt" in one_line(err)


def test_an_invalid_url(tmp_path):
    with pytest.raises(StoreError) as err:
        Store.open("nonsense://", tmp_path / "images")
    one_line(err)


def test_a_url_whose_driver_is_not_installed(tmp_path):
    """A PostgreSQL/MySQL URL without its DBAPI package gave a ModuleNotFoundError traceback."""
    if importlib.util.find_spec("MySQLdb") is not None:
        pytest.skip("MySQLdb is installed here")
    with pytest.raises(StoreError, match="MySQLdb.*not installed") as err:
        Store.open("mysql://user:secret@localhost/studio", tmp_path / "images")
    one_line(err)
    assert "secret" not in str(err.value)


DISK_FULL = """
import json, os, resource, signal, sys
from pathlib import Path
from PIL import Image
from hidream_studio.domain import Message, StoreError
from hidream_studio.store import Store

home = Path(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write then fails with EFBIG, like ENOSPC
store = Store.open(f"sqlite:///{home / 'studio.db'}", home / "images")
sid = store.create_session("full").id
store.record_turn(sid, image=Image.new("RGB", (16, 16)), messages=[Message("user", "first")])
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
out = {}

def attempt(name, image, limit):
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        store.record_turn(sid, image=image, messages=[Message("user", name)])
        out[name] = "saved"
    except StoreError as exc:
        out[name] = str(exc)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

noise = Image.frombytes("RGB", (512, 512), os.urandom(512 * 512 * 3))  # a ~800 kB PNG
attempt("image", noise, 200_000)  # the image file cannot be written
wal = (home / "studio.db-wal").stat().st_size
attempt("database", Image.new("RGB", (16, 16), (9, 9, 9)), wal)  # the database cannot grow
out["versions"] = [v.number for v in store.versions(sid)]
out["messages"] = [m.text for m in store.messages(sid)]
out["temporary"] = [p.name for p in (home / "images").rglob("*.tmp")]
out["after"] = store.record_turn(sid, image=Image.new("RGB", (16, 16), (1, 2, 3))).number
print(json.dumps(out))
"""


def test_a_full_disk_gives_a_clean_error_and_changes_nothing(home):
    home.mkdir(parents=True)
    proc = run_python(DISK_FULL, home, str(home))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["image"].startswith("disk full while writing the images folder"), out
    assert "\n" not in out["image"]
    assert "disk" in out["database"] and "studio.db" in out["database"] and "\n" not in out["database"], out
    assert out["database"] != "saved"
    assert out["versions"] == [1] and out["messages"] == ["first"] and out["temporary"] == []
    assert out["after"] == 2
