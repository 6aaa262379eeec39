//! `better-auth`: the doctor (see the crate's documentation).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let var = |name: &str| std::env::var(name).ok();
    match better_auth_cli::run(&args, &var).await {
        Ok(report) => {
            print!("{report}");
            std::process::ExitCode::from(u8::try_from(report.exit_code()).unwrap_or(1))
        }
        Err(usage) => {
            eprint!("{usage}");
            std::process::ExitCode::from(2)
        }
    }
}
