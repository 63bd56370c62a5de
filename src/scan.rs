//! Turning records into inspected, filtered documents: the one pipeline the
//! CLI, the TUI and the operations share. Batches are processed on every
//! core, in order.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::backend::Record;
use crate::capture::{
    Document, DocumentPaths, Fields, HeadRead, LineAt, LineError, LineView, decode_read, view_line,
};
use crate::filter::Filter;
use crate::inspect::{Inspection, Inspector, Needs, body_members_read};
use crate::model::{Body, Decoded, Event, Members, built_of};

/// Inspects and filters events.
///
/// Inspection is lazy: the filter is evaluated on an inspection of only
/// the facets it reads ([`Needs::of_text`]) and a document of only the
/// fields it reads ([`Fields::read_by`]); the events it keeps are then
/// inspected for what the output needs ([`Scanner::needs`]). Both go
/// through [`Inspector::inspect_for`], so a facet is computed the same way
/// whoever asks.
#[derive(Debug, Clone)]
pub struct Scanner {
    inspector: Inspector,
    filter: Option<Filter>,
    now: DateTime<Utc>,
    /// What the filter reads of the inspection and of the document.
    filter_needs: Needs,
    fields: Fields,
    /// The filter reads neither the body nor a facet.
    head_only: bool,
    /// The filter is evaluated on paths alone (see [`Filter::is_native`]).
    native: bool,
    /// What the documents handed over carry.
    needs: Needs,
    /// The body members the filter and its inspection read (see
    /// [`Members`]): the filter is evaluated on a body holding only those.
    filter_members: Members,
    /// The body members of the documents handed over.
    members: Members,
    /// The documents handed over need the event id alone, read from the
    /// raw body's members where they tell (see [`Scanner::by_members`]).
    id_by_members: bool,
    /// How many events the filter kept so far, of how many.
    kept: Arc<KeptShare>,
}

/// The share of events a filter keeps. A kept event whose body was built
/// in part for the filter is parsed again whole for its reader, so when
/// most are kept, building the whole body at once costs less. Either way
/// gives the same documents.
#[derive(Debug, Default)]
struct KeptShare {
    seen: AtomicUsize,
    kept: AtomicUsize,
}

impl KeptShare {
    /// Whether building only the filter's members is likely to pay: until
    /// a few hundred events are seen, and while at most half are kept.
    fn partial_pays(&self) -> bool {
        let seen = self.seen.load(Ordering::Relaxed);
        seen < 512 || self.kept.load(Ordering::Relaxed) * 2 <= seen
    }

