"""The trained models of textlens, shipped in the wheel as the `textlens_models` package (pyproject.toml maps
this folder to that name); textlens.resources finds them. No code here: the files beside are data."""
