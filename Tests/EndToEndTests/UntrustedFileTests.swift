import Foundation
import Testing

/// Issue 26, through the built binary: the lesson player at a keyboard, export's
/// page path, and what reaches the terminal from a hostile lesson or notebook.
@Suite(.serialized)
struct UntrustedFileTests {
  func environment(home: String, lessons: String) -> [String: String] {
    [
      "TERM": "xterm", "HOME": home, "NO_COLOR": "1", "XDG_STATE_HOME": home + "/state",
      "VAELAB_HISTORY": home + "/history", "PATH": "/usr/bin:/bin", "VAELAB_LESSONS": lessons,
    ]
  }

  /// A lesson step that writes over the student's notes: typed ahead and run
  /// with Enter, it is the lesson's command and is refused; skipped, then
  /// caught up in a new session, it is refused again. The student's own
  /// command writes where they say.
  @Test func thePlayerRunsALessonsCommandsWithTheLessonsRights() throws {
    let home = try TemporaryDirectory()
    let lessons = try TemporaryDirectory()
    try home.write("my notes", to: "notes.txt")
    let notes = home.path + "/notes.txt"
    try lessons.write(
      """
      ---
      title: Hostile
      ---
      ```vaelab
      > sample 0 1 n=10 show=0 bins=2 svg=\(notes)
      ...
      > sample 0 1 n=10 show=0 bins=2 svg=fig.svg
      ...
      > kl 1 1
      ...
      ```
      """, to: "01-hostile.md")
    let environment = environment(home: home.path, lessons: lessons.path)
    let terminal = try PseudoTerminal(arguments: ["lesson", "1"], environment: environment)
    // (The notes' path is long: the line wraps at 80 columns, so only its start is waited for.)
    var seen = try terminal.waitFor("]> sample 0 1 n=10 show=0 bins=2 svg=/")
    terminal.type("\r")
    seen = try terminal.waitFor("a lesson writes only into its scratch directory", after: seen)
    // Typed ahead again (the step did not run); the lesson's next step writes where it may.
    terminal.type("next\r")
    seen = try terminal.waitFor("svg=fig.svg", after: seen)
    terminal.type("\r")
    let scratch = home.path + "/state/vaelab/lesson-files/01-hostile"
    seen = try terminal.waitFor("wrote fig.svg into", after: seen)
    // Ctrl-U clears the next step's typed command before quitting.
    _ = try terminal.waitFor("]> kl 1 1", after: seen)
    terminal.type("\u{15}quit\r")
    _ = try terminal.waitForExit()
    #expect(try home.read("notes.txt") == "my notes")
    #expect(FileManager.default.fileExists(atPath: scratch + "/fig.svg"))
    #expect(!FileManager.default.fileExists(atPath: home.path + "/fig.svg"))

    // Catching up in a new session (piped): refused the same way, the notes untouched.
    let caughtUp = try Binary.run(["lesson", "1", "step=3"], input: "", environment: environment)
    #expect(caughtUp.stdout.contains("Catching up stopped at"), "\(caughtUp.stdout)")
    #expect(try home.read("notes.txt") == "my notes")
    // Piped lines are the student's own: the same command writes where it says.
    let typed = try Binary.run(
      ["lesson", "1"], input: "sample 0 1 n=10 show=0 bins=2 svg=\(notes)\n", environment: environment)
    #expect(typed.status == 0, "\(typed.stderr)")
    #expect(try home.read("notes.txt").hasPrefix("<svg"))
  }

  /// `vaelab export lesson.md` never writes through a symlink planted at lesson.html.
  @Test func exportRefusesASymlinkAtItsDefaultPage() throws {
    let directory = try TemporaryDirectory()
    let outside = try TemporaryDirectory()
    try outside.write("precious", to: "target.txt")
    try directory.write("```vaelab\n> kl 1 1\n...\n```\n", to: "lesson.md")
    try FileManager.default.createSymbolicLink(
      atPath: directory.path + "/lesson.html", withDestinationPath: outside.path + "/target.txt")
    let result = try Binary.run(["export", "lesson.md"], directory: directory.path)
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "vaelab: error: cannot write lesson.html: it is a symbolic link (to \(outside.path)/target.txt), and vaelab does not write through a link it was not given\n"
    )
    #expect(try outside.read("target.txt") == "precious")
    // Named with --html, the page goes where the user said.
    let named = try Binary.run(["export", "lesson.md", "--html", "page.html"], directory: directory.path)
    #expect(named.status == 0)
  }

  /// Escape sequences in a lesson, its expected output and a notebook's front
  /// matter reach the terminal made visible, from `lesson`, `run`, `check` and `grade`.
  @Test func escapeSequencesFromFilesAreShownVisibly() throws {
    let home = try TemporaryDirectory()
    let lessons = try TemporaryDirectory()
    let escape = "\u{1B}]0;owned\u{07}\u{1B}[2J"
    try lessons.write(
      """
      ---
      title: T\(escape)
      summary: S\(escape)
      ---
      Prose \(escape)

      ```vaelab
      > kl 1 1
      expected \(escape)
      ```
      """, to: "01-hostile.md")
    try home.write("---\nseed: 0\nlesson: 01-hostile\(escape)\n---\n\n```vaelab\n> kl 1 1\n...\n```\n", to: "nb.md")
    let environment = environment(home: home.path, lessons: lessons.path)
    let runs = [
      try Binary.run(["lesson"], environment: environment),
      try Binary.run(["lesson", "1"], input: "", environment: environment),
      try Binary.run(["run", lessons.path + "/01-hostile.md"], environment: environment),
      try Binary.run(["check", lessons.path + "/01-hostile.md"], environment: environment),
      try Binary.run(["grade", home.path + "/nb.md"], environment: environment),
      try Binary.run(["grade", "--format", "csv", home.path + "/nb.md"], environment: environment),
    ]
    for result in runs {
      for text in [result.stdout, result.stderr] {
        #expect(!text.unicodeScalars.contains("\u{1B}"), "\(text)")
        #expect(!text.unicodeScalars.contains("\u{07}"), "\(text)")
      }
    }
    #expect(runs[0].stdout.contains("T^[]0;owned^G^[[2J"))
    #expect(runs[1].stdout.contains("Prose ^[]0;owned^G^[[2J"))
    #expect(runs[3].stderr.contains("expected ^[]0;owned^G^[[2J"))
    #expect((runs[4].stdout + runs[4].stderr).contains("01-hostile^[]0;owned^G^[[2J"))
  }
}