    fn count(&self, kept: bool) {
        self.seen.fetch_add(1, Ordering::Relaxed);
        if kept {
            self.kept.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Scanner {
    /// A scanner inspecting with `inspector` as of `now`, keeping the events
    /// `filter` matches (all when `None` or a match-all filter). The
    /// documents it hands over are fully inspected.
    pub fn new(inspector: Inspector, filter: Option<Filter>, now: DateTime<Utc>) -> Self {
        let filter = filter.filter(|f| !f.is_match_all());
        let (filter_needs, fields) = match &filter {
            Some(f) => (Needs::of_text(f.expression()), Fields::read_by(f)),
            None => (Needs::NONE, Fields::ALL),
        };
        let filter_members = match &filter {
            Some(f) => inspector
                .body_members(filter_needs)
                .union(&body_members_read(f.expression())),
            None => Members::All,
        };
        let native = filter.as_ref().is_some_and(Filter::is_native);
        Scanner {
            inspector,
            filter,
            now,
            filter_needs,
            fields,
            head_only: filter_needs == Needs::NONE && !fields.has("body"),
            native,
            needs: Needs::ALL,
            filter_members,
            members: Members::All,
            id_by_members: false,
            kept: Arc::default(),
        }
    }

    /// The same scanner handing over documents inspected for `needs` only
    /// (the rest of their inspection is empty): [`Needs::FACETS`] for a
    /// reader that counts facets and problems and shows no event, so that
    /// no secret is looked for.
    pub fn needs(mut self, needs: Needs) -> Self {
        self.needs = needs;
        self
    }

    /// The same scanner handing over documents whose body holds only the
    /// members their inspection read (see [`Inspector::body_members`]):
    /// for a reader of facets and problems that never looks at the body.
    ///
    /// With [`Needs::EVENT_ID`] alone, most documents hold no member: the
    /// event id is read from the raw body's members, as the decode found
    /// them (see [`Inspector::event_id_by_members`]).
    pub fn body_for_needs_only(mut self) -> Self {
        self.members = self.inspector.body_members(self.needs);
        self.id_by_members = self.needs == Needs::EVENT_ID;
        self
    }

    /// Whether events are filtered (so a count of events read is not a
    /// count of events kept).
    pub fn has_filter(&self) -> bool {
        self.filter.is_some()
    }

    /// The inspector in use.
    pub fn inspector(&self) -> &Inspector {
        &self.inspector
    }

    /// Inspect one decoded event. `expect_json` says whether the source
    /// promises JSON bodies.
    pub fn inspect(&self, event: Event, body: Body, expect_json: bool) -> Document {
        let inspection =
            self.inspector
                .inspect_for(&event, &body, self.now, expect_json, self.needs);
        Document::new(event, body, inspection)
    }

    /// Whether a document passes the filter.
    pub fn keeps(&self, document: &mut Document) -> bool {
        match &self.filter {
            None => true,
            Some(filter) => {
                let answered = self
                    .native
                    .then(|| filter.matches_lookup(&DocumentPaths(document)))
                    .flatten();
                answered
                    .unwrap_or_else(|| document.with_fields(self.fields, |doc| filter.matches(doc)))
            }
        }
    }

    /// Decode, inspect and filter one record: `Ok(None)` when filtered out.
    pub fn scan(&self, record: &Record) -> Result<Option<Document>, LineError> {
        if let (Some(filter), Record::Line { .. }) = (&self.filter, record) {
            if !filter.might_match(record.bytes()) {
                return Ok(None);
            }
        }
        if let (Some(_), Record::Line { file, index }, true) =
            (&self.filter, record, self.head_only)
        {
            // A filter that reads neither the body nor a facet (`@.receive_count
            // > 3`) is decided on the other fields; only kept lines are parsed
            // whole, from what checking their body read.
            if let Some(head) = file.read_head(*index) {
                return self.kept_on_head(record, head);
            }
            if let Some(event) = file.decode_head(*index) {
                let body = Body::Json(serde_json::Value::Null);
                if !self.keeps(&mut Document::new(event, body, Inspection::default())) {
                    return Ok(None);
                }
            }
        }
        if self.filter.is_none()
            && self.id_by_members
            && let Some(document) = self.by_members(record)?
        {
            return Ok(Some(document));
        }
        self.scan_decoded(record, |members| record.decode_members(members))
    }

    /// [`Scanner::scan`] of a record read once: its event, when nothing
    /// else holds it, is moved into its document rather than copied (the
    /// record keeps an empty one, see [`Record::take_event`]).
    pub fn scan_spending(&self, record: &mut Record) -> Result<Option<Document>, LineError> {
        // An event's record is not pre-filtered nor read by its head (those
        // are a capture line's), and it is decoded once unless the event id
        // is read from its members first.
        if !self.id_by_members
            && let Some(event) = record.take_event()
        {
            return self.scan_decoded(record, move |members| Ok(Decoded::of_event(event, members)));
        }
        self.scan(record)
    }

    /// The rest of a scan, once a record was pre-filtered: `decode` gives
    /// its event with the members asked for built.
    fn scan_decoded(
        &self,
        record: &Record,
        decode: impl FnOnce(&Members) -> Result<Decoded, LineError>,
    ) -> Result<Option<Document>, LineError> {
        if self.filter.is_none() {
            let decoded = decode(&self.members)?;
            return Ok(Some(self.inspected(record, decoded, self.needs)));
        }
        // Inspect for the filter, then for the output what it keeps.
        let members = if self.kept.partial_pays() {
            &self.filter_members
        } else {
            &self.members
        };
        let decoded = decode(members)?;
        let partial = decoded.partial;
        let mut document = self.inspected(record, decoded, self.filter_needs);
        let kept = self.keeps(&mut document);
        self.kept.count(kept);
        if !kept {
            return Ok(None);
        }
        if partial && *members != self.members {
            document.body = self.rebuilt(&document);
        }
        if self.filter_needs != self.needs {
            // A whole body is read as built.
            let raw_members = document.raw_members().filter(|_| !self.members.is_all());
            document.inspection = self.inspector.inspect_members(
                &document.event,
                &document.body,
                raw_members,
                self.now,
                expects_json(record, &document.body),
                self.needs,
            );
        }
        Ok(Some(document))
    }

    /// The document of a capture line whose filter reads its head alone,
    /// `None` when the filter does not keep it: decoded (when kept) from
    /// what reading its head found, as [`Scanner::scan`] decodes a line.
    fn kept_on_head(
        &self,
        record: &Record,
        head: HeadRead<'_>,
    ) -> Result<Option<Document>, LineError> {
        let body = Body::Json(serde_json::Value::Null);
        let mut document = Document::new(head.event, body, Inspection::default());
        let kept = self.keeps(&mut document);
        self.kept.count(kept);
        if !kept {
            return Ok(None);
        }
        // A body the head's check let pass and a full parse refuses (a
        // number out of range) is the full decode's to report.
        let decoded = match decode_read(head.body, document.event, &self.members) {
            Some(decoded) => decoded,
            None => record.decode_members(&self.members)?,
        };
        Ok(Some(self.inspected(record, decoded, self.needs)))
    }

    /// The body of a kept document decoded partially, with every member
    /// the output reads built: from the members its decode found (not read
    /// again) when it has them.
    fn rebuilt(&self, document: &Document) -> Body {
        let raw = &document.event.raw;
        let built = document
            .raw_members()
            .zip(crate::model::utf8(raw))
            .and_then(|(found, text)| built_of(text, &self.members, found).ok());
        match built {
            Some(value) => Body::Json(value),
            None => Body::decode_members(raw, &self.members),
        }
    }

    /// [`Scanner::scan`] of a record whose document needs the event id
    /// alone: no body member built when the raw body's members tell the
    /// id; `None` when they do not (the body is then built as far as the
    /// inspection reads it).
    fn by_members(&self, record: &Record) -> Result<Option<Document>, LineError> {
        static NO_MEMBER: LazyLock<Members> = LazyLock::new(|| Members::only([""; 0]));
        let decoded = record.decode_members(&NO_MEMBER)?;
        let by_members = match (&decoded.body, &decoded.raw_members) {
            (Body::Json(serde_json::Value::Object(_)), Some(members)) => {
                let text = crate::model::utf8(&decoded.event.raw);
                let event = &decoded.event;
                let id = text.and_then(|text| {
                    self.inspector.event_id_by_members(
                        event.attributes.is_empty(),
                        &event.id,
                        text,
                        members,
                    )
                });
                let Some(event_id) = id else {
                    return Ok(None);
                };
                let mut inspection = Inspection::default();
                inspection.meta.event_id = event_id;
                inspection
            }
            // An object read by serde_json: its members were not kept.
            (Body::Json(serde_json::Value::Object(_)), None) => return Ok(None),
            // Any other body is whole.
            _ => return Ok(Some(self.inspected(record, decoded, self.needs))),
        };
        Ok(Some(Document::decoded(
            decoded,
            by_members,
            record.line_at(),
        )))
    }

    /// The document of `record`, decoded as `decoded`, inspected for
    /// `needs` (nothing inspected for [`Needs::NONE`]).
    fn inspected(&self, record: &Record, decoded: Decoded, needs: Needs) -> Document {
        let inspection = match needs {
            Needs::NONE => Inspection::default(),
            needs => self.inspector.inspect_members(
                &decoded.event,
                &decoded.body,
                // A whole body is read as built.
                decoded.raw_members.as_deref().filter(|_| decoded.partial),
                self.now,
                expects_json(record, &decoded.body),
                needs,
            ),
        };
        Document::decoded(decoded, inspection, record.line_at())
    }

    /// The [`LineView`] of `record` and its event id, when its document
    /// would hold nothing but that event id (read from the raw body's
    /// members: see [`Scanner::body_for_needs_only`]) and no filter reads
    /// it: a capture line read without making its event. `None`: scan it.
    pub fn view<'r>(&self, record: &'r Record) -> Option<(LineView<'r>, Option<String>)> {
        if self.filter.is_some() || !self.id_by_members {
            return None;
        }
        let Record::Line { file, index } = record else {
            return None;
        };
        let view = view_line(file.line(*index))?;
        let event_id = self.inspector.event_id_by_members(
            view.attributes_empty,
            &view.message_id,
            view.body,
            &view.members,
        )?;
        Some((view, event_id))
    }

    /// [`Scanner::scan`] over a batch on every core, each kept document
    /// turned into a `T` by `map` (on the same core); results in input order.
    /// `None` when `stop` was set before the batch was done (see
    /// [`par_until`]).
    pub fn scan_batch<T: Send>(
        &self,
        records: &mut [Record],
        stop: &AtomicBool,
        map: impl Fn(Document) -> T + Sync,
    ) -> Option<Vec<Result<Option<T>, LineError>>> {
        self.scan_batch_viewed(records, stop, map, None)
    }

    /// [`Scanner::scan_batch`], the records that have a [`Scanner::view`]
    /// turned into a `T` by `from_view` without a document where it can.
    pub fn scan_batch_viewed<T: Send>(
        &self,
        records: &mut [Record],
        stop: &AtomicBool,
        map: impl Fn(Document) -> T + Sync,
        from_view: Option<&FromView<'_, T>>,
    ) -> Option<Vec<Result<Option<T>, LineError>>> {
        par_until(
            records.par_iter_mut(),
            &|| stop.load(Ordering::Relaxed),
            |r| {
                if let Some(from_view) = from_view
                    && let Some((view, event_id)) = self.view(r)
                    && let Some(made) = from_view(&view, event_id, r.line_at())
                {
                    return Ok(Some(made));
                }
                self.scan_spending(r).map(|kept| kept.map(&map))
            },
        )
    }
}

/// What a reader makes of a capture line from its [`LineView`], the event
/// id read from it and where the line is, without a document (see
/// [`Scanner::view`]): the same as it makes of the line's document, or
/// `None` when it needs the document.
pub type FromView<'f, T> =
    dyn for<'v> Fn(&LineView<'v>, Option<String>, Option<LineAt>) -> Option<T> + Sync + 'f;

/// Whether `record`'s source promises the JSON body it decoded as `body`
/// ([`Record::expects_json`]). Only a body that is not JSON is inspected
/// differently for that promise (an `invalid_json` problem), so the
/// record's bytes are searched for it only then.
fn expects_json(record: &Record, body: &Body) -> bool {
    !matches!(body, Body::Json(_)) && record.expects_json()
}

/// `each` on every record (`records`: `par_iter()` or `par_iter_mut()` of
/// a slice), on every core, results in input order; `None` as soon as
/// `stop` answers true. `stop` is asked before each record, so a scan ends
/// within one event's work of being told to (an event's filter work is
/// bounded: see [`crate::filter::REGEX_SUBJECT_LIMIT`]).
pub fn par_until<R, T: Send>(
    records: impl IndexedParallelIterator<Item = R>,
    stop: &(dyn Fn() -> bool + Sync),
    each: impl Fn(R) -> T + Sync,
) -> Option<Vec<T>> {
    // Collected as `Option`s, then checked: an indexed collect writes each
    // result in its place in one vector, where collecting into an
    // `Option<Vec<_>>` gathers pieces that grow, then copies them together
    // (fresh memory, and copies, for every batch of a scan).
    let results: Vec<Option<T>> = records
        .map(|record| if stop() { None } else { Some(each(record)) })
        .collect();
    results.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// The lines of `text` as records of one capture.
    fn records(text: Vec<u8>) -> Vec<Record> {
        let file = std::sync::Arc::new(crate::capture::CaptureFile::from_bytes(text, "test"));
        (0..file.len())
            .map(|index| Record::Line {
                file: file.clone(),
                index,
            })
            .collect()
    }

    /// What a scan hands over of a document, to compare.
    fn parts(document: &Option<Document>) -> Option<(&Event, &Body, &Inspection)> {
        document
            .as_ref()
            .map(|d| (&d.event, &d.body, &d.inspection))
    }

    fn lines(n: usize) -> Vec<Record> {
        let text: String = (0..n)
            .map(|i| format!("{{\"id\":\"{i}\",\"body\":{{}}}}\n"))
            .collect();
        records(text.into_bytes())
    }

    /// The demo's events (every kind of facet, problem and secret) and a
    /// few more, as records of one capture.
    fn varied() -> Vec<Record> {
        let mut text = Vec::new();
        for part in crate::backend::DEMO_PARTS {
            text.extend(crate::backend::demo_capture(part).unwrap());
        }
        text.extend_from_slice(
            br#"{"eventName":"X","creationDate":"2020-12-30 23:15:58.999","expirationTime":300000,"correlationId":"c-1","payload":"{\"password\":\"hunter2\"}"}
{"eventName":"Y","creationDate":"not a date","payload":"{broken"}
not json at all
"#,
        );
        records(text)
    }

    #[test]
    fn lazy_inspection_keeps_and_shows_what_a_full_one_does() {
        let now = Utc::now();
        let inspector = Inspector::with_defaults();
        let records = varied();
        let mut kept_some = 0;
        for expr in [
            "@.meta.expired == true",
            "@.meta.type == 'PaymentCreated'",
            "@.meta.correlation.correlation_id == 'corr-payment-42'",
            "@.meta.security.principal",
            "@.meta.location",
            "@.meta.version == 'v2'",
            "@.meta.event_id == 'evt-pay-42'",
            "@.meta.created_at > '2026'",
            "@.problems[?@.kind != 'expired']",
            "@.receive_count > 1",
            "@.body.eventName == 'X' || @.id == 'never'",
            "length(@.meta) > 0",
            "@.attributes.correlationId == 'corr-payment-42'",
            "@.body.payload && @.meta.expired == true",
            "@.body['eventName'] == 'Y' && @.meta.type == 'Y'",
            "@.body.amount > 10 || @.meta.location.country",
            "@.body[0]",
            "@.source == 'x' || @.key || @.published_at > '2020' || @.attributes.a || @.system.x",
            "@.body_encoding == 'json' && @.evscope_capture == 1 && @.problems[0].kind",
            "@.meta.expires_at > '2026' || @.meta.correlation || @.meta[0] || @.meta.nothing",
            "@.attribute_types || @.receive_count == @.meta.location.country",
        ] {
            let filter = Filter::parse(expr).unwrap();
            let scanner = Scanner::new(inspector.clone(), Some(filter.clone()), now);
            for record in &records {
                let (event, body) = record.decode().unwrap();
                let inspection = inspector.inspect(&event, &body, now, record.expects_json());
                let mut full = Document::new(event, body, inspection);
                let expected = full.with_value(|doc| filter.matches(doc)).then_some(full);
                let got = scanner.scan(record).unwrap();
                assert_eq!(parts(&got), parts(&expected), "{expr}");
                kept_some += usize::from(got.is_some());
            }
        }
        assert!(kept_some > 20, "the filters keep events ({kept_some})");
    }

    /// An event scanned once is moved into the same document a scan of a
    /// copy makes; one held elsewhere too is copied and left whole.
    #[test]
    fn an_event_scanned_once_is_moved_into_the_document_a_copy_makes() {
        let now = Utc::now();
        let events: Vec<Event> = varied().iter().map(|r| r.decode().unwrap().0).collect();
        let mut moved = 0;
        for expr in [
            None,
            Some("@.meta.expired == true"),
            Some("@.body.eventName"),
        ] {
            let filter = expr.map(|e| Filter::parse(e).unwrap());
            let scanner = Scanner::new(Inspector::with_defaults(), filter, now);
            for event in &events {
                let expected = scanner
                    .scan(&Record::Event(Arc::new(event.clone())))
                    .unwrap();
                let mut alone = Record::Event(Arc::new(event.clone()));
                let got = scanner.scan_spending(&mut alone).unwrap();
                assert_eq!(parts(&got), parts(&expected), "{expr:?}");
                let Record::Event(left) = &alone else {
                    unreachable!()
                };
                assert_eq!(**left, Event::default(), "the event was moved out");
                moved += usize::from(got.is_some());
                let shared = Arc::new(event.clone());
                let mut held = Record::Event(shared.clone());
                let got = scanner.scan_spending(&mut held).unwrap();
                assert_eq!(parts(&got), parts(&expected), "{expr:?}");
                assert_eq!(*shared, *event, "an event held elsewhere is left whole");
            }
        }
        assert!(moved > 20, "documents were made ({moved})");
    }

    /// A capture line a head-only filter keeps is decoded from what
    /// reading its head found, and reads as a full decode reads it: the
    /// same document, or the same refusal of a body the decode refuses (a
    /// number out of range), whether the filter would keep it or not.
    #[test]
    fn a_line_kept_on_its_head_reads_as_a_full_decode_reads_it() {
        let head = r#"{"evscope_capture":1,"id":"m","source":"s","body_encoding":"json","#;
        let text: String = [
            r#""receive_count":9,"body":{"x": 1e999}}"#,
            r#""receive_count":1,"body":{"x": 1e999}}"#,
            r#""receive_count":9,"body":{"x":1,"x":2}}"#,
            r#""receive_count":9,"body":[1,2]}"#,
            r#""receive_count":9,"body":"{\"a\":1}"}"#,
            r#""receive_count":9,"body":{"t":"\u00e9\n"},"meta":{}}"#,
            r#""receive_count":9,"body":12}"#,
            r#""receive_count":9,"body":{"x":1.5,"y":[1,{"z":null}]}}"#,
        ]
        .iter()
        .map(|rest| format!("{head}{rest}\n"))
        .collect();
        let now = Utc::now();
        let inspector = Inspector::with_defaults();
        let filter = Filter::parse("@.receive_count > 3").unwrap();
        let scanner = Scanner::new(inspector.clone(), Some(filter), now);
        let (mut kept, mut refused) = (0, 0);
        for (index, record) in records(text.into_bytes()).iter().enumerate() {
            let got = scanner.scan(record);
            let expected = match record.decode() {
                Err(_) => {
                    refused += 1;
                    assert!(got.is_err(), "line {index}: {got:?}");
                    continue;
                }
                Ok((event, body)) => {
                    let inspection = inspector.inspect(&event, &body, now, true);
                    Some(Document::new(event, body, inspection))
                }
            };
            let got = got.unwrap();
            kept += usize::from(got.is_some());
            assert_eq!(parts(&got), parts(&expected), "line {index}");
        }
        assert_eq!((kept, refused), (6, 2));
    }

    #[test]
    fn counting_needs_every_facet_and_no_secret() {
        let now = Utc::now();
        let inspector = Inspector::with_defaults();
        let scanner = Scanner::new(inspector.clone(), None, now).needs(Needs::FACETS);
        let mut with_secrets = 0;
        for record in varied() {
            let (event, body) = record.decode().unwrap();
            let full = inspector.inspect(&event, &body, now, record.expects_json());
            let counted = scanner.scan(&record).unwrap().unwrap().inspection;
            with_secrets += usize::from(!full.secrets.is_empty());
            assert_eq!(counted.meta, full.meta);
            assert_eq!(counted.problems, full.problems);
            assert!(counted.secrets.is_empty() && counted.token_path.is_none());
        }
        assert!(with_secrets > 2, "{with_secrets} events carry secrets");
    }

    #[test]
    fn a_body_built_for_the_needs_only_gives_the_same_inspection() {
        let now = Utc::now();
        let inspector = Inspector::with_defaults();
        let mut projected = 0;
        for needs in [
            Needs::TYPE,
            Needs::VERSION,
            Needs::EVENT_ID,
            Needs::DATES,
            Needs::EXPIRY,
            Needs::LOCATION,
            Needs::SECURITY,
            Needs::CORRELATION,
            Needs::PROBLEMS,
            Needs::FACETS,
        ] {
            let whole = Scanner::new(inspector.clone(), None, now).needs(needs);
            let partial = whole.clone().body_for_needs_only();
            for record in varied() {
                let a = whole.scan(&record).unwrap().unwrap();
                let b = partial.scan(&record).unwrap().unwrap();
                assert_eq!(a.inspection, b.inspection, "{needs:?}");
                assert_eq!(a.event, b.event);
                projected += usize::from(a.body != b.body);
            }
        }
        assert!(projected > 50, "bodies were built in part ({projected})");
    }

    #[test]
    fn a_stop_flag_ends_a_scan_after_few_events() {
        let records = lines(20_000);
        let stop = AtomicBool::new(false);
        let done = AtomicUsize::new(0);
        let out = par_until(records.par_iter(), &|| stop.load(Ordering::SeqCst), |_| {
            if done.fetch_add(1, Ordering::SeqCst) + 1 >= 5 {
                stop.store(true, Ordering::SeqCst);
            }
        });
        assert!(out.is_none());
        // Each core finishes the event in hand, no more.
        let done = done.load(Ordering::SeqCst);
        assert!(done < 5 + 2 * rayon::current_num_threads(), "{done} events");
    }

    #[test]
    fn scan_batch_stops_when_asked_and_runs_otherwise() {
        let scanner = Scanner::new(Inspector::with_defaults(), None, Utc::now());
        let mut records = lines(100);
        let go = AtomicBool::new(false);
        let all = scanner
            .scan_batch(&mut records, &go, |d| d.event.id)
            .unwrap();
        assert_eq!(all.len(), 100);
        assert!(all.iter().all(|r| matches!(r, Ok(Some(_)))));
        let stop = AtomicBool::new(true);
        assert!(
            scanner
                .scan_batch(&mut records, &stop, |d| d.event.id)
                .is_none()
        );
    }
}
