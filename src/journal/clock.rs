//! The journal's clock: run ids and timestamps, in UTC, without a date library.

use std::time::{SystemTime, UNIX_EPOCH};

/// A run id: the UTC time of the run and a short suffix, `20261126T101500Z-3f2a`.
pub(super) fn new_run_id(now: SystemTime) -> String {
    let nanos = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    let suffix = crate::targets::fnv1a_64(format!("{}-{nanos}", std::process::id()).as_bytes());
    let (y, mo, d, h, mi, s) = civil(now);
    format!(
        "{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z-{:04x}",
        suffix & 0xffff
    )
}

pub(super) fn rfc3339(now: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(now);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Formats `now` as RFC 3339 UTC, for records and listings.
pub fn timestamp_now() -> String {
    rfc3339(SystemTime::now())
}

/// Formats `at` as RFC 3339 UTC.
pub fn timestamp_at(at: SystemTime) -> String {
    rfc3339(at)
}

pub(super) fn unix_ms(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Year, month, day, hour, minute, second (UTC) of `time`, by Howard Hinnant's
/// `civil_from_days` algorithm.
pub(super) fn civil(time: SystemTime) -> (i64, u32, u32, u32, u32, u32) {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let as_u32 = |v: i64| u32::try_from(v).unwrap_or(0);
    (
        year,
        as_u32(month),
        as_u32(day),
        as_u32(rem / 3600),
        as_u32(rem % 3600 / 60),
        as_u32(rem % 60),
    )
}
