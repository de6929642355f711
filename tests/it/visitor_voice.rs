//! Only the visitor speaks for the visitor: consent, stop and end come from Tandem's own
//! UI, and the mirrored tab is the one the visitor uses.
