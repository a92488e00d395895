"""`IrtoolsApp`: hotspots, dispatches, passes and diffs of what `irtools tui` opened."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Provider
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# irtools tui

| where | key | does |
|---|---|---|
| everywhere | `?` | this help |
| | `ctrl+p` | command palette: every action by name |
| | `escape` | back to the previous screen |
| | `q` | quit |
| hotspots | `enter` / click | open the group: statistics, distribution, pass history |
| | `g` | group by name, source location, dispatch, op kind |
| | `s` | self time (span less the children) on or off |
| | `/` | filter groups by a regular expression |
| | click a header | sort by that column (again: reverse) |
| | `c` | compare with the other capture or run (deltas), or stop comparing |
| | `r` | show another run of the run directory |
| | `p` | the passes of the IR dump |
| | `x` | compare mode, two builds: the dispatch's sources across them, diffed; `h`: their passes |
| dispatch | `enter` | diff of the pass picked in the history |
| | `v` | the IR just after that pass |
| | `e` | the executable source |
| passes | `c` | every snapshot, or (the default) only the passes that changed the IR |
| | `o` | with `c` and in `@symbol` histories: also changes of how it prints only (cosmetic) |
| | `/` | search a pass, or `@symbol` for the passes that changed it |
| | `enter` / `v` | diff against the state before the pass / the IR after it |
| diff | `s` | unified or side by side |
| | `l` `r` `a` `w` | ignore locations, SSA names, attribute order, indentation |
| | `]` `[` | next and previous hunk |
| text | `/` `n` `N` | search, next and previous match |
| | `g` `G` | top, bottom |

Lines longer than 64 KiB are shown elided, with their size and hash.
"""


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,question_mark,q", "app.pop_screen", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen Markdown { width: 90; height: 90%; border: round $accent; overflow-y: auto; }
    """

    def compose(self):
        yield Markdown(HELP)


class ScreenCommands(Provider):
    """The actions of the current screen and of the app, by name."""

    def _commands(self):
        screen = self.screen
        out = list(screen.commands()) if hasattr(screen, "commands") else []
        app = self.app
        out += [("Help", "key ?", app.action_help), ("Passes of the IR dump", "key p",
                                                      app.action_passes),
                ("Quit", "key q", app.exit)]
        return out

    async def discover(self):
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query):
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class IrtoolsApp(App):
    TITLE = "irtools"
    COMMANDS = App.COMMANDS | {ScreenCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, session, **kw):
        super().__init__(**kw)
        self.session = session

    def on_mount(self):
        from irtools.tui.hotspots import HotspotsScreen
        from irtools.tui.passes import PassesScreen

        s = self.session
        if s.traced:
            self.push_screen(HotspotsScreen(s))
        else:
            self.push_screen(PassesScreen(s.a.dump, s.a.label))

    def action_help(self):
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_passes(self):
        from irtools.tui.passes import PassesScreen

        a = self.session.a
        if a.dump is None:
            self.notify("no IR dump is open: run `irtools run --ir-dump`, or open a dump file too",
                        severity="warning")
            return
        if not isinstance(self.screen, PassesScreen):
            self.push_screen(PassesScreen(a.dump, a.label))
