"""`rtc listen` against a hostile rtc-transfer/1 sender (aiortc_hostile_sender.py), issue 15
finding 2 and 3: transfers that cannot lie and never replace a file unasked.

Each test runs `rtc listen --offer --signal tcp-listen://127.0.0.1:PORT --count 1` and lets the
hostile sender play one plan against it; then it compares what stdout says was verified with what
is on disk. Run with Scripts/interop/run. Loopback only.
"""
import fcntl
import hashlib
import json
import os
import random
import socket
import sys

import pytest

from conftest import HERE, LOOPBACK, RTC

PYTHON = sys.executable
HOSTILE = os.path.join(HERE, "aiortc_hostile_sender.py")
NAME = "report.pdf"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_random(path, size, seed):
    data = random.Random(seed).randbytes(size)
    with open(path, "wb") as f:
        f.write(data)
    return data


def sha(data):
    return hashlib.sha256(data).hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def summaries(text):
    """The {"type":"file"} JSON lines of a text."""
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            o = json.loads(line)
            if o.get("type") == "file":
                out.append(o)
    return out


def run_plan(spawn, tmp_path, out, plan, *flags, stdout=None):
    """Runs rtc listen (-o out) and the hostile sender with `plan`; returns
    (listen exit status, listen stdout text or None, listen stderr, sender results)."""
    port = free_port()
    args = [RTC, "listen", "--offer", *LOOPBACK, "--quiet", "-o", out,
            "--signal", f"tcp-listen://127.0.0.1:{port}", "--count", "1", *flags]
    listen = spawn(args, "rtc listen", stdout=stdout) if stdout else spawn(args, "rtc listen")
    sender = spawn([PYTHON, HOSTILE, "127.0.0.1", str(port), json.dumps(plan)], "hostile sender")
    lines = sender.rest_of_stdout(90)
    assert sender.wait(10) == 0, sender.stderr()
    results = [json.loads(l) for l in lines]
    assert len(results) == len(plan["files"]), lines
    status = listen.wait(30)
    text = None if stdout else b"\n".join(listen.rest_of_stdout(10)).decode()
    return status, text, listen.stderr_after_exit(), results


def refused(result, *needles):
    v = result["verdict"]
    assert v is not None, f"no verdict for channel {result['index']}: {result}"
    assert v["ok"] is False, f"channel {result['index']} was accepted: {v}"
    for n in needles:
        assert n in v.get("error", ""), f"verdict error {v.get('error')!r} lacks {n!r}"
    return v


def accepted(result):
    v = result["verdict"]
    assert v is not None and v["ok"] is True, f"channel {result['index']}: {result}"
    assert v["sha256"] == result["sha256"]
    return v


def stderr_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("rtc: ")]


@pytest.mark.timeout(90)
def test_two_channels_one_name_disk_equals_what_is_reported_verified(spawn, tmp_path):
    """The attack: two channels announce report.pdf, the first is verified and renamed, the
    second keeps writing. Before the fix the second wrote through its .part descriptor into the
    renamed file: stdout said verified with the first SHA-256, the disk started with its bytes."""
    good = write_random(tmp_path / "good", 3_000_000, 1)
    bad = b"ATTACKER" * 32768
    (tmp_path / "bad").write_bytes(bad)
    out = tmp_path / "out"
    plan = {"mode": "concurrent", "files": [{"name": NAME, "path": str(tmp_path / "good")},
                                            {"name": NAME, "path": str(tmp_path / "bad")}]}
    status, stdout, stderr, (first, second) = run_plan(spawn, tmp_path, str(out) + "/", plan)

    on_disk = read(out / NAME)
    verified = [s for s in summaries(stdout) if s["verified"]]
    assert [s["name"] for s in verified] == [NAME], stdout
    assert sha(on_disk) == verified[0]["sha256"], "stdout reports a file verified that is not what is on disk"
    assert on_disk == good
    accepted(first)
    refused(second, "already")
    assert second["verdict_before_data"] is True, "the second writer was not refused at its header"
    assert sorted(os.listdir(out)) == [NAME]
    assert status == 1, stderr
    assert any(NAME in l and "already" in l for l in stderr_lines(stderr)), stderr


