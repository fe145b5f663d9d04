"""`nerlab grid run` on a real 2-node Ray cluster on loopback: a node dies mid-trial, a driver is interrupted,
a trial has bad params; the experiments land as the serial DVC queue's do, and every run reaches the test's own
MLflow server."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from toy_project import DVC, make_project, run

RAY_START_SECONDS = 300  # a loaded 2-core machine takes tens of seconds to bring up two raylets


def _metrics(repo: Path, ref: str) -> dict:
    """metrics/crf.json at an experiment's commit, timing keys aside."""
    shown = subprocess.run(["git", "show", f"{ref}:metrics/details/crf.json"], cwd=repo, capture_output=True,
                           text=True, check=True)
    return {k: v for k, v in json.loads(shown.stdout).items() if "second" not in k and "time" not in k}


def _exp_refs(repo: Path) -> dict[str, str]:
    out = subprocess.run(["git", "for-each-ref", "--format=%(refname)", "refs/exps"], cwd=repo, capture_output=True,
                         text=True, check=True).stdout.split()
    return {ref.rsplit("/", 1)[-1]: ref for ref in out}


def _attempts(workdir: Path) -> list[dict]:
    path = workdir / "attempts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def _listening(pids: set[int]) -> set[str]:
    import psutil

    return {c.laddr.ip for c in psutil.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN and c.pid in pids}


def _ray_pids() -> set[int]:
    import psutil

    names = ("raylet", "gcs_server", "ray::", "default_worker", "raylet_", "dashboard", "log_monitor", "monitor")
    return {p.pid for p in psutil.process_iter(["name", "cmdline"])
            if any(n in (p.info["name"] or "") or n in " ".join(p.info["cmdline"] or []) for n in names)}


def _wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"gave up after {seconds:.0f} s waiting for {what}")


