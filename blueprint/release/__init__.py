"""Release management: state stores, saved plans, deploy, drift, the content-addressed bundle, the
deployment ledger and promotion of what was tested (and nothing else) to the next environment."""
