"""Guidelines as code: the YAML format's models, loading with located errors, versions, diff and lint.

Modules: `model` (``Guideline``), `loading` (``load_guideline``), `versions`, `diff`, `lint`, `yaml_edit`.
"""
