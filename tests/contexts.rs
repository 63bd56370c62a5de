//! Contexts on the command line: `--context NAME` fills in sources and
//! settings, an unknown or badly written context is one line and exit 2,
//! and in a production context every operation that changes a source needs
//! `--confirm-context NAME` (off a terminal) and changes nothing without it.

mod bin_support;
mod support;

use std::path::{Path, PathBuf};

use bin_support::{evscope, stderr, stdout};

/// A config file in `dir` with `text`; its path as a string.
fn config(dir: &Path, text: &str) -> String {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// A capture of `ids` (plain JSON events) at `path`.
fn capture(path: &Path, ids: &[&str]) -> String {
    let text: String = ids
        .iter()
        .map(|id| format!("{{\"evscope_capture\":1,\"id\":\"{id}\",\"body_encoding\":\"json\",\"body\":{{\"type\":\"T{id}\"}}}}\n"))
        .collect();
    std::fs::write(path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The ids left in a capture file.
fn ids(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect()
}

/// A production context `prod` (writes allowed) and a plain one `dev`.
fn prod_config(dir: &Path) -> String {
    config(
        dir,
        "[contexts.prod]\nproduction = true\nread_only = false\n[contexts.dev]\n",
    )
}

#[test]
fn an_unknown_context_is_one_line_listing_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = prod_config(dir.path());
    let out = evscope(
        &["--config", &config, "--context", "prd", "peek", "demo"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "evscope: unknown context `prd` (contexts: dev, prod)\n"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_bad_context_key_or_value_names_the_context_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in [
        (
            "[contexts.prod]\nregoin = \"eu-west-1\"\n",
            "[contexts.prod] unknown key `regoin` (keys: sources,",
        ),
        (
            "[contexts.prod]\nproduction = \"yes\"\n",
            "[contexts.prod] production: expected true or false, not \"yes\"",
        ),
    ] {
        let config = config(dir.path(), text);
        // Even a command that names no context stops: the file is wrong.
        let out = evscope(&["--config", &config, "peek", "demo", "-n", "1"], &[]);
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn a_context_fills_in_the_sources_of_a_command_that_reads_several() {
    let dir = tempfile::tempdir().unwrap();
    let a = capture(&dir.path().join("a.jsonl"), &["1", "2"]);
    let b = capture(&dir.path().join("b.jsonl"), &["3"]);
    let config = config(
        dir.path(),
        &format!("[contexts.two]\nsources = [\"{a}\", \"{b}\"]\n"),
    );
    let out = evscope(
        &[
            "--config",
            &config,
            "--context",
            "two",
            "stats",
            "--rows",
            "source",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("a.jsonl") && text.contains("b.jsonl"),
        "{text}"
    );
    // The environment names the context as well as the flag does.
    let out = evscope(
        &["--config", &config, "stats", "--rows", "type"],
        &[("EVSCOPE_CONTEXT", "two")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("T3"), "{}", stdout(&out));
    // Sources given on the command line win over the context's.
    let out = evscope(
        &[
            "--config",
            &config,
            "--context",
            "two",
            "stats",
            "--rows",
            "source",
            &b,
        ],
        &[],
    );
    assert!(!stdout(&out).contains("a.jsonl"), "{}", stdout(&out));
    // Without a context and without sources: one line.
    let out = evscope(&["--config", &config, "stats", "--rows", "type"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "evscope: no SOURCE given: name at least one, or a context with sources (--context NAME)\n"
    );
}

#[test]
fn contexts_lists_them_and_marks_the_one_in_effect() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        "default_context = \"dev\"\n[contexts.prod]\nproduction = true\nsources = [\"sqs://orders\"]\n[contexts.dev]\nsources = \"demo\"\n",
    );
    let out = evscope(&["--config", &config, "contexts"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "   NAME  KIND        MODE        SOURCES\n\
         *  dev   -           read-write  demo\n   \
         prod  production  read-only   sqs://orders\n"
    );
}

/// Every operation that changes a capture, with the file it changes.
fn changing_commands(dir: &Path) -> Vec<(Vec<String>, PathBuf)> {
    let source = dir.join("orders.jsonl");
    let dlq = dir.join("orders.dlq.jsonl");
    let target = dir.join("copy.jsonl");
    capture(&source, &["1", "2"]);
    capture(&dlq, &["d1"]);
    capture(&target, &["t1"]);
    let s = |p: &Path| p.to_str().unwrap().to_string();
    vec![
        (
            vec![
                "delete".into(),
                s(&source),
                "--ids".into(),
                "1".into(),
                "--yes".into(),
            ],
            source.clone(),
        ),
        (
            vec!["purge".into(), s(&source), "--yes".into()],
            source.clone(),
        ),
        (vec!["redrive".into(), s(&dlq), "--yes".into()], dlq.clone()),
        (
            vec!["replay".into(), s(&source), s(&target)],
            target.clone(),
        ),
        (
            vec![
                "export".into(),
                s(&source),
                "-o".into(),
                s(&target),
                "--force".into(),
            ],
            target.clone(),
        ),
    ]
}

#[test]
fn production_refuses_every_change_without_the_context_name_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = prod_config(dir.path());
    for (command, changed) in changing_commands(dir.path()) {
        let before = std::fs::read(&changed).unwrap();
        for confirm in [None, Some("prd"), Some("Prod")] {
            let mut args = vec!["--config", &config, "--context", "prod"];
            if let Some(name) = confirm {
                args.extend(["--confirm-context", name]);
            }
            args.extend(command.iter().map(String::as_str));
            let out = evscope(&args, &[]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{command:?} {confirm:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
            let expected = match confirm {
                None => "context `prod` is production: ",
                Some(_) => "does not name the context `prod`",
            };
            assert!(err.contains(expected), "{command:?}: {err}");
            assert!(err.contains("nothing was changed"), "{err}");
            assert_eq!(
                std::fs::read(&changed).unwrap(),
                before,
                "{command:?} {confirm:?} changed {changed:?}"
            );
        }
    }
}

#[test]
fn production_runs_a_change_with_the_exact_name_and_yes() {
    let dir = tempfile::tempdir().unwrap();
    let config = prod_config(dir.path());
    let source = dir.path().join("orders.jsonl");
    let path = capture(&source, &["1", "2", "3"]);
    let out = evscope(
        &[
            "--config",
            &config,
            "--context",
            "prod",
            "--confirm-context",
            "prod",
            "delete",
            &path,
            "--ids",
            "2",
            "--yes",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(ids(&source), ["1", "3"]);
    // A dry run changes nothing and needs no name.
    let out = evscope(
        &[
            "--config",
            &config,
            "--context",
            "prod",
            "delete",
            &path,
            "--ids",
            "1",
            "--dry-run",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(ids(&source), ["1", "3"]);
    // A context that is not production asks nothing more than --yes.
    let out = evscope(
        &[
            "--config",
            &config,
            "--context",
            "dev",
            "delete",
            &path,
            "--ids",
            "1",
            "--yes",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(ids(&source), ["3"]);
    // A --confirm-context naming another context than the one in effect,
    // or one when none is, is a mistake: refused, nothing changed.
    for context in [&["--context", "dev"][..], &[]] {
        let mut args = vec!["--config", &config];
        args.extend(context);
        args.extend([
            "--confirm-context",
            "prod",
            "delete",
            &path,
            "--ids",
            "3",
            "--yes",
        ]);
        let out = evscope(&args, &[]);
        assert_eq!(out.status.code(), Some(2), "{context:?}");
        assert!(
            stderr(&out).contains("nothing was changed"),
            "{}",
            stderr(&out)
        );
        assert_eq!(ids(&source), ["3"]);
    }
}

#[test]
fn production_starts_read_only_unless_the_context_says_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        "[contexts.prod]\nproduction = true\n[contexts.open]\nproduction = true\nread_only = false\n",
    );
    let source = dir.path().join("orders.jsonl");
    let path = capture(&source, &["1", "2"]);
    let delete = |context: &str, extra: &[&str]| {
        let mut args = vec![
            "--config",
            &config,
            "--context",
            context,
            "--confirm-context",
            context,
        ];
        args.extend(extra);
        args.extend(["delete", &path, "--ids", "1", "--yes"]);
        evscope(&args, &[])
    };
    let out = delete("prod", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
    // --read-only on the command line wins over `read_only = false`.
    let out = delete("open", &["--read-only"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
    assert_eq!(ids(&source), ["1", "2"]);
    let out = delete("open", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(ids(&source), ["2"]);
}

/// The context gives the SQS endpoint and region (the environment names
/// none), and its production guard holds a purge of a real queue.
#[tokio::test(flavor = "multi_thread")]
async fn a_production_context_reaches_sqs_by_its_settings_and_guards_a_purge() {
    let moto = support::moto();
    let client = support::client(&moto.endpoint()).await;
    let name = support::unique("ctx-prod");
    let url = support::create_queue(&client, &name, &[]).await;
    support::put(
        &client,
        &url,
        &[
            support::Msg::body("{\"a\":1}"),
            support::Msg::body("{\"a\":2}"),
        ],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &format!(
            "[contexts.prod]\nproduction = true\nread_only = false\nendpoint_url = \"{}\"\nregion = \"us-east-1\"\n",
            moto.endpoint()
        ),
    );
    let queue = format!("sqs://{name}");
    let run = |extra: &'static [&'static str]| {
        let mut command = support::evscope_command(&moto.endpoint(), &[]);
        command
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_REGION")
            .args(["--config", &config, "--context", "prod"])
            .args(extra)
            .args(["purge", &queue, "--yes"]);
        command.output()
    };
    let refused = run(&[]).await.unwrap();
    assert_eq!(
        refused.status.code(),
        Some(2),
        "{}",
        support::stderr(&refused)
    );
    assert!(
        support::stderr(&refused).contains("needs --confirm-context prod"),
        "{}",
        support::stderr(&refused)
    );
    assert_eq!(support::depth(&client, &url).await.0, 2);
    let purged = run(&["--confirm-context", "prod"]).await.unwrap();
    assert_eq!(
        purged.status.code(),
        Some(0),
        "{}",
        support::stderr(&purged)
    );
    assert!(support::stdout(&purged).contains("purged"));
    let mut left = support::depth(&client, &url).await.0;
    for _ in 0..50 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = support::depth(&client, &url).await.0;
    }
    assert_eq!(left, 0);
}

/// A pseudo-terminal: the end a person types into, and the end a program
/// reads as its standard input.
#[cfg(unix)]
fn terminal() -> (std::fs::File, std::os::fd::OwnedFd) {
    use std::os::fd::{FromRawFd, OwnedFd};
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors it opened into the two ints;
    // the null name, termios and winsize mean defaults.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty");
    // SAFETY: both descriptors are open and owned by nobody else.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    (std::fs::File::from(master), slave)
}

/// evscope `args` reading standard input from `slave` (see
/// [`bin_support::command`]).
#[cfg(unix)]
fn evscope_on(args: &[&str], slave: std::os::fd::OwnedFd) -> std::process::Command {
    let mut command = bin_support::command(args);
    command.stdin(std::process::Stdio::from(slave));
    command
}

/// Run evscope with its standard input on a pseudo-terminal where `typed`
/// was typed (standard output and error captured).
#[cfg(unix)]
fn on_a_terminal(args: &[&str], typed: &str) -> std::process::Output {
    use std::io::Write;
    let (mut terminal, slave) = terminal();
    terminal.write_all(typed.as_bytes()).unwrap();
    evscope_on(args, slave).output().expect("evscope runs")
}

/// `delete --ids 1 --yes` of `path` in the production context of `config`:
/// what only the context's name, typed back, lets run.
#[cfg(unix)]
fn prod_delete<'a>(config: &'a str, path: &'a str) -> [&'a str; 9] {
    [
        "--config",
        config,
        "--context",
        "prod",
        "delete",
        path,
        "--ids",
        "1",
        "--yes",
    ]
}

/// Ctrl-C at a question before a change answers no: the change is
/// cancelled and nothing changes. (evscope listens for Ctrl-C while it
/// reads the events it asks about, so the signal alone no longer ends it:
/// the question kept waiting for a line.)
#[cfg(unix)]
#[test]
fn ctrl_c_at_a_question_cancels_and_changes_nothing() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let config = prod_config(dir.path());
    let source = dir.path().join("orders.jsonl");
    let path = capture(&source, &["1", "2"]);
    for (args, question, refusal) in [
        (
            vec!["delete", &path, "--ids", "1"],
            "for good? [y/N] ",
            "evscope: delete cancelled: nothing was deleted",
        ),
        (
            prod_delete(&config, &path).to_vec(),
            "Type the context's name to go on: ",
            "evscope: interrupted: delete file:",
        ),
    ] {
        let (_terminal, slave) = terminal();
        let mut child = evscope_on(&args, slave).spawn().expect("evscope runs");
        let mut stderr_pipe = child.stderr.take().expect("piped");
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !String::from_utf8_lossy(&seen).ends_with(question) {
            let n = stderr_pipe.read(&mut byte).expect("the question is asked");
            assert_eq!(
                n,
                1,
                "evscope ended before asking: {}",
                String::from_utf8_lossy(&seen)
            );
            seen.push(byte[0]);
        }
        let pid = child.id().to_string();
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        // A question still waiting fails the test instead of hanging it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "Ctrl-C left the question waiting: {}",
                    String::from_utf8_lossy(&seen)
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        stderr_pipe.read_to_end(&mut seen).unwrap();
        let err = String::from_utf8_lossy(&seen);
        assert_eq!(status.code(), Some(2), "{err}");
        assert!(err.contains(refusal), "{err}");
        assert_eq!(ids(&source), ["1", "2"], "{err}");
    }
}

/// On a terminal the name is asked for; only the exact name lets the
/// change run.
#[cfg(unix)]
#[test]
fn on_a_terminal_the_name_is_typed_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = prod_config(dir.path());
    let source = dir.path().join("orders.jsonl");
    let path = capture(&source, &["1", "2"]);
    let args = prod_delete(&config, &path);
    let out = on_a_terminal(&args, "Prod\n");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Context `prod` is production: delete file:"),
        "{err}"
    );
    assert!(err.contains("Type the context's name to go on: "), "{err}");
    assert!(
        err.contains("evscope: that is not `prod`: delete file:"),
        "{err}"
    );
    assert_eq!(ids(&source), ["1", "2"]);
    let out = on_a_terminal(&args, "prod\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(ids(&source), ["2"]);
}
