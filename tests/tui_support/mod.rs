//! Shared by the terminal UI tests and benches: a small stand-in inspector
//! that fills realistic facets from the demo's fields, and an `App` loaded
//! with the demo without a runtime.

#![allow(dead_code)]

use std::sync::Arc;

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use evscope::backend::file::FileBackend;
use evscope::backend::{OpenOptions, Record, SourceInfo, SourceKind};
use evscope::capture::{Document, LineError};
use evscope::inspect::{Inspection, Inspector};
use evscope::model::{
    Body, Correlation, Jwt, Location, Meta, Problem, ProblemKind, Security, Token, TokenKind,
};
use evscope::tui::app::App;
use evscope::tui::decode::Decoder;
use evscope::tui::jobs::{Effect, Msg};
use evscope::tui::keymap::Keymap;
use evscope::tui::summary::Summary;
use evscope::tui::theme::Theme;
use evscope::tui::update::{apply, key_action, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;

/// Type `text` as key presses (`\n` Enter, `\x1b` Esc, `\t` Tab; an upper
/// case letter with Shift), each through the keymap and `update`.
pub fn key(app: &mut App, text: &str) {
    for c in text.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        let modifiers = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        if let Some(action) = key_action(app, &KeyEvent::new(code, modifiers)) {
            update(app, action);
        }
    }
}

/// The fixed "now" of every test: times render relative to it.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
}

/// Facets from well-known fields, enough for realistic screens.
pub struct DemoDecoder;

fn jwt(token: &str) -> Option<Jwt> {
    let mut parts = token.split('.');
    let decode = |p: &str| -> Option<serde_json::Map<String, Value>> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p)
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    let header = decode(parts.next()?)?;
    let claims = decode(parts.next()?)?;
    let expires_at = claims
        .get("exp")
        .and_then(Value::as_i64)
        .and_then(|s| DateTime::from_timestamp(s, 0));
    Some(Jwt {
        header,
        claims,
        expires_at,
        expired: expires_at.is_some_and(|t| t < now()),
    })
}

/// The inspection the demo decoder gives an event.
pub fn inspect(event: &evscope::model::Event, body: &Body) -> Inspection {
    // Secrets come from the real policy: what the TUI masks is decided there.
    let mut inspection = Inspection {
        secrets: evscope::secrets::find_secrets(event, body, evscope::secrets::policy()),
        ..Inspection::default()
    };
    let meta: &mut Meta = &mut inspection.meta;
    let json = body.as_json();
    let field = |name: &str| json.and_then(|b| b.get(name)).and_then(Value::as_str);
    meta.event_type = field("type")
        .filter(|t| *t != "CREATE")
        .or(field("eventName"))
        .map(str::to_string);
    meta.correlation = Correlation {
        correlation_id: event
            .attributes
            .get("correlationId")
            .map(String::as_str)
            .or(field("correlationid"))
            .or(field("correlationId"))
            .map(str::to_string),
        causation_id: event
            .attributes
            .get("causationId")
            .map(String::as_str)
            .or(field("causationid"))
            .or(field("causationId"))
            .map(str::to_string),
        trace_id: None,
    };
    // What flows link by: the envelope's id (CloudEvents `id`, classic
    // `eventId`), else the message id.
    meta.event_id = field("specversion")
        .and(field("id"))
        .map(str::to_string)
        .or_else(|| {
            json.and_then(|b| b.get("eventId"))
                .map(|v| v.to_string().trim_matches('"').to_string())
        })
        .or_else(|| Some(event.id.clone()));
    let expires = json
        .and_then(|b| b.get("expirationTime"))
        .and_then(Value::as_i64)
        .filter(|ms| *ms > 1_000_000_000_000)
        .and_then(DateTime::from_timestamp_millis)
        .or_else(|| {
            event
                .attributes
                .get("expiresAt")
                .and_then(|t| t.parse::<DateTime<Utc>>().ok())
        });
    if let Some(at) = expires {
        meta.expires_at = Some(at);
        meta.expired = at < now();
        if meta.expired {
            inspection
                .problems
                .push(Problem::new(ProblemKind::Expired, "expired"));
        }
    }
    if let Some(country) = field("countryCode") {
        meta.location = Some(Box::new(Location {
            country: Some(country.into()),
            country_code_format: field("countryCodeFormat").map(str::to_string),
            ip: field("ip").map(str::to_string),
            ..Location::default()
        }));
    }
    let bearer = event
        .attributes
        .get("authorization")
        .map(|a| {
            (
                "$.attributes.authorization",
                a.trim_start_matches("Bearer "),
            )
        })
        .or(field("bearer").map(|b| ("$.body.bearer", b)));
    if let Some((path, token)) = bearer {
        meta.security = Some(Box::new(Security {
            principal: field("user").map(str::to_string),
            token: Some(Token {
                kind: TokenKind::Jwt,
                path: path.into(),
                // The model holds only the masked form; the real token is at `path`.
                value: evscope::sanitize::mask_secret(token),
                jwt: jwt(token),
            }),
            signature: None,
        }));
        let structured = match path {
            "$.body.bearer" => ["body", "bearer"],
            _ => ["attributes", "authorization"],
        };
        inspection.token_path = Some(evscope::secrets::SecretPath::keys(structured));
    }
    match body {
        Body::Text(_) | Body::Binary(_) => inspection.problems.push(Problem::new(
            ProblemKind::InvalidJson,
            "the body is not JSON",
        )),
        Body::Json(_) => {
            if let Some(payload) = field("payload") {
                if serde_json::from_str::<Value>(payload).is_err() {
                    inspection.problems.push(Problem::new(
                        ProblemKind::InvalidPayload,
                        "$.body.payload is not valid JSON",
                    ));
                }
            }
            if field("creationDate").is_some_and(|d| d.contains("-13-")) {
                inspection.problems.push(Problem::new(
                    ProblemKind::BadDate,
                    "$.body.creationDate: month 13 does not exist",
                ));
            }
        }
    }
    inspection
}

