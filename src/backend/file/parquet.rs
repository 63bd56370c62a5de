//! Captures as Parquet (`export -o FILE.parquet`): one row per event, the
//! capture fields as columns, so DuckDB, Athena or Spark can query archived
//! captures at any size.
//!
//! Columns: `id`, `source`, `key`, `published_at`, `receive_count`, `type`,
//! `version`, `event_id`, `correlation_id`, `causation_id`, `created_at`,
//! `expires_at`, `expired`, `country`, `problems` (a list of problem kinds),
//! `attributes` (a JSON object of strings) and `body` (JSON text: the body's
//! exact text when it is JSON, else the capture's value for it, a JSON
//! string). Times are UTC microseconds. Like every export, bodies and
//! attributes are written as they are (secrets included).

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder, UInt32Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

use crate::capture::Document;
use crate::model::Body;

/// Rows buffered before they are handed to the writer as one batch.
const BATCH_ROWS: usize = 8192;

/// The schema of a Parquet capture.
pub fn schema() -> SchemaRef {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let time = |name: &str| {
        Field::new(
            name,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        )
    };
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        text("key"),
        time("published_at"),
        Field::new("receive_count", DataType::UInt32, true),
        text("type"),
        text("version"),
        text("event_id"),
        text("correlation_id"),
        text("causation_id"),
        time("created_at"),
        time("expires_at"),
        Field::new("expired", DataType::Boolean, false),
        text("country"),
        Field::new(
            "problems",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
        Field::new("attributes", DataType::Utf8, false),
        Field::new("body", DataType::Utf8, false),
    ]))
}

/// Column builders for the rows not yet written.
struct Columns {
    id: StringBuilder,
    source: StringBuilder,
    key: StringBuilder,
    published_at: TimestampMicrosecondBuilder,
    receive_count: UInt32Builder,
    event_type: StringBuilder,
    version: StringBuilder,
    event_id: StringBuilder,
    correlation_id: StringBuilder,
    causation_id: StringBuilder,
    created_at: TimestampMicrosecondBuilder,
    expires_at: TimestampMicrosecondBuilder,
    expired: BooleanBuilder,
    country: StringBuilder,
    problems: ListBuilder<StringBuilder>,
    attributes: StringBuilder,
    body: StringBuilder,
    rows: usize,
}

fn micros(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_micros())
}

impl Columns {
    fn new() -> Columns {
        let time = || TimestampMicrosecondBuilder::new().with_timezone("UTC");
        Columns {
            id: StringBuilder::new(),
            source: StringBuilder::new(),
            key: StringBuilder::new(),
            published_at: time(),
            receive_count: UInt32Builder::new(),
            event_type: StringBuilder::new(),
            version: StringBuilder::new(),
            event_id: StringBuilder::new(),
            correlation_id: StringBuilder::new(),
            causation_id: StringBuilder::new(),
            created_at: time(),
            expires_at: time(),
            expired: BooleanBuilder::new(),
            country: StringBuilder::new(),
            problems: ListBuilder::new(StringBuilder::new()),
            attributes: StringBuilder::new(),
            body: StringBuilder::new(),
            rows: 0,
        }
    }

    fn push(&mut self, document: &Document) {
        let event = &document.event;
        let meta = &document.inspection.meta;
        self.id.append_value(&event.id);
        self.source.append_value(&event.source);
        self.key.append_option(event.key.as_deref());
        self.published_at.append_option(micros(event.published_at));
        self.receive_count.append_option(event.receive_count);
        self.event_type.append_option(meta.event_type.as_deref());
        self.version.append_option(meta.version.as_deref());
        self.event_id.append_option(meta.event_id.as_deref());
        let correlation = &meta.correlation;
        self.correlation_id
            .append_option(correlation.correlation_id.as_deref());
        self.causation_id
            .append_option(correlation.causation_id.as_deref());
        self.created_at.append_option(micros(meta.created_at));
        self.expires_at.append_option(micros(meta.expires_at));
        self.expired.append_value(meta.expired);
        self.country
            .append_option(meta.location.as_ref().and_then(|l| l.country.as_deref()));
        for problem in &document.inspection.problems {
            self.problems.values().append_value(problem.kind.as_str());
        }
        self.problems.append(true);
        self.attributes
            .append_value(serde_json::to_string(&event.attributes).unwrap_or_default());
        self.body.append_value(body_text(document));
        self.rows += 1;
    }

    fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ParquetError> {
        self.rows = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.key.finish()),
            Arc::new(self.published_at.finish()),
            Arc::new(self.receive_count.finish()),
            Arc::new(self.event_type.finish()),
            Arc::new(self.version.finish()),
            Arc::new(self.event_id.finish()),
            Arc::new(self.correlation_id.finish()),
            Arc::new(self.causation_id.finish()),
            Arc::new(self.created_at.finish()),
            Arc::new(self.expires_at.finish()),
            Arc::new(self.expired.finish()),
            Arc::new(self.country.finish()),
            Arc::new(self.problems.finish()),
            Arc::new(self.attributes.finish()),
            Arc::new(self.body.finish()),
        ];
        Ok(RecordBatch::try_new(schema.clone(), columns)?)
    }
}

/// The body as JSON text: its exact bytes when they are JSON, else the
/// capture's JSON value for it (a string of the text, or of base64).
fn body_text(document: &Document) -> String {
    if let Body::Json(_) = document.body
        && let Ok(text) = std::str::from_utf8(&document.event.raw)
    {
        return text.trim().to_owned();
    }
    document.body.to_capture_value().to_string()
}

/// Events being written as Parquet to `W`.
pub struct ParquetSink<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    columns: Columns,
}

impl<W: Write + Send> ParquetSink<W> {
    /// Start a Parquet file on `out` (Snappy-compressed).
    pub fn new(out: W) -> Result<ParquetSink<W>, ParquetError> {
        let schema = schema();
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("evscope {}", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(ParquetSink {
            writer: ArrowWriter::try_new(out, schema.clone(), Some(properties))?,
            schema,
            columns: Columns::new(),
        })
    }

    /// Add one event.
    pub fn write(&mut self, document: &Document) -> Result<(), ParquetError> {
        self.columns.push(document);
        if self.columns.rows >= BATCH_ROWS {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn flush_rows(&mut self) -> Result<(), ParquetError> {
        let batch = self.columns.finish(&self.schema)?;
        self.writer.write(&batch)
    }

    /// Write what is buffered and the footer; hand back `W`.
    pub fn finish(mut self) -> Result<W, ParquetError> {
        if self.columns.rows > 0 {
            self.flush_rows()?;
        }
        self.writer.into_inner()
    }
}

/// Whether `path` names a Parquet file (by its extension).
pub fn is_parquet_path(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::Inspector;
    use crate::model::Event;
    use arrow_array::cast::AsArray;
    use arrow_array::types::TimestampMicrosecondType;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn document(id: &str, body: &str) -> Document {
        thread_local! {
            static INSPECTOR: Inspector = Inspector::with_defaults();
        }
        let mut event = Event::new(id, "file:x.jsonl", body.as_bytes().to_vec());
        event.published_at = Some("2026-03-01T10:00:00.123456Z".parse().unwrap());
        event.attributes.insert("tenant".into(), "acme".into());
        let body = event.body();
        let inspection = INSPECTOR.with(|i| i.inspect(&event, &body, Utc::now(), true));
        Document::new(event, body, inspection)
    }

    #[test]
    fn rows_read_back_with_the_same_values() {
        let docs: Vec<Document> = (0..BATCH_ROWS + 3)
            .map(|i| {
                document(
                    &format!("m{i}"),
                    &format!(
                        r#"{{"eventId":"e{i}","eventName":"T","countryCode":"ES", "n": {i}}}"#
                    ),
                )
            })
            .chain([document("bad", "not json \u{1b}")])
            .collect();
        let mut sink = ParquetSink::new(tempfile::tempfile().unwrap()).unwrap();
        for doc in &docs {
            sink.write(doc).unwrap();
        }
        let file = sink.finish().unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, docs.len());
        let first = &batches[0];
        let text = |name: &str, row: usize| {
            first
                .column_by_name(name)
                .unwrap()
                .as_string::<i32>()
                .value(row)
                .to_owned()
        };
        assert_eq!(text("id", 2), "m2");
        assert_eq!(text("event_id", 2), "e2");
        assert_eq!(text("type", 2), "T");
        assert_eq!(text("country", 2), "ES");
        assert_eq!(
            text("body", 2),
            r#"{"eventId":"e2","eventName":"T","countryCode":"ES", "n": 2}"#
        );
        assert_eq!(text("attributes", 2), r#"{"tenant":"acme"}"#);
        let published = first
            .column_by_name("published_at")
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>()
            .value(0);
        assert_eq!(
            published,
            docs[0].event.published_at.unwrap().timestamp_micros()
        );
        let last = batches.last().unwrap();
        let row = last.num_rows() - 1;
        let body = last
            .column_by_name("body")
            .unwrap()
            .as_string::<i32>()
            .value(row);
        assert_eq!(body, "\"not json \\u001b\"");
        let problems = last
            .column_by_name("problems")
            .unwrap()
            .as_list::<i32>()
            .value(row);
        assert_eq!(problems.as_string::<i32>().value(0), "invalid_json");
    }
}
