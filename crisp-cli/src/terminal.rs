//! What the output adapts to: the width it may fill.

use std::io::IsTerminal as _;

/// The width used when nothing says otherwise (a pipe with no `COLUMNS`).
const FALLBACK_WIDTH: usize = 100;

/// The narrowest width honoured: below it, no table or help list is readable anyway.
const MIN_WIDTH: usize = 20;

/// The columns the output may fill: the terminal's width when standard output is one, else `COLUMNS`
/// (as a shell exports it, and as tests set it), else 100.
///
/// ```ignore
/// let width = crate::terminal::width();
/// assert!(width >= 20);
/// ```
pub fn width() -> usize {
    let stdout = std::io::stdout();
    let terminal = if stdout.is_terminal() {
        terminal_size::terminal_size_of(&stdout).map(|(terminal_size::Width(w), _)| usize::from(w))
    } else {
        None
    };
    let width = terminal
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|v| v.trim().parse::<usize>().ok()))
        .filter(|w| *w > 0)
        .unwrap_or(FALLBACK_WIDTH);
    width.max(MIN_WIDTH)
}
