"""The policy gate: the project's invariants (one name per promise, a rule table per cloud in `rules/`)
plus checkov, on every synthesized stack, with checked-in suppressions that expire.

`gate` runs them (`evaluate`, `check`), `model` holds findings and stack documents, `suppressions`
reads the accepted findings, `checkov` runs checkov offline, `report` renders table/JSON/SARIF.
"""
