//! Live progress of a run: the [`ExecProgress`] counters the executor
//! publishes and the bar that draws them.

use serde::Serialize;

/// Live counters for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExecProgress {
    /// Targets in the run: the bar's length.
    pub total: u64,
    /// Devices whose task reported.
    pub done: u64,
    /// Devices running now.
    pub in_flight: u64,
    /// Finished devices where some command was not `ok`.
    pub with_problems: u64,
}

/// Drives a progress bar from [`super::execute`]'s progress channel; ends when the
/// sender is dropped (when `execute` returns). Hidden when `visible` is false.
/// With the `cli` feature (indicatif).
#[cfg(feature = "cli")]
pub fn spawn_progress_bar(
    mut rx: tokio::sync::watch::Receiver<ExecProgress>,
    visible: bool,
) -> tokio::task::JoinHandle<()> {
    let bar = if visible {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} devices {msg}",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let p = *rx.borrow_and_update();
            bar.set_length(p.total);
            bar.set_position(p.done);
            bar.set_message(format!(
                "| in flight {} | with problems {}",
                p.in_flight, p.with_problems
            ));
        }
        bar.finish_and_clear();
    })
}
