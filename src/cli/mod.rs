//! The scriptable subcommands. Output is fit for pipes: every line of event
//! data goes through [`crate::sanitize`] before it reaches stdout.

mod args;
mod check;
mod context;
pub mod contexts;
mod contracts;
mod diff;
mod flows;
mod interrupt;
mod journal;
mod move_ops;
mod output;
mod peek;
mod queues;
mod sources;
mod stats;

mod topics;

pub use args::{CheckArgs, Cli, Command, FilterArgs, PulsarArgs, SqsArgs, TIMEOUT_RANGE};
pub use context::Context;

use anyhow::Result;

/// Exit code when a command found expired or malformed events (`check`) or
/// an operation left events behind.
pub const EXIT_FOUND: i32 = 1;
/// Exit code for bad input: a missing file, a bad filter, unreadable lines.
pub const EXIT_ERROR: i32 = 2;

/// Run a subcommand; returns the process exit code.
pub async fn run(command: Command, context: &Context) -> Result<i32> {
    match command {
        Command::Peek(args) => peek::peek(args, context).await,
        Command::Check(args) => check::check(args, context).await,
        Command::Export(args) => peek::export(args, context).await,
        Command::Replay(args) => move_ops::replay(args, context).await,
        Command::Redrive(args) => move_ops::redrive(args, context).await,
        Command::Queues(args) => queues::queues(args, context).await,
        Command::Delete(args) => move_ops::delete(args, context).await,
        Command::Purge(args) => move_ops::purge(args, context).await,
        Command::Topics(args) => topics::topics(args, context).await,
        Command::Versions(args) => contracts::versions(args, context).await,
        Command::Contracts(command) => contracts::contracts(command, context).await,
        Command::Journal(args) => journal::journal(args),
        Command::Flows(args) => flows::flows(args, context).await,
        Command::Flow(args) => flows::flow(args, context).await,
        Command::Graph(args) => flows::graph(args, context).await,
        Command::Stats(args) => stats::stats(args, context).await,
        Command::Diff(args) => diff::diff(args, context).await,
        Command::Contexts => contexts::list(context),
        Command::Completions { shell } => {
            args::print_completions(shell);
            Ok(0)
        }
    }
}
