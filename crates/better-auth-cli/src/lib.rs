#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)
)]

mod check;
mod explain;
mod report;

pub use check::check;
pub use explain::{Credential, explain, explanation};
pub use report::{Finding, Report, Status};

/// The usage text.
pub const USAGE: &str = "usage: better-auth <command>

  check                  read the service's environment (BETTER_AUTH_*, DATABASE_URL, ...) as
                         the service does and check each backend it names
  explain <credential>   who a credential belongs to, or the step that refuses it: a Cookie
                         header, `Bearer <token>`, a JWT or an API key (nothing is written)
";

/// Runs the command `args` (without the program name) with the environment `var`: the report
/// to print, or the usage text when the command is not one of these.
pub async fn run(args: &[String], var: &dyn Fn(&str) -> Option<String>) -> Result<Report, String> {
    match args {
        [command] if command == "check" => Ok(check(var).await),
        [command, credential] if command == "explain" => Ok(explain(credential, var).await),
        _ => Err(USAGE.to_owned()),
    }
}
