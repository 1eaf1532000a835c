"""Key-driver model: a regularised regression of the score on item indicators, with bootstrap stability.

Impact alone (mean with vs without an item) mixes items that go together: reviews about claims also talk
about reachability. The model weighs each indicator with the others held fixed, so its coefficients rank
drivers the way a CX analyst reads them ("a negative mention of claims handling costs 0.9 stars").

This module is the scikit-learn estimator for Python users; the numbers come from `textlens.dynamics.ridge`
(numpy only), which `textlens drivers` calls directly so that the command never imports scikit-learn.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sklearn.base import BaseEstimator, RegressorMixin

from textlens.dynamics.ridge import DEFAULT_ALPHAS, bootstrap_ridge, cross_validated_r2  # noqa: F401 (API)

if TYPE_CHECKING:
    import numpy as np


class KeyDriverRegression(RegressorMixin, BaseEstimator):
    """Ridge regression with its penalty chosen by efficient leave-one-out CV (as RidgeCV), then refitted with
    the same penalty on `n_boot` Bayesian-bootstrap weightings of the documents (Exp(1) weights, as
    `impact.bootstrap_impacts`) to give each coefficient a 95% percentile interval and the share of refits
    agreeing on its sign.

    Ridge rather than the lasso: indicators of related aspects are correlated, and the lasso would keep
    one of them at random where ridge shares the weight, which is steadier from one corpus cut to the next.
    """

    def __init__(self, alphas: Sequence[float] = DEFAULT_ALPHAS, n_boot: int = 200, random_state: int = 0):
        self.alphas = alphas
        self.n_boot = n_boot
        self.random_state = random_state

    def fit(self, X: "np.ndarray", y: "np.ndarray") -> "KeyDriverRegression":
        import numpy as np
        from sklearn.utils.validation import check_X_y

        from textlens.dynamics.ridge import fit_key_drivers

        X, y = check_X_y(X, y, y_numeric=True, dtype=np.float64)
        fit = fit_key_drivers(X, y, self.alphas, self.n_boot, self.random_state)
        self.alpha_ = float(fit.alpha)
        self.coef_ = fit.coef
        self.intercept_ = float(fit.intercept)
        self.n_features_in_ = X.shape[1]
        self.coef_boot_ = fit.coef_boot
        self.coef_low_, self.coef_high_, self.same_sign_ = fit.coef_low, fit.coef_high, fit.same_sign
        return self

    def predict(self, X: "np.ndarray") -> "np.ndarray":
        import numpy as np
        from sklearn.utils.validation import check_array, check_is_fitted

        check_is_fitted(self, "coef_")
        X = check_array(X, dtype=np.float64)
        return X @ self.coef_ + self.intercept_
