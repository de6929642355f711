//! Masking against a hostile page: nothing masked leaves the visitor's browser, read on
//! the wire.
