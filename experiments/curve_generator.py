"""Generate learning curves by training many small neural networks (PyTorch, CPU).

Every run draws an architecture (MLP or CNN), width, depth, optimiser,
learning rate, batch size, weight decay and dropout from its own seed,
trains for a fixed number of epochs and records the validation accuracy
after each one. Data sources, all local:

- ``digits``: scikit-learn's bundled 8x8 digits (the shipped curves);
- ``mnist1d``: the ``mnist1d`` package's ``make_dataset`` (generated, offline);
- ``cifar10``: the standard CIFAR-10 python-pickle batches in a folder the
  user points to (``data_batch_1`` .. ``data_batch_5``, ``test_batch``).

Nothing is downloaded. Regenerate the shipped file with::

    hqml curves generate --dataset digits --runs 320 --epochs 50 \\
        --output experiments/data/learning_curves_digits.csv.gz
"""

from __future__ import annotations

import pickle
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import NDArray
from tqdm.auto import tqdm

from experiments.curves import CONFIG_COLUMNS, save_curves

OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop", "adagrad")
# log10 learning-rate range per optimiser, wide enough for slow, fast and failed runs
LR_RANGES = {
    "sgd": (-3.0, 0.0),
    "momentum": (-3.5, -0.5),
    "adam": (-4.5, -1.5),
    "rmsprop": (-4.5, -1.5),
    "adagrad": (-3.5, -0.5),
}


def _require_torch():
    try:
        import torch
    except ImportError as error:
        raise RuntimeError(
            "generating learning curves needs PyTorch; install the CPU build with "
            "`pip install 'hqml[curves]'` (which pins torch==2.13.0)"
        ) from error
    return torch


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one training run."""

    run: int
    dataset: str
    architecture: str
    width: int
    depth: int
    optimizer: str
    learning_rate: float
    batch_size: int
    weight_decay: float
    dropout: float
    seed: int


def sample_config(run: int, dataset: str, seed: int) -> RunConfig:
    """Draw one run's hyperparameters from its own seed."""
    rng = np.random.default_rng([seed, run])
    optimizer = str(rng.choice(OPTIMIZERS))
    low, high = LR_RANGES[optimizer]
    architecture = str(rng.choice(["mlp", "cnn"]))
    # convolutions cost far more per unit of width: cap them to keep runs comparable
    widths = [8, 16, 32, 64, 128] if architecture == "mlp" else [4, 8, 16, 32, 64]
    return RunConfig(
        run=run,
        dataset=dataset,
        architecture=architecture,
        width=int(rng.choice(widths)),
        depth=int(rng.integers(1, 4)),
        optimizer=optimizer,
        learning_rate=float(10 ** rng.uniform(low, high)),
        batch_size=int(rng.choice([16, 32, 64, 128, 256])),
        weight_decay=float(rng.choice([0.0, 1e-5, 1e-4, 1e-3, 1e-2])),
        dropout=float(rng.choice([0.0, 0.1, 0.3, 0.5])),
        seed=int(rng.integers(2**31)),
    )


# ---------------------------------------------------------------- data sources
def load_digits_arrays(n_train: int = 500) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Digits as images (N, 1, 8, 8) in [0, 1]; a fixed small training split keeps runs diverse."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    X = (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
    train, valid = order[:n_train], order[n_train:]
    return X[train], y[train], X[valid], y[valid]