@pytest.mark.slow
def test_grid_on_a_two_node_ray_cluster(tmp_path, monkeypatch):
    project, env, params = make_project(tmp_path)
    nerlab = str(Path(sys.executable).parent / "nerlab")
    grid = {"paper": "grid test", "target": "crf", "variants": {
        **{name: {"crf.c1": c1} for name, c1 in (("a", 0.05), ("b", 0.1), ("c", 0.2), ("d", 0.4), ("e", 0.8),
                                                 ("f", 1.6))},
        "bad": {"crf.c1": "not-a-number"}}}
    (project / "configs/gridtest.yaml").write_text(yaml.safe_dump(grid))
    run([*DVC, "repro", "crf"], project, env)  # the baseline's outputs: trials pull them instead of re-running
    run(["git", "add", "-A"], project, env)
    run(["git", "commit", "-qm", "baseline"], project, env)

    # the serial path: the local DVC queue, in this project
    run([nerlab, "queue", "gridtest", "--only", "a", "b", "c", "d"], project, env)
    run([*DVC, "exp", "run", "--run-all", "-j", "1"], project, env)
    serial = {name: _metrics(project, ref) for name, ref in _exp_refs(project).items()}
    assert set(serial) == {"a", "b", "c", "d"}

    # the Ray path: a clone of the same commit sharing the cache, two nodes on loopback, the test's mlflow server
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(project), str(clone)], tmp_path, env)
    run([*DVC, "cache", "dir", "--local", str(project / ".dvc/cache")], clone, env)
    for key, value in {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}.items():
        monkeypatch.setenv(key, value)  # Ray's single-machine mode: every address is 127.0.0.1
        env[key] = value
    from ray.cluster_utils import Cluster

    from nerlab.experiments.stores import mlflow_server

    workdir = tmp_path / "trials"
    with mlflow_server(tmp_path, backend=f"sqlite:///{tmp_path / 'server.db'}", artifacts=tmp_path / "server-art") \
            as tracking:
        started = time.monotonic()
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
        second = cluster.add_node(num_cpus=1)
        try:
            cluster.wait_for_nodes(timeout=RAY_START_SECONDS)
        except Exception as err:
            cluster.shutdown()
            pytest.fail(f"the 2-node Ray cluster did not come up in {time.monotonic() - started:.0f} s: {err}")
        try:
            import ray

            ray.init(address=cluster.address)
            nodes = [n for n in ray.nodes() if n["Alive"]]
            assert len(nodes) == 2 and {n["NodeManagerAddress"] for n in nodes} == {"127.0.0.1"}
            assert _listening(_ray_pids()) <= {"127.0.0.1", "::ffff:127.0.0.1"}  # nothing binds elsewhere
            ray.shutdown()

            command = [nerlab, "grid", "run", "gridtest", "--only", "a", "b", "c", "d", "bad",
                       "--address", cluster.address, "--tracking-uri", tracking, "--workdir", str(workdir)]
            driver = subprocess.Popen(command, cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True)
            # kill the second node while a trial runs on it
            victim = second.node_id[:8]
            _wait_for(lambda: any(victim in a["node"] and a["trial"] != "bad" for a in _attempts(workdir)), 600,
                      "a trial on the second node")
            time.sleep(3)
            cluster.remove_node(second, allow_graceful=False)
            output, _ = driver.communicate(timeout=1800)
            assert driver.returncode == 1, output  # the bad trial failed
            landed = _exp_refs(clone)
            assert {"a", "b", "c", "d"} <= set(landed), output
            assert {name: _metrics(clone, landed[name]) for name in serial} == serial  # identical to the queue
            attempts = _attempts(workdir)
            killed = [a["trial"] for a in attempts if victim in a["node"] and a["trial"] != "bad"]
            assert killed and all(sum(a["trial"] == k for a in attempts) >= 2 for k in killed)  # ran again
            assert sum(a["trial"] == "bad" for a in attempts) == 1 and "bad" not in landed  # not retried
            summary = json.loads((clone / ".nerlab/grid/last_run.json").read_text())
            bad = next(r for r in summary["trials"] if r["trial"] == "bad")
            assert bad["status"] == "failed" and "crf.c1" in bad["error"], bad
            assert "| bad |" in output and "failed" in output and "Traceback" not in output

            # a driver stopped by SIGTERM (a scheduler's stop; Ray's own handler would abort it), then the same
            # command: what finished is not run again
            command = [nerlab, "grid", "run", "gridtest", "--only", "e", "f", "--address", cluster.address,
                       "--tracking-uri", tracking, "--workdir", str(workdir)]
            driver = subprocess.Popen(command, cwd=clone, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True)
            _wait_for(lambda: {"e", "f"} & set(_exp_refs(clone)), 900, "a first trial of the second grid")
            driver.send_signal(signal.SIGTERM)
            output, _ = driver.communicate(timeout=600)
            assert driver.returncode == 130, output
            finished = {"e", "f"} & set(_exp_refs(clone))
            before = len(_attempts(workdir))
            again = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=1800)
            assert again.returncode == 0, again.stdout + again.stderr
            assert {"e", "f"} <= set(_exp_refs(clone))
            rerun = [a["trial"] for a in _attempts(workdir)[before:]]
            assert not set(rerun) & finished, (rerun, finished)
            assert "done before" in again.stdout
            # a driver killed after a trial landed in the git remote but before it was pulled: pulled, not run
            run(["git", "update-ref", "-d", _exp_refs(clone)["e"]], clone, env)
            before = len(_attempts(workdir))
            pulled = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=1800)
            assert pulled.returncode == 0 and "| e | - | pulled |" in pulled.stdout, pulled.stdout + pulled.stderr
            assert "e" in _exp_refs(clone) and len(_attempts(workdir)) == before
        finally:
            ray.shutdown()
            cluster.shutdown()

        import mlflow

        runs = mlflow.MlflowClient(tracking_uri=tracking).search_runs(
            [mlflow.MlflowClient(tracking_uri=tracking).get_experiment_by_name("nerlab").experiment_id])
        reached = {r.data.tags.get("dvc_exp") for r in runs if r.data.tags.get("mlflow.runName") == "crf:conll"}
        assert {"a", "b", "c", "d", "e", "f"} <= reached