@pytest.mark.timeout(90)
@pytest.mark.parametrize("flags", [[], ["--overwrite"], ["--rename"]], ids=["default", "overwrite", "rename"])
def test_same_name_twice_in_one_session_is_refused(spawn, tmp_path, flags):
    """One writer per name per session, whatever the policy for existing files: the second
    announcement of a name that was verified is refused, the first file stays."""
    first_data = write_random(tmp_path / "one", 500_000, 2)
    write_random(tmp_path / "two", 400_000, 3)
    out = tmp_path / "out"
    plan = {"mode": "sequential", "refusal_wait": 5,
            "files": [{"name": NAME, "path": str(tmp_path / "one")}, {"name": NAME, "path": str(tmp_path / "two")}]}
    status, stdout, stderr, (first, second) = run_plan(spawn, tmp_path, str(out) + "/", plan, *flags)

    accepted(first)
    refused(second, "already")
    assert second["verdict_before_data"] is True
    assert read(out / NAME) == first_data
    assert sorted(os.listdir(out)) == [NAME]
    verified = [s for s in summaries(stdout) if s["verified"]]
    assert len(verified) == 1 and verified[0]["sha256"] == sha(first_data), stdout
    assert status == 1, stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize("target", ["directory", "file"])
def test_existing_target_is_refused_before_any_byte(spawn, tmp_path, target):
    """Without --overwrite or --rename an existing file is never replaced: the file is refused at
    its header (no .part is created), rtc listen exits 1 naming it, the file is untouched."""
    out = tmp_path / "out"
    out.mkdir()
    existing = out / NAME
    before = write_random(existing, 100_000, 4)
    st = os.stat(existing)
    write_random(tmp_path / "new", 300_000, 5)
    plan = {"mode": "sequential", "refusal_wait": 5, "files": [{"name": "new.pdf" if target == "file" else NAME,
                                                                "path": str(tmp_path / "new")}]}
    dest = str(out) + "/" if target == "directory" else str(existing)
    status, stdout, stderr, (result,) = run_plan(spawn, tmp_path, dest, plan)

    refused(result, str(existing), "exists")
    assert result["verdict_before_data"] is True, "refused only after data was sent"
    assert status == 1, stderr
    assert any(str(existing) in l and "exists" in l for l in stderr_lines(stderr)), stderr
    assert read(existing) == before
    after = os.stat(existing)
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (st.st_ino, st.st_mtime_ns, st.st_size)
    assert sorted(os.listdir(out)) == [NAME], "a .part or another file was created"
    assert not any(s["verified"] for s in summaries(stdout)), stdout


