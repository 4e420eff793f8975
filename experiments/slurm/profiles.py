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
    except (tomllib.TOMLDecodeError, RecursionError, UnicodeDecodeError) as error:
        raise ProfileError(f"profile {path} is not valid TOML: {type(error).__name__}") from None
    try:
        profile = _profile(data)
    except (KeyError, TypeError, ValueError) as error:
        message = f"missing key {error}" if isinstance(error, KeyError) else str(error)
        raise ProfileError(f"profile {path} is malformed: {message}") from None
    try:
        return _checked(profile)
    except ValueError as error:
        raise ProfileError(f"profile {path}: {error}") from error


def _typed(data: dict, key: str, kind: type, default, where: str = ""):
    """``data[key]`` if it has the type a profile expects, else an error saying both."""
    value = data.get(key, default)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{where}{key} must be {_KINDS[kind]}; got {value!r}")
    return value


_KINDS = {str: "a string", int: "an integer", dict: "a table", list: "a list of strings"}


def _table_of(data: dict, key: str, kind: type) -> dict:
    table = _typed(data, key, dict, {})
    for name, value in table.items():
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise TypeError(f"{key}.{name} must be {_KINDS[kind]}; got {value!r}")
    return table


def _profile(data: dict) -> Profile:
    """A profile from parsed TOML, every field of the type it must have."""
    modules = _typed(data, "modules", dict, {})
    load = _typed(modules, "load", list, [], "modules.")
    if not all(isinstance(m, str) for m in load):
        raise TypeError(f"modules.load must be a list of strings; got {load!r}")
    if "partitions" not in data:
        raise KeyError("partitions")
    cores = _typed(data, "cores_per_node", int, None)
    gpus = _typed(data, "gpus_per_node", int, 0)
    if cores < 1 or gpus < 0:
        raise ValueError(f"cores_per_node must be >= 1 and gpus_per_node >= 0; got {cores}, {gpus}")
    by_partition = _table_of(data, "gpus_per_node_by_partition", int)
    if any(n < 0 or (n and cores // n < 1) for n in by_partition.values()):
        raise ValueError(
            f"gpus_per_node_by_partition must leave >= 1 core per GPU; got {by_partition}"
        )
    return Profile(
        name=_typed(data, "name", str, None),
        description=_typed(data, "description", str, ""),
        account=_typed(data, "account", str, ""),
        cores_per_node=cores,
        gpus_per_node=gpus,
        partitions=_table_of(data, "partitions", str),
        time_limits=_table_of(data, "time_limits", str),
        gpus_by_partition=by_partition,
        module_stage=_typed(modules, "stage", str, "", "modules."),
        modules=tuple(load),
        environment=_typed(data, "environment", str, ""),
    )


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
