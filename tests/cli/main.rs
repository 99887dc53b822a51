//! Integration tests: the real binary on fleets of real repositories.
