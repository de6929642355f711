//! Mirror frames that inflate without bound are dropped, not replayed.
