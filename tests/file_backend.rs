//! The file backend through the `Backend` trait, as the TUI and the
//! operations use it.

use std::io::Write;
use std::time::Duration;

use evscope::backend::{self, Backend, OpenOptions, Record};
use evscope::inspect::Inspector;
use evscope::model::Event;
use tokio::sync::mpsc;

fn options(read_only: bool) -> OpenOptions {
    OpenOptions {
        read_only,
        ..OpenOptions::new(Inspector::with_defaults())
    }
}

async fn browse_ids(backend: &dyn Backend) -> Vec<String> {
    let (tx, mut rx) = mpsc::channel(8);
    let mut ids = Vec::new();
    let browse = backend.browse(None, tx);
    let collect = async {
        while let Some(batch) = rx.recv().await {
            for record in batch {
                ids.push(record.decode().unwrap().0.id);
            }
        }
    };
    let (result, ()) = tokio::join!(browse, collect);
    result.unwrap();
    ids
}

#[tokio::test]
async fn send_appends_and_drain_removes_only_what_it_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.jsonl");
    let uri = path.to_str().unwrap();
    let target = backend::open_target(uri, &options(false)).await.unwrap();
    let events: Vec<Event> = (0..5)
        .map(|i| Event::new(format!("e{i}"), "test", format!("{{\"n\":{i}}}")))
        .collect();
    let outcomes = target.send(&events).await.unwrap();
    assert_eq!(outcomes.len(), 5);
    assert!(outcomes.iter().all(|(_, outcome)| outcome.is_ok()));

    let source = backend::open(uri, &options(false)).await.unwrap();
    assert_eq!(
        browse_ids(source.as_ref()).await,
        ["e0", "e1", "e2", "e3", "e4"]
    );
    let mut drain = source.drain().await.unwrap();
    let batch = drain.next_batch().await.unwrap();
    assert_eq!(batch.len(), 5);
    let leases: Vec<u64> = batch
        .iter()
        .filter(|l| l.event.id != "e2")
        .map(|l| l.lease)
        .collect();
    assert!(
        drain
            .remove(&leases[..2])
            .await
            .unwrap()
            .iter()
            .all(|(_, outcome)| outcome.is_ok())
    );
    // A line appended while the drain holds the file survives the rewrite.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"{\"late\":true}\n")
        .unwrap();
    drain.finish().await.unwrap();
    let reopened = backend::open(uri, &options(false)).await.unwrap();
    let ids = browse_ids(reopened.as_ref()).await;
    assert_eq!(ids.len(), 4);
    assert_eq!(&ids[..3], ["e2", "e3", "e4"]);
    assert!(ids[3].starts_with("line-"));
}

#[tokio::test]
async fn read_only_refuses_changes_and_demo_is_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.jsonl");
    std::fs::write(&path, "{\"a\":1}\n").unwrap();
    let ro = backend::open(path.to_str().unwrap(), &options(true))
        .await
        .unwrap();
    let err = ro.send(&[Event::new("x", "t", "{}")]).await.unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    assert!(ro.drain().await.is_err());
    let demo = backend::open("demo:payments", &options(false))
        .await
        .unwrap();
    assert!(!demo.capabilities().send);
    assert!(demo.drain().await.is_err());
    let info = demo.describe().await.unwrap();
    assert_eq!(info.dlq.as_deref(), Some("demo:payments.dlq"));
    let dlq = backend::open("demo:payments.dlq", &options(false))
        .await
        .unwrap();
    assert_eq!(
        dlq.redrive_target().await.unwrap().as_deref(),
        Some("demo:payments")
    );
}

#[tokio::test]
async fn file_dlq_links_to_its_queue() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.jsonl"), "").unwrap();
    std::fs::write(dir.path().join("orders.dlq.jsonl"), "{}\n").unwrap();
    let queue = dir.path().join("orders.jsonl");
    let dlq = dir.path().join("orders.dlq.jsonl");
    let q = backend::open(queue.to_str().unwrap(), &options(false))
        .await
        .unwrap();
    let d = backend::open(dlq.to_str().unwrap(), &options(false))
        .await
        .unwrap();
    let qi = q.describe().await.unwrap();
    let di = d.describe().await.unwrap();
    assert_eq!(qi.dlq, Some(format!("file:{}", dlq.display())));
    assert_eq!(di.dlq_of, Some(format!("file:{}", queue.display())));
    assert_eq!(di.count, Some(1));
    assert_eq!(
        d.redrive_target().await.unwrap(),
        Some(format!("file:{}", queue.display()))
    );
}

#[tokio::test]
async fn tail_follows_appended_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.jsonl");
    std::fs::write(&path, "{\"n\":1}\n").unwrap();
    let backend = backend::open(path.to_str().unwrap(), &options(false))
        .await
        .unwrap();
    let (tx, mut rx) = mpsc::channel::<Vec<Record>>(8);
    let tail = tokio::spawn({
        let backend = backend.clone();
        async move { backend.tail(tx).await }
    });
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(b"{\"n\":2}\n{\"n\":").unwrap();
    let batch = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("new line arrives")
        .unwrap();
    assert_eq!(batch.len(), 1, "only complete lines are read");
    assert_eq!(batch[0].decode().unwrap().0.id, "line-2");
    file.write_all(b"3}\n").unwrap();
    let batch = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("the completed line arrives")
        .unwrap();
    assert_eq!(batch[0].decode().unwrap().0.raw, b"{\"n\":3}");
    assert_eq!(batch[0].decode().unwrap().0.id, "line-3");
    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), tail)
        .await
        .expect("tail stops when the receiver goes away")
        .unwrap()
        .unwrap();
}

/// A writer killed mid-line leaves a partial last line; the next send starts
/// on a new line, so none of its events is glued to the fragment (and lost).
#[tokio::test]
async fn send_after_a_partial_last_line_keeps_every_event_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.jsonl");
    std::fs::write(
        &path,
        "{\"id\":\"whole\"}\n{\"evscope_capture\":1,\"id\":\"cut",
    )
    .unwrap();
    let target = backend::open_target(path.to_str().unwrap(), &options(false))
        .await
        .unwrap();
    let events: Vec<Event> = (0..2)
        .map(|i| Event::new(format!("e{i}"), "test", format!("{{\"n\":{i}}}")))
        .collect();
    assert!(
        target
            .send(&events)
            .await
            .unwrap()
            .iter()
            .all(|(_, outcome)| outcome.is_ok())
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].ends_with("\"id\":\"cut"),
        "the fragment stays alone"
    );
    for (line, id) in lines[2..].iter().zip(["e0", "e1"]) {
        let value: serde_json::Value = serde_json::from_str(line).expect("a whole line");
        assert_eq!(value["id"], id);
    }
}
