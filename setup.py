"""What pyproject.toml cannot say: the top-level models/ folder ships in the wheel as the `textlens_models` package.

A `[tool.setuptools.packages.find]` table cannot rename a folder, and a fixed package list would silently leave out
the next subpackage. textlens.resources finds the models in the checkout or in the installed package.
"""
from setuptools import find_namespace_packages, setup

MODELS = "textlens_models"

setup(
    packages=[*find_namespace_packages(include=["textlens", "textlens.*"]), MODELS,
              *(f"{MODELS}.{sub}" for sub in find_namespace_packages(where="models"))],
    package_dir={MODELS: "models"},
)
