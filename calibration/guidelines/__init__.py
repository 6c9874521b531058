"""Guidelines as code: the YAML format's models, loading with located errors, versions, diff and lint."""
