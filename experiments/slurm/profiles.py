"""System profiles: partitions, node sizes, time limits and a LAMEC-style module block.

Shipped profiles live next to this file; users add their own TOML files to
a folder named by ``HQML_SLURM_PROFILES`` (or pass a path as the system).
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from experiments.slurm.values import (
    check_account,
    check_module,
    check_name,
    check_path,
    check_time,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ProfileError(ValueError):
    """An unknown system or a malformed profile."""


@dataclass(frozen=True)
class Profile:
    """What hqml needs to know about one system to write its batch scripts."""

    name: str
    description: str
    account: str
    cores_per_node: int
    gpus_per_node: int
    partitions: dict[str, str]
    time_limits: dict[str, str]
    gpus_by_partition: dict[str, int] = field(default_factory=dict)
    module_stage: str = ""
    modules: tuple[str, ...] = ()
    environment: str = ""

    def partition(self, role: str) -> str:
        """Partition name for a role ("cluster", "booster", "quantum", "devel")."""
        if role not in self.partitions:
            raise ProfileError(
                f"system {self.name!r} has no {role!r} partition; it has {sorted(self.partitions)}"
            )
        return self.partitions[role]

    def check_partition(self, name: str) -> str:
        """Accept a partition name only if the profile knows it."""
        known = set(self.partitions.values())
        if name not in known:
            raise ProfileError(
                f"partition {name!r} is not part of system {self.name!r}; expected one of "
                f"{sorted(known)}"
            )
        return name

    def cpus_per_task(self, partition: str) -> int:
        """LAMEC's default: the node's cores shared evenly among its GPUs (all cores without)."""
        gpus = self.gpus_by_partition.get(partition, 0)
        return self.cores_per_node // gpus if gpus else 1

    def module_block(self, packages: str = "hqml") -> str:
        """The ``# MODULES BEGIN <system> <packages>`` ... ``# MODULES END`` block."""
        lines = [f"# MODULES BEGIN {self.name} {packages}"]
        if self.module_stage or self.modules:
            lines.append("module --force purge")
            names = filter(None, [self.module_stage, *self.modules])
            lines.append("module load " + " ".join(shlex.quote(name) for name in names))
        lines.append("# MODULES END")
        return "\n".join(lines)


def _shipped() -> dict[str, Path]:
    folder = resources.files("experiments.slurm") / "profiles"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


def _user() -> dict[str, Path]:
    folder = os.environ.get("HQML_SLURM_PROFILES")
    if not folder:
        return {}
    return {p.stem: p for p in Path(folder).glob("*.toml")}


def available_systems() -> list[str]:
    """Names of every profile, shipped and user-defined."""
    return sorted({**_shipped(), **_user()})


def load_profile(system: str) -> Profile:
    """The profile of ``system``: a known name or the path of a TOML file."""
    candidates = {**_shipped(), **_user()}
    path = Path(system) if system.endswith(".toml") else candidates.get(system)
    if path is None or not path.is_file():
        raise ProfileError(
            f"unknown system {system!r}; expected one of {available_systems()} or the path of "
            "a profile TOML file (add your own in $HQML_SLURM_PROFILES)"
        )
    try:
        data = tomllib.loads(path.read_text())
        modules = data.get("modules", {})
        profile = Profile(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            account=str(data.get("account", "")),
            cores_per_node=int(data["cores_per_node"]),
            gpus_per_node=int(data.get("gpus_per_node", 0)),
            partitions={str(k): str(v) for k, v in data["partitions"].items()},
            time_limits={str(k): str(v) for k, v in data.get("time_limits", {}).items()},
            gpus_by_partition={
                str(k): int(v) for k, v in data.get("gpus_per_node_by_partition", {}).items()
            },
            module_stage=str(modules.get("stage", "")),
            modules=tuple(str(m) for m in modules.get("load", [])),
            environment=str(data.get("environment", "")),
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise ProfileError(
            f"profile {path} is malformed: {type(error).__name__}: {error}"
        ) from error
    try:
        return _checked(profile)
    except ValueError as error:
        raise ProfileError(f"profile {path}: {error}") from error


def _checked(profile: Profile) -> Profile:
    """Every value of a profile against its format: they are written into batch scripts."""
    check_name(profile.name, "name")
    check_account(profile.account)
    for role, partition in profile.partitions.items():
        check_name(partition, f"partitions.{role}")
    for partition, limit in profile.time_limits.items():
        check_time(limit, f"time_limits.{partition}")
    if profile.module_stage:
        check_module(profile.module_stage, "modules.stage")
    for module in profile.modules:
        check_module(module, "modules.load")
    check_path(profile.environment, "environment")
    return profile
