"""The store's policy (POLICY.md) as pure code: no Flask, no database."""
