"""The building blocks of the domain modules: `vocabulary` (provider-free, shared by every cloud) and one
file per cloud with its secure defaults (`aws`, `gcp`, `azure`), reused by the state-store bootstrap."""
