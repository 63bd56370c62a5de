//! The evscope binary: parse arguments, run a command or the terminal UI,
//! and turn every error into one line on stderr and an exit code.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use evscope::cli::{self, Cli, Context};
use evscope::config::Config;
use evscope::logging::{self, LogError, Sink};

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("evscope: internal error{location}: {message} (please report this)");
    }));
    let args = Cli::parse_args();
    let log_file = match start_logging(&args) {
        Ok(file) => file,
        Err(error) => {
            eprintln!("evscope: {}", evscope::sanitize::escape(&error.to_string()));
            return ExitCode::from(cli::EXIT_ERROR as u8);
        }
    };
    // Roomy worker stacks: the pulsar crate's futures are large (several
    // hundred KiB in debug builds), and the default 2 MiB has overflowed
    // with a Pulsar listing and a topic loading at once. Untouched stack is
    // only reserved, not used.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("evscope: cannot start: {error}");
            return ExitCode::from(cli::EXIT_ERROR as u8);
        }
    };
    match runtime.block_on(run(args, log_file)) {
        Ok(code) => ExitCode::from(code as u8),
        Err(error) => {
            eprintln!(
                "evscope: {}",
                evscope::sanitize::escape_masked(&one_line(&error))
            );
            ExitCode::from(cli::EXIT_ERROR as u8)
        }
    }
}

/// Start logging: commands to stderr, the terminal UI to its log file (see
/// [`evscope::logging`]). Returns the TUI's log file when it logs to one.
fn start_logging(args: &Cli) -> Result<Option<std::path::PathBuf>, LogError> {
    if args.command.is_some() {
        logging::init(args.verbose, "off", Sink::Stderr)?;
        return Ok(None);
    }
    let Some(path) = logging::log_file() else {
        return Ok(None);
    };
    match logging::init(args.verbose, "warn", Sink::File(path.clone())) {
        Ok(_) => Ok(Some(path)),
        // Without -v or a variable nobody asked for the file: run without.
        Err(LogError::File { .. })
            if args.verbose == 0
                && std::env::var_os(logging::LOG_ENV).is_none()
                && std::env::var_os("RUST_LOG").is_none() =>
        {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

async fn run(args: Cli, log_file: Option<std::path::PathBuf>) -> anyhow::Result<i32> {
    let config = Config::load(args.config.as_deref())?;
    evscope::ops::journal::configure(evscope::ops::journal::Journal::new(
        config.journal.clone(),
        args.no_journal,
    ));
    // A context fills in what the flags did not give.
    let flags = cli::contexts::Flags {
        sqs: args.sqs.clone(),
        pulsar: args.pulsar.clone(),
        read_only: args.read_only,
        theme: args.theme.clone(),
        sources: args.sources.clone(),
    };
    let chosen =
        cli::contexts::pick(args.context.as_deref(), &config).map_err(anyhow::Error::msg)?;
    let settings = flags
        .settings(chosen.as_ref().map(|(_, c)| *c), &config)
        .map_err(anyhow::Error::msg)?;
    let mut command = args.command;
    if let Some(command) = &mut command {
        cli::contexts::fill_sources(command, chosen.as_ref())?;
    }
    let chosen = cli::contexts::Chosen {
        production: chosen.as_ref().is_some_and(|(_, c)| c.production),
        name: chosen.map(|(name, _)| name),
        confirm: args.confirm_context,
        flags,
    };
    let mut context = Context::new(config, settings.read_only)?
        .with_contracts(&args.contracts)?
        .with_sqs(settings.sqs);
    context.open.pulsar = settings.pulsar;
    context.chosen = chosen;
    let code = match command {
        Some(command) => cli::run(command, &context).await,
        None => {
            evscope::tui::run(
                &context,
                &settings.sources,
                settings.theme.as_deref(),
                log_file,
            )
            .await
        }
    };
    // SQS messages a browse held are made visible again in the background
    // when the browse was cut short: wait for that before exiting. A follow
    // waits at most 1 s for its receive in flight, and a release at most
    // 3 s for an answer.
    evscope::backend::settle(std::time::Duration::from_secs(15)).await;
    code
}

/// The error and its causes on one line, skipping causes the message
/// already spells out.
fn one_line(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message.push_str(": ");
            message.push_str(&cause);
        }
    }
    message.replace('\n', " ")
}
