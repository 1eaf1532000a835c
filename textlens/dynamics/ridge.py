"""Ridge regression with its penalty chosen by leave-one-out error, and k-fold R², in numpy alone.

The same numbers as scikit-learn's `RidgeCV` (efficient leave-one-out, intercept unpenalised),
`KFold(shuffle=True)` and `cross_val_score(..., scoring="r2")` (tests check both on random data), written
out because `textlens drivers` must answer in under 2 s: importing scikit-learn alone costs about a second
(it loads scipy.stats), and RidgeCV recomputes an n x p by p x p product for every penalty, where one
eigendecomposition of X'X and one such product serve every penalty here.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DEFAULT_ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)


@dataclass
class RidgeFit:
    """A ridge fit: the penalty kept, its coefficients and intercept, and its mean squared LOO error."""

    alpha: float
    coef: "np.ndarray"
    intercept: float
    loo_mse: float


def ridge_loo(X: "np.ndarray", y: "np.ndarray", alphas: Sequence[float]) -> RidgeFit:
    """Ridge with an unpenalised intercept, the penalty of `alphas` with the lowest leave-one-out squared error
    (the first one on ties), as `sklearn.linear_model.RidgeCV(alphas).fit(X, y)`.

    With X centred (Xc) and X'X = V diag(L) V', the hat matrix of penalty a is Xc V diag(1/(L+a)) V' Xc' plus
    the intercept's 1/n, so every penalty's leave-one-out residuals (y_i - fit_i) / (1 - h_ii) come from the
    one product Xc V.
    """
    import numpy as np

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    x_mean, y_mean = X.mean(axis=0), y.mean()
    xc, yc = X - x_mean, y - y_mean
    eigvals, V = np.linalg.eigh(xc.T @ xc)
    xv = xc @ V
    xv_sq = xv * xv
    vt_xty = xv.T @ yc
    vt_xt1 = xv.sum(axis=0)  # ~0 as Xc is centred; kept as RidgeCV keeps it
    best: RidgeFit | None = None
    for alpha in map(float, alphas):
        d = 1.0 / (eigvals + alpha)
        residual = yc - xv @ (d * vt_xty)
        leverage = xv_sq @ d + (1.0 - xv @ (d * vt_xt1)) / n
        loo_mse = float(np.mean((residual / (1.0 - leverage)) ** 2))
        if best is None or loo_mse < best.loo_mse:
            coef = V @ (d * vt_xty)
            best = RidgeFit(alpha, coef, float(y_mean - x_mean @ coef), loo_mse)
    if best is None:
        raise ValueError("ridge_loo needs at least one penalty")
    return best


@dataclass
class KeyDriverFit:
    """The key-driver model: `ridge_loo`'s fit, and its coefficients refitted on Bayesian-bootstrap weightings
    (95% percentile interval, share of refits agreeing on the sign)."""

    alpha: float
    coef: "np.ndarray"
    intercept: float
    coef_boot: "np.ndarray"  # n_boot x p
    coef_low: "np.ndarray"
    coef_high: "np.ndarray"
    same_sign: "np.ndarray"


def fit_key_drivers(X: "np.ndarray", y: "np.ndarray", alphas: Sequence[float] = DEFAULT_ALPHAS, n_boot: int = 200,
                    seed: int = 0) -> KeyDriverFit:
    """Validate, fit `ridge_loo`, then refit its penalty on `n_boot` bootstrap weightings (`bootstrap_ridge`).

    What `keydrivers.KeyDriverRegression.fit` does, callable without importing scikit-learn.
    """
    import numpy as np

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(f"X must be 2-d and y 1-d with as many rows, got {X.shape} and {y.shape}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("X and y must be finite (no NaN or infinity)")
    if int(n_boot) < 0:
        raise ValueError(f"n_boot must be >= 0, got {n_boot}")
    if not len(alphas) or min(alphas) <= 0:
        raise ValueError(f"alphas must be positive, got {alphas!r}")
    if len(y) < 3:
        raise ValueError(f"a key-driver model needs at least 3 documents, got {len(y)}")
    fit = ridge_loo(X, y, alphas)
    boots = bootstrap_ridge(X, y, fit.alpha, int(n_boot), seed)
    if len(boots):
        low, high = np.percentile(boots, [2.5, 97.5], axis=0)
        same_sign = (np.sign(boots) == np.sign(fit.coef)).mean(axis=0)
    else:
        low = high = same_sign = np.full(X.shape[1], np.nan)
    return KeyDriverFit(fit.alpha, fit.coef, fit.intercept, boots, low, high, same_sign)


def bootstrap_ridge(X: "np.ndarray", y: "np.ndarray", alpha: float, n_boot: int, seed: int = 0,
                    chunk: int = 200) -> "np.ndarray":
    """Ridge coefficients (intercept unpenalised) refitted on `n_boot` Bayesian-bootstrap weightings, n_boot x p.

    The same fit as `Ridge(alpha).fit(X, y, sample_weight=w)` (a test checks it), solved for a whole chunk
    of weightings at once: X is a sparse 0/1 indicator matrix, so X'WX of every replicate is one sparse
    product with the row-wise outer products of X, and the (p+1)-square systems are solved batched.
    Refitting sklearn's Ridge 200 times took ~1 s on 3,000 reviews; this takes a few milliseconds.
    """
    import numpy as np
    import pandas as pd
    from scipy import sparse

    n, p = X.shape
    xs = sparse.csr_matrix(X)
    coo = xs.tocoo()
    entries = pd.DataFrame({"row": coo.row, "col": coo.col, "val": coo.data})
    pairs = entries.merge(entries, on="row")  # row-wise outer products: (d, i * p + j) = X[d, i] * X[d, j]
    outer = sparse.csr_matrix((pairs["val_x"].to_numpy() * pairs["val_y"].to_numpy(),
                               (pairs["row"].to_numpy(), pairs["col_x"].to_numpy() * p + pairs["col_y"].to_numpy())),
                              shape=(n, p * p))
    xy = sparse.csr_matrix(xs.multiply(y[:, None]))
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, p))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        w = rng.standard_exponential(size=(b, n))
        system = np.zeros((b, p + 1, p + 1))
        system[:, 0, 0] = w.sum(axis=1)
        xtw = (xs.T @ w.T).T
        system[:, 0, 1:] = xtw
        system[:, 1:, 0] = xtw
        system[:, 1:, 1:] = (outer.T @ w.T).T.reshape(b, p, p) + alpha * np.eye(p)
        rhs = np.concatenate([(w @ y)[:, None], (xy.T @ w.T).T], axis=1)
        out[start:start + b] = np.linalg.solve(system, rhs[:, :, None])[:, 1:, 0]
    return out


def kfold_indices(n: int, folds: int, seed: int) -> list[tuple["np.ndarray", "np.ndarray"]]:
    """(train, test) row indices of `KFold(folds, shuffle=True, random_state=seed).split(range(n))`."""
    import numpy as np

    order = np.arange(n)
    np.random.RandomState(seed).shuffle(order)
    sizes = np.full(folds, n // folds, dtype=int)
    sizes[: n % folds] += 1
    out, start = [], 0
    for size in sizes:
        in_test = np.zeros(n, dtype=bool)
        in_test[order[start:start + size]] = True
        out.append((np.flatnonzero(~in_test), np.flatnonzero(in_test)))  # both in row order, as KFold gives them
        start += size
    return out


def r2(y: "np.ndarray", predicted: "np.ndarray") -> float:
    """`sklearn.metrics.r2_score`: 1 - SSres/SStot; 1.0 for a perfect fit of a constant, 0.0 otherwise."""
    import numpy as np

    residual = float(np.sum((y - predicted) ** 2))
    total = float(np.sum((y - np.mean(y)) ** 2))
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / total


def cross_validated_r2(X: "np.ndarray", y: "np.ndarray", folds: int = 5, seed: int = 0,
                       alphas: Sequence[float] = DEFAULT_ALPHAS) -> dict[str, float]:
    """Out-of-fold R² of `ridge_loo` (penalty chosen inside each training part) and of the plain baseline that
    predicts the training part's mean score, so the figure is read against what knowing nothing gives."""
    import numpy as np

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    folds = min(folds, len(y))
    if folds < 2:
        return {}
    model, baseline = [], []
    for train, test in kfold_indices(len(y), folds, seed):
        fit = ridge_loo(X[train], y[train], alphas)
        model.append(r2(y[test], X[test] @ fit.coef + fit.intercept))
        baseline.append(r2(y[test], np.full(len(test), np.mean(y[train]))))
    return {"folds": folds, "r2": float(np.mean(model)), "r2_std": float(np.std(model)),
            "baseline_r2": float(np.mean(baseline)), "baseline_r2_std": float(np.std(baseline))}
