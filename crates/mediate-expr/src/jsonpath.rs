//! `json-eval`: JSONPath with Jayway result shapes (in progress).
