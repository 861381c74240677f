"""Provider data files. This folder is data, not code: see README.md.

It is shipped inside the wheel as the package ``setupwizard.provider_data``
(see pyproject.toml), so installed copies find the files with
importlib.resources; this file only makes the folder a regular package.
"""
