"""Derived documentation, checked by the tests so it cannot drift: the coverage table (what is proven
where), docs/parity.md (capability x cloud), the README's command table."""
