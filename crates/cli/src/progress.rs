//! Progress bars for long commands, drawn on stderr only when it is a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Returns a bar for `total` steps labelled with `message`.
pub fn bar(total: u64, message: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message.to_owned());
    bar
}

/// Returns a callback `(phase, done, total)` that drives one bar per phase.
pub fn phased() -> impl Fn(&str, u64, u64) {
    let current: std::sync::Mutex<Option<(String, ProgressBar)>> = std::sync::Mutex::new(None);
    move |phase: &str, done: u64, total: u64| {
        let Ok(mut current) = current.lock() else {
            return;
        };
        let same_phase = matches!(&*current, Some((name, _)) if name == phase);
        if !same_phase {
            if let Some((_, old)) = current.take() {
                old.finish();
            }
            *current = Some((phase.to_owned(), bar(total, phase)));
        }
        if let Some((_, bar)) = &*current {
            bar.set_length(total);
            bar.set_position(done);
            if done >= total {
                bar.finish();
            }
        }
    }
}
