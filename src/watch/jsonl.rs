//! The watch off a terminal (or with `--format jsonl`): one JSON line per event, printed (and
//! flushed) as it comes, so that scripts and status bars can follow it.

use crossbeam_channel::Receiver;

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

/// Prints every event until the engine stops, or until standard output is closed (`| head`)
/// or cannot be written: then it returns, and the engine stops with it.
pub fn print(events: Receiver<ViewEvent>) {
    for event in &events {
        if !crate::report::print_json_line(&line_of(&event)) {
            return;
        }
    }
}
