//! The wall time of each step of a task, printed as one table when the task ends (failed or
//! not), so that a slow CI run says where its time went.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::cmd::Result;

struct Step {
    name: String,
    took: Duration,
    ok: bool,
}

static STEPS: Mutex<Vec<Step>> = Mutex::new(Vec::new());
static STARTED: Mutex<Option<Instant>> = Mutex::new(None);

/// Runs `body` as the step `name`, recording how long it took and whether it passed.
pub(crate) fn step<T>(name: &str, body: impl FnOnce() -> Result<T>) -> Result<T> {
    if let Ok(mut started) = STARTED.lock() {
        started.get_or_insert_with(Instant::now);
    }
    println!("xtask: step {name}");
    let began = Instant::now();
    let result = body();
    let step = Step {
        name: name.to_owned(),
        took: began.elapsed(),
        ok: result.is_ok(),
    };
    if let Ok(mut steps) = STEPS.lock() {
        steps.push(step);
    }
    result
}

fn format(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 60.0 {
        format!("{}m {:04.1}s", (seconds / 60.0).floor(), seconds % 60.0)
    } else {
        format!("{seconds:.1}s")
    }
}

/// Prints the steps run so far with their wall times, and the total.
pub(crate) fn print() {
    let Ok(steps) = STEPS.lock() else { return };
    if steps.is_empty() {
        return;
    }
    let width = steps
        .iter()
        .map(|step| step.name.len())
        .chain([5])
        .max()
        .unwrap_or(5);
    println!("\nxtask: wall time per step");
    for step in steps.iter() {
        println!(
            "  {:<width$}  {:>9}{}",
            step.name,
            format(step.took),
            if step.ok { "" } else { "  FAILED" }
        );
    }
    let total = STARTED
        .lock()
        .ok()
        .and_then(|started| *started)
        .map(|started| started.elapsed())
        .unwrap_or_default();
    println!("  {:<width$}  {:>9}", "total", format(total));
}
