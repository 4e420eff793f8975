"""A single-node Slurm (munged, slurmctld, slurmd) on localhost for the tests.

Started only as root with Debian's slurm-wlm and munge installed; otherwise
the caller skips with the reason returned here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo")


def unavailable_reason() -> str | None:
    missing = [b for b in BINARIES if shutil.which(b) is None]
    if missing:
        return (
            f"no local Slurm: {missing} not installed (Debian: apt-get install slurm-wlm munge; "
            ".ci/run does this)"
        )
    if os.geteuid() != 0:
        return "starting munged, slurmctld and slurmd needs root"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config(folder: Path, node: str, cpus: int) -> str:
    return f"""ClusterName=hqmltest
SlurmctldHost={node}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MaxArraySize=10000
MinJobAge=600
NodeName={node} CPUs={cpus} RealMemory=8000 State=UNKNOWN
PartitionName=batch Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=quantum Nodes=ALL MaxTime=INFINITE State=UP
"""


def _ensure_munge() -> None:
    socket_path = Path("/run/munge/munge.socket.2")
    if socket_path.exists() and subprocess.run(["pgrep", "-x", "munged"]).returncode == 0:
        return
    Path("/run/munge").mkdir(parents=True, exist_ok=True)
    if not Path("/etc/munge/munge.key").is_file():
        subprocess.run(["mungekey", "--create"], check=True)
    subprocess.run(["munged", "--force"], check=True, capture_output=True)


def start(folder: Path) -> tuple[Path, list[int]]:
    """Start the daemons with a generated slurm.conf; return its path and their pids."""
    (folder / "state").mkdir(parents=True)
    (folder / "spool").mkdir()
    node = socket.gethostname().split(".")[0]
    conf = folder / "slurm.conf"
    conf.write_text(_config(folder, node, os.cpu_count() or 2))
    _ensure_munge()
    env = {**os.environ, "SLURM_CONF": str(conf)}
    subprocess.run(["slurmctld", "-f", str(conf)], check=True, env=env)
    subprocess.run(["slurmd", "-f", str(conf)], check=True, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        state = subprocess.run(
            ["sinfo", "--noheader", "--format=%T"], capture_output=True, text=True, env=env
        ).stdout
        if "idle" in state or "mixed" in state:
            pids = [int((folder / f).read_text()) for f in ("slurmctld.pid", "slurmd.pid")]
            return conf, pids
        time.sleep(0.5)
    log = (folder / "slurmctld.log").read_text()[-2000:]
    raise RuntimeError(f"local Slurm did not come up within 60 s:\n{log}")


def stop(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            pass
