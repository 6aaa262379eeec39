//! What the doctor prints: one line per finding, each problem with its fix.

use std::fmt;

/// How a finding reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Works.
    Ok,
    /// Information (what is configured, who a credential belongs to).
    Info,
    /// Works, but probably not as meant.
    Warn,
    /// Broken: the service would refuse requests, or fail to start.
    Fail,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How it reads.
    pub status: Status,
    /// What it is about (`database`, `jwks`, `signature`, ...).
    pub topic: String,
    /// What was found.
    pub text: String,
    /// What to do about it, for a problem.
    pub fix: Option<String>,
}

/// Everything the doctor found, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Adds a finding.
    pub fn push(&mut self, status: Status, topic: &str, text: impl Into<String>) {
        self.findings.push(Finding {
            status,
            topic: topic.to_owned(),
            text: text.into(),
            fix: None,
        });
    }

    /// Adds a problem and its fix.
    pub fn fail(&mut self, topic: &str, text: impl Into<String>, fix: impl Into<String>) {
        self.findings.push(Finding {
            status: Status::Fail,
            topic: topic.to_owned(),
            text: text.into(),
            fix: Some(fix.into()),
        });
    }

    /// Adds a warning and its fix.
    pub fn warn(&mut self, topic: &str, text: impl Into<String>, fix: impl Into<String>) {
        self.findings.push(Finding {
            status: Status::Warn,
            topic: topic.to_owned(),
            text: text.into(),
            fix: Some(fix.into()),
        });
    }

    /// Whether anything failed.
    pub fn failed(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.status == Status::Fail)
    }

    /// The process exit code: 0, or 1 when anything failed.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.failed())
    }

    /// The finding about `topic`, if any (the last one).
    pub fn about(&self, topic: &str) -> Option<&Finding> {
        self.findings
            .iter()
            .rev()
            .find(|finding| finding.topic == topic)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            let mark = match finding.status {
                Status::Ok => "ok  ",
                Status::Info => "    ",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
            };
            writeln!(f, "{mark} {:<14} {}", finding.topic, finding.text)?;
            if let Some(fix) = &finding.fix {
                writeln!(f, "     {:<14} fix: {fix}", "")?;
            }
        }
        Ok(())
    }
}
