# mypy only: the repository root installs as the package `sponsorsync` (pyproject.toml, [tool.mypy] mypy_path).