impl Decoder for DemoDecoder {
    fn document(&self, record: &Record, _now: DateTime<Utc>) -> Result<Document, LineError> {
        let (event, body) = record.decode()?;
        let inspection = inspect(&event, &body);
        Ok(Document::new(event, body, inspection))
    }
}

/// A terminal host that does nothing (the event loop on a TestBackend).
pub struct NoHost;

impl evscope::tui::terminal::Host for NoHost {
    fn suspend(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn resume(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn write_raw(&mut self, _: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
}

/// Open `uris` in an app on a `size` TestBackend and run the event loop
/// until it ends, with `keys` pressed one by one, `pause` apart (the first
/// after `pause`); at most 30 s. The app and the terminal as it ended.
pub async fn run_with_keys(
    uris: &[String],
    options: OpenOptions,
    decoder: Arc<dyn Decoder>,
    size: (u16, u16),
    keys: &[char],
    pause: std::time::Duration,
    now: fn() -> DateTime<Utc>,
) -> (App, Terminal<TestBackend>) {
    use futures::StreamExt;
    use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut jobs = evscope::tui::jobs::Jobs::new(options, decoder.clone(), tx);
    let theme = Theme::load("dark", None).unwrap();
    let mut app = App::new(uris, Keymap::default(), theme, decoder, false, now());
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    let keys = keys.to_vec();
    let input = move || -> evscope::tui::event_loop::Input {
        futures::stream::iter(keys.clone())
            .then(move |c| async move {
                tokio::time::sleep(pause).await;
                Ok(Event::Key(KeyEvent::new(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                )))
            })
            .boxed()
    };
    let mut host = NoHost;
    let run = evscope::tui::event_loop::run(
        &mut terminal,
        &mut app,
        &mut jobs,
        &mut rx,
        &mut host,
        input,
        now,
    );
    tokio::time::timeout(std::time::Duration::from_secs(30), run)
        .await
        .expect("the loop ends")
        .expect("no error");
    (app, terminal)
}

/// Options for opening the demo.
pub fn options() -> OpenOptions {
    OpenOptions::new(Inspector::with_defaults())
}

/// The demo parts as the TUI opens them.
pub const PARTS: [&str; 3] = ["payments", "payments.dlq", "notifications"];

/// Feed an app what the background tasks would: open each source, hand
/// over its records and their summaries.
pub fn load(
    app: &mut App,
    slot: usize,
    backend: FileBackend,
    info: SourceInfo,
    decoder: &dyn Decoder,
) {
    let records: Vec<Record> = (0..backend.capture().unwrap().len())
        .map(|index| Record::Line {
            file: backend.capture().unwrap(),
            index,
        })
        .collect();
    load_records(app, slot, Arc::new(backend), info, records, decoder);
}

/// Like [`load`] for any records.
pub fn load_records(
    app: &mut App,
    slot: usize,
    backend: Arc<dyn evscope::backend::Backend>,
    info: SourceInfo,
    records: Vec<Record>,
    decoder: &dyn Decoder,
) {
    apply(
        app,
        Msg::Opened {
            epoch: app.epoch,
            slot,
            backend,
            info,
        },
    );
    let start = app.store.len();
    let summaries: Vec<Summary> = records
        .iter()
        .map(|r| match decoder.document(r, now()) {
            Ok(d) => Summary::of(&d),
            Err(e) => Summary::unreadable(&e.to_string()),
        })
        .collect();
    apply(
        app,
        Msg::Records {
            epoch: app.epoch,
            slot,
            records,
        },
    );
    apply(
        app,
        Msg::Summaries {
            epoch: app.epoch,
            start,
            summaries,
        },
    );
    apply(
        app,
        Msg::Loaded {
            epoch: app.epoch,
            slot,
        },
    );
    link_flows(app);
}

/// Run the flows passes an app asked for, synchronously, the way the
/// background task would; drop every other effect.
pub fn link_flows(app: &mut App) {
    loop {
        let mut linked = false;
        for effect in app.take_effects() {
            if let Effect::ComputeFlows(job) = effect {
                let result = evscope::tui::flows::compute(job);
                apply(app, Msg::Flows(Arc::new(result)));
                linked = true;
            }
        }
        if !linked {
            break;
        }
    }
}

/// The demo's source info for a part.
pub fn demo_info(part: &str) -> SourceInfo {
    let (dlq_of, dlq) = match part {
        "payments.dlq" => (Some("demo:payments".to_string()), None),
        "payments" => (None, Some("demo:payments.dlq".to_string())),
        _ => (None, None),
    };
    SourceInfo {
        uri: format!("demo:{part}"),
        name: format!("demo:{part}"),
        kind: SourceKind::Demo,
        count: None,
        dlq_of,
        dlq,
    }
}

/// An app over the demo, sized `w` x `h`, every source loaded.
pub fn demo_app(w: u16, h: u16) -> App {
    let uris: Vec<String> = PARTS.iter().map(|p| format!("demo:{p}")).collect();
    let decoder = Arc::new(DemoDecoder);
    let mut app = App::new(
        &uris,
        Keymap::default(),
        Theme::load("dark", None).unwrap(),
        decoder.clone(),
        false,
        now(),
    );
    drop(app.take_effects());
    update(&mut app, evscope::tui::action::Action::Resize(w, h));
    for (slot, part) in PARTS.iter().enumerate() {
        let backend = FileBackend::open_demo(Some(part), &options()).unwrap();
        load(&mut app, slot, backend, demo_info(part), decoder.as_ref());
    }
    app
}

/// Render an app on a test terminal of its size.
pub fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal
        .draw(|frame| evscope::tui::views::render(app, &app.theme, frame))
        .unwrap();
    terminal
}

/// The screen as plain text lines.
pub fn screen(app: &App) -> String {
    let terminal = draw(app);
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut skip = 0;
        for x in 0..buffer.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            out.push_str(symbol);
        }
        out.push('\n');
    }
    out
}

