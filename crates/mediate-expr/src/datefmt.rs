//! Java `SimpleDateFormat` patterns over chrono (in progress).
