//! No client takes Tandem down: slow and idle connections, searches, origins.
