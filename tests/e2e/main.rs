//! End-to-end tests: the real app window driven through WebDriver (placeholder until the harness lands).
fn main() {}
