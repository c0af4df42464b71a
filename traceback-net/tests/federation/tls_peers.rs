//! Mutual TLS between interconnects: the federation CA, ASN checks.
