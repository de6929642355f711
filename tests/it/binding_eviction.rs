//! A hostile proxied site cannot evict the binding cookie or lock the visitor out.