def load_mnist1d_arrays(num_samples: int = 5000) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """MNIST-1D signals (N, 1, 40), generated locally by the mnist1d package.

    ``make_dataset`` synthesises the data from templates; ``get_dataset``, which
    downloads, is never called.
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as error:
        raise RuntimeError("the mnist1d dataset needs `pip install 'hqml[curves]'`") from error
    args = get_dataset_args()
    args.num_samples = num_samples
    data = make_dataset(args)
    as_signal = lambda a: np.asarray(a, dtype=np.float32)[:, None, :]  # noqa: E731
    return as_signal(data["x"]), data["y"], as_signal(data["x_test"]), data["y_test"]


def load_cifar10_arrays(folder: str | Path) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """CIFAR-10 from the python-pickle batches in ``folder`` (no download)."""
    folder = Path(folder)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks the CIFAR-10 python batches {missing}; expected the files of "
            "cifar-10-python.tar.gz extracted there"
        )

    def read(name: str):
        with open(folder / name, "rb") as handle:
            batch = pickle.load(handle, encoding="bytes")
        images = np.asarray(batch[b"data"], dtype=np.float32).reshape(-1, 3, 32, 32) / 255.0
        return images, np.asarray(batch[b"labels"])

    train = [read(n) for n in names[:5]]
    X_test, y_test = read("test_batch")
    return (
        np.concatenate([t[0] for t in train]),
        np.concatenate([t[1] for t in train]),
        X_test,
        y_test,
    )


# ---------------------------------------------------------------- models
def build_model(config: RunConfig, input_shape: tuple[int, ...], n_classes: int):
    """An MLP or a CNN (1-D or 2-D after the input) as the configuration says."""
    torch = _require_torch()
    nn = torch.nn
    layers: list = []
    if config.architecture == "mlp":
        layers.append(nn.Flatten())
        size = int(np.prod(input_shape))
        for _ in range(config.depth):
            layers += [nn.Linear(size, config.width), nn.ReLU(), nn.Dropout(config.dropout)]
            size = config.width
        layers.append(nn.Linear(size, n_classes))
        return nn.Sequential(*layers)
    two_d = len(input_shape) == 3
    conv, pool = (nn.Conv2d, nn.MaxPool2d) if two_d else (nn.Conv1d, nn.MaxPool1d)
    channels, side = input_shape[0], input_shape[-1]
    for _ in range(config.depth):
        layers += [conv(channels, config.width, 3, padding=1), nn.ReLU()]
        if side >= 4:
            layers.append(pool(2))
            side //= 2
        channels = config.width
    adaptive = nn.AdaptiveAvgPool2d(1) if two_d else nn.AdaptiveAvgPool1d(1)
    layers += [adaptive, nn.Flatten(), nn.Dropout(config.dropout), nn.Linear(channels, n_classes)]
    return nn.Sequential(*layers)


def _optimizer(torch, config: RunConfig, parameters):
    options = {"lr": config.learning_rate, "weight_decay": config.weight_decay}
    if config.optimizer == "sgd":
        return torch.optim.SGD(parameters, **options)
    if config.optimizer == "momentum":
        return torch.optim.SGD(parameters, momentum=0.9, **options)
    if config.optimizer == "adam":
        return torch.optim.Adam(parameters, **options)
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(parameters, **options)
    return torch.optim.Adagrad(parameters, **options)


def train_run(config: RunConfig, data, epochs: int) -> NDArray[np.float64]:
    """Validation accuracy after each of ``epochs`` epochs of one run."""
    torch = _require_torch()
    torch.set_num_threads(1)  # runs are parallel across processes instead
    torch.manual_seed(config.seed)
    X_train, y_train, X_valid, y_valid = (torch.as_tensor(a) for a in data)
    y_train, y_valid = y_train.long(), y_valid.long()
    model = build_model(config, tuple(X_train.shape[1:]), int(y_train.max()) + 1)
    optimizer = _optimizer(torch, config, model.parameters())
    loss_function = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(config.seed)
    curve = np.empty(epochs)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(y_train), generator=generator)
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(X_train[batch]), y_train[batch])
            if torch.isfinite(loss):
                loss.backward()
                optimizer.step()
        model.eval()
        with torch.no_grad():
            predicted = model(X_valid).argmax(dim=1)
        curve[epoch] = float((predicted == y_valid).float().mean())
    return curve


def generate(
    dataset: str,
    *,
    runs: int,
    epochs: int,
    output: str | Path,
    seed: int = 0,
    cifar_dir: str | Path | None = None,
    n_jobs: int = -1,
    samples: int = 5000,
) -> Path:
    """Train ``runs`` networks and write their curves (with configurations) to ``output``.

    ``samples`` is the number of mnist1d signals generated (80 % train).
    """
    _require_torch()
    if dataset == "digits":
        data = load_digits_arrays()
    elif dataset == "mnist1d":
        data = load_mnist1d_arrays(samples)
    elif dataset == "cifar10":
        if cifar_dir is None:
            raise ValueError("dataset 'cifar10' needs --cifar-dir, the folder of its batches")
        data = load_cifar10_arrays(cifar_dir)
    else:
        raise ValueError(f"unknown dataset {dataset!r}; expected digits, mnist1d or cifar10")
    configs = [sample_config(run, dataset, seed) for run in range(runs)]
    jobs = (delayed(train_run)(config, data, epochs) for config in configs)
    curves = list(
        tqdm(
            Parallel(n_jobs=n_jobs, return_as="generator")(jobs),
            total=runs,
            desc=f"training on {dataset}",
        )
    )
    rows = [{k: asdict(c)[k] for k in CONFIG_COLUMNS} for c in configs]
    return save_curves(output, np.array(curves), rows)
