//! The watch off a terminal (or with `--format jsonl`): one JSON line per event, printed (and
//! flushed) as it comes, so that scripts and status bars can follow it.

use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::event::ViewEvent;

/// The JSON line of `event`: `{"event": "status", …the fields of status --format json…}`,
/// `{"event": "gone", "name": …}`, `{"event": "fetched", "at": …}`,
/// `{"event": "note", "message": …}`.
pub fn line_of(event: &ViewEvent) -> serde_json::Value {
    match event {
        ViewEvent::Repo(report) => {
            let mut value = serde_json::to_value(report).unwrap_or_default();
            if let Some(map) = value.as_object_mut() {
                map.insert("event".into(), "status".into());
            }
            value
        }
        ViewEvent::Gone(name) => serde_json::json!({"event": "gone", "name": name}),
        ViewEvent::Fetched(at) => {
            serde_json::json!({"event": "fetched", "at": crate::journal::timestamp_at(*at)})
        }
        ViewEvent::Note(message) => serde_json::json!({"event": "note", "message": message}),
    }
}

/// How often a watch with nothing to print looks whether its reader is still there.
const READER_CHECK: Duration = Duration::from_millis(500);

/// Prints every event until the engine stops, or until standard output is closed (`| head`)
/// or cannot be written: then it returns, and the engine stops with it.
pub fn print(events: Receiver<ViewEvent>) {
    loop {
        match events.recv_timeout(READER_CHECK) {
            Ok(event) => {
                if !crate::report::print_json_line(&line_of(&event)) {
                    return;
                }
            }
            // Nothing to print: the reader may have gone all the same, after the last line.
            Err(RecvTimeoutError::Timeout) => {
                if crate::report::stdout_closed() {
                    return;
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::outcome::{Outcome, RepoReport};
    use crate::targets::Repo;

    #[test]
    fn each_event_has_its_line() {
        let repo = Repo {
            name: "api".into(),
            path: "/root/api".into(),
            unreadable: None,
        };
        let report = RepoReport::new(&repo, Outcome::Unchanged, "clean, on main");
        let line = line_of(&ViewEvent::Repo(Box::new(report.clone())));
        let mut entry = serde_json::to_value(&report).expect("a report serialises");
        entry["event"] = "status".into();
        assert_eq!(line, entry);
        assert_eq!(
            line_of(&ViewEvent::Gone("api".into())),
            serde_json::json!({"event": "gone", "name": "api"})
        );
        let at = UNIX_EPOCH + Duration::from_secs(1_764_601_445);
        assert_eq!(
            line_of(&ViewEvent::Fetched(at)),
            serde_json::json!({"event": "fetched", "at": "2025-12-01T15:04:05Z"})
        );
        assert_eq!(
            line_of(&ViewEvent::Note("a host refused".into())),
            serde_json::json!({"event": "note", "message": "a host refused"})
        );
    }
}