/// Effects queued so far, dropped (they would go to the background).
pub fn effects(app: &mut App) -> Vec<Effect> {
    app.take_effects()
}

/// Summaries keyed by id, for assertions.
pub fn ids_shown(app: &App) -> Vec<String> {
    (0..app.shown())
        .filter_map(|p| app.row_at(p))
        .filter_map(|r| app.store.summary(r).map(|s| s.id.to_string()))
        .collect()
}

/// Run the filter and summary work an app queued, synchronously, the way
/// the background workers would; other effects are returned.
pub fn run_background(app: &mut App) -> Vec<Effect> {
    let mut rest = Vec::new();
    // Until the answers ask for nothing more (a sort after new values).
    loop {
        let effects = app.take_effects();
        if effects.is_empty() {
            return rest;
        }
        run_effects(app, effects, &mut rest);
    }
}

fn run_effects(app: &mut App, effects: Vec<Effect>, rest: &mut Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::FilterRows {
                generation,
                filter,
                chunks,
            } => {
                for chunk in chunks {
                    let hits = chunk
                        .records
                        .iter()
                        .map(|r| {
                            DemoDecoder
                                .document(r, now())
                                .is_ok_and(|d| filter.matches(&d.to_value()))
                        })
                        .collect();
                    apply(
                        app,
                        Msg::FilterHits {
                            generation,
                            start: chunk.start,
                            hits,
                        },
                    );
                }
            }
            Effect::Compare(job) => {
                // Both sources read and compared as the job runner would,
                // with the real inspector (event ids from envelopes).
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let decoder = Arc::new(evscope::tui::decode::InspectorDecoder::new(
                    Inspector::with_defaults(),
                ));
                let runtime = tokio::runtime::Runtime::new().unwrap();
                runtime.block_on(evscope::tui::compare_view::compare(
                    job,
                    options(),
                    decoder,
                    tx,
                ));
                while let Ok(msg) = rx.try_recv() {
                    apply(app, msg);
                }
            }
            Effect::Stats(job) => {
                // The stats view's count, run here as the job runner would.
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let current = Arc::new(std::sync::atomic::AtomicU64::new(0));
                evscope::tui::stats_view::compute(job, Arc::new(DemoDecoder), current, tx);
                while let Ok(msg) = rx.try_recv() {
                    apply(app, msg);
                }
            }
            Effect::Sort(job) => {
                let order = evscope::tui::sort::order(&job);
                apply(
                    app,
                    Msg::Sorted {
                        generation: job.generation,
                        order,
                    },
                );
            }
            Effect::ColumnValues(job) => {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let current = std::sync::atomic::AtomicU64::new(0);
                evscope::tui::column_values::run(job, &DemoDecoder, &current, &tx);
                while let Ok(msg) = rx.try_recv() {
                    apply(app, msg);
                }
            }
            // The pause the live filter waits for is over at once here.
            Effect::Wake { token, .. } => apply(app, Msg::Wake { token }),
            other => rest.push(other),
        }
    }
}
