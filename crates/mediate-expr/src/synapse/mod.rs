//! Synapse expressions `${…}` (in progress).
