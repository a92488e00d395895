"""The terminal UI (`irtools tui`): a Textual app over the core packages."""