@pytest.mark.timeout(60)
def test_overwrite_replaces_an_existing_file(spawn, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    write_random(out / NAME, 100_000, 6)
    new = write_random(tmp_path / "new", 300_000, 7)
    plan = {"mode": "sequential", "files": [{"name": NAME, "path": str(tmp_path / "new")}]}
    status, stdout, stderr, (result,) = run_plan(spawn, tmp_path, str(out) + "/", plan, "--overwrite")

    accepted(result)
    assert status == 0, stderr
    assert read(out / NAME) == new
    assert sorted(os.listdir(out)) == [NAME]
    (s,) = summaries(stdout)
    assert s["verified"] is True and s["name"] == NAME and s["path"] == str(out / NAME) and s["sha256"] == sha(new)


@pytest.mark.timeout(60)
def test_rename_keeps_both_and_reports_the_final_name(spawn, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    kept = write_random(out / NAME, 100_000, 8)
    kept1 = write_random(out / "report (1).pdf", 100_001, 9)
    new = write_random(tmp_path / "new", 300_000, 10)
    plan = {"mode": "sequential", "files": [{"name": NAME, "path": str(tmp_path / "new")}]}
    status, stdout, stderr, (result,) = run_plan(spawn, tmp_path, str(out) + "/", plan, "--rename")

    accepted(result)
    assert status == 0, stderr
    assert read(out / NAME) == kept
    assert read(out / "report (1).pdf") == kept1
    assert read(out / "report (2).pdf") == new
    assert sorted(os.listdir(out)) == sorted([NAME, "report (1).pdf", "report (2).pdf"])
    (s,) = summaries(stdout)
    assert s["verified"] is True and s["sha256"] == sha(new), s
    assert s["name"] == "report (2).pdf" and s["path"] == str(out / "report (2).pdf"), s
    assert s["announced"] == NAME, s


@pytest.mark.timeout(60)
def test_stale_part_is_replaced(spawn, tmp_path):
    """A .part nobody holds (left by a killed or failed transfer) is removed and created afresh."""
    out = tmp_path / "out"
    out.mkdir()
    (out / (NAME + ".part")).write_bytes(b"stale" * 100_000)
    new = write_random(tmp_path / "new", 300_000, 11)
    plan = {"mode": "sequential", "files": [{"name": NAME, "path": str(tmp_path / "new")}]}
    status, stdout, stderr, (result,) = run_plan(spawn, tmp_path, str(out) + "/", plan)

    accepted(result)
    assert status == 0, stderr
    assert read(out / NAME) == new
    assert sorted(os.listdir(out)) == [NAME]


@pytest.mark.timeout(60)
def test_part_held_by_another_transfer_is_refused(spawn, tmp_path):
    """A .part whose lock is held (another transfer, here this test) is never taken over."""
    out = tmp_path / "out"
    out.mkdir()
    part = out / (NAME + ".part")
    part.write_bytes(b"in flight")
    write_random(tmp_path / "new", 300_000, 12)
    plan = {"mode": "sequential", "refusal_wait": 5, "files": [{"name": NAME, "path": str(tmp_path / "new")}]}
    with open(part, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        status, stdout, stderr, (result,) = run_plan(spawn, tmp_path, str(out) + "/", plan)

    refused(result, "another transfer")
    assert result["verdict_before_data"] is True
    assert status == 1, stderr
    assert part.read_bytes() == b"in flight"
    assert sorted(os.listdir(out)) == [NAME + ".part"]


@pytest.mark.timeout(60)
def test_stdout_takes_one_file_at_a_time(spawn, tmp_path):
    """With -o -, two channels whose chunks alternate: the second is refused at its header, so
    stdout carries exactly the first file (before, their bytes interleaved, both "verified")."""
    a = write_random(tmp_path / "a", 600_000, 13)
    write_random(tmp_path / "b", 600_000, 14)
    plan = {"mode": "interleaved", "files": [{"name": "a", "path": str(tmp_path / "a")},
                                             {"name": "b", "path": str(tmp_path / "b")}]}
    sink = tmp_path / "stdout.bin"
    with open(sink, "wb") as f:
        status, _, stderr, (first, second) = run_plan(spawn, tmp_path, "-", plan, stdout=f)

    assert read(sink) == a, "stdout is not exactly the first file"
    accepted(first)
    refused(second, "stdout")
    assert [s["name"] for s in summaries(stderr) if s["verified"]] == ["a"], stderr
    assert status == 1, stderr


@pytest.mark.timeout(90)
def test_two_sessions_one_name(spawn, tmp_path):
    """Two senders at once on one rtc listen server announce the same name: one writes it, the
    other is refused (its .part is locked by the first, or the file exists by then), and the
    disk holds what stdout reports verified."""
    datas = [write_random(tmp_path / f"s{i}", 3_000_000, 20 + i) for i in range(2)]
    out = tmp_path / "out"
    port = free_port()
    listen = spawn([RTC, "listen", "--offer", *LOOPBACK, "--quiet", "-o", str(out) + "/",
                    "--signal", f"tcp-listen://127.0.0.1:{port}", "--count", "2"], "rtc listen")
    senders = [spawn([PYTHON, HOSTILE, "127.0.0.1", str(port),
                      json.dumps({"mode": "sequential", "files": [{"name": NAME, "path": str(tmp_path / f"s{i}")}]})],
                     f"hostile sender {i}") for i in range(2)]
    results = []
    for s in senders:
        lines = s.rest_of_stdout(90)
        assert s.wait(10) == 0, s.stderr()
        results += [json.loads(l) for l in lines]
    status = listen.wait(30)
    stdout = b"\n".join(listen.rest_of_stdout(10)).decode()
    stderr = listen.stderr_after_exit()

    ok = [r for r in results if r["verdict"] and r["verdict"]["ok"]]
    assert len(ok) == 1, results
    (loser,) = [r for r in results if r is not ok[0]]
    v = refused(loser)
    assert "another transfer" in v["error"] or "exists" in v["error"], v
    verified = [s for s in summaries(stdout) if s["verified"]]
    assert len(verified) == 1, stdout
    on_disk = read(out / NAME)
    assert sha(on_disk) == verified[0]["sha256"] == ok[0]["sha256"]
    assert on_disk in datas
    assert sorted(os.listdir(out)) == [NAME]
    assert status == 1, stderr
