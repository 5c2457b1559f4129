import CReadline
import Foundation
import Lab

/// The terminal front end: readline line editing, numbered prompts, persistent
/// history, tab completion from the command specs, Ctrl-C and Ctrl-D.
struct InteractiveShell {
  /// Lines kept in the history file.
  static let historyLimit: Int32 = 1000
  /// The commands tab completion offers: the engine's. Readline's completion
  /// callback is a C function and cannot capture the engine, so it reads them here.
  nonisolated(unsafe) static var completedCommands: [CommandSpec] = []
  /// A line to type at the next prompt (a lesson's next command), read by
  /// readline's startup hook, a C function, so kept here.
  nonisolated(unsafe) static var typedAhead: String?
  /// The last line typed ahead: a line read back unchanged is the lesson's
  /// command run as typed, which runs with the lesson's rights (`LessonRunner.LineSource`).
  nonisolated(unsafe) static var offered: String?

  /// Run as if typed at the first prompt (`vaelab lesson N`).
  var firstLine: String?

  func run() {
    let historyPath = Self.historyPath()
    // Colour only where it is seen: on terminals, and never with NO_COLOR.
    let colour = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    var session = Session(shouldStop: Interrupts.isRequested)
    session.progress = ProgressLine.show
    var runner = LessonRunner(session: session, desk: LessonSetup.desk())
    Self.completedCommands = runner.engine.commands
    Self.configureReadline()
    Self.prepareHistory(at: historyPath)
    var lastLine = Self.lastHistoryLine()
    print("vaelab: learn how a VAE works by computing it. Type 'help' or 'lesson'.")
    var pending = firstLine.map { [$0] } ?? []
    while true {
      _ = Interrupts.take()
      let line: String
      var source = LessonRunner.LineSource.user
      if !pending.isEmpty {
        line = pending.removeFirst()
      } else {
        guard let raw = readline("vaelab [\(runner.session.promptNumber)]> ") else {
          print()
          break
        }
        line = String(cString: raw)
        free(raw)
        if line == Self.offered { source = .lesson }
      }
      Self.offered = nil
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if !trimmed.isEmpty && trimmed != lastLine {
        add_history(trimmed)
        append_history(1, historyPath)
        lastLine = trimmed
      }
      // Tables fold and images wrap to the window as it is now.
      runner.presentation.colour = colour
      runner.presentation.width = Self.terminalWidth()
      if !Self.run(line, from: source, in: &runner, colour: colour) { break }
    }
    runner.desk.removeEmptyTemporaryFiles()
    history_truncate_file(historyPath, Self.historyLimit)
  }

  /// Runs each statement of `line` until one fails; false when the user asked to leave.
  static func run(_ line: String, from source: LessonRunner.LineSource, in runner: inout LessonRunner, colour: Bool)
    -> Bool
  {
    for statement in Tokenizer.statements(line) {
      let reply = runner.execute(statement, from: source)
      ProgressLine.clear()
      // The terminal echoed ^C without a newline; start the report on a line of its own.
      if Interrupts.take() { StandardStream.output.write("\n") }
      if !reply.output.isEmpty { StandardStream.output.write(reply.output + "\n", colour: colour) }
      if let error = reply.error {
        if reply.isJSON, let json = reply.reply.errorJSON(file: nil, line: nil) {
          StandardStream.error.write(json + "\n")
        } else {
          let message = runner.presentation.fitted("error: " + error).dropFirst("error: ".count)
          StandardStream.error.write(
            (colour ? "\u{1B}[31merror:\u{1B}[0m " : "error: ") + TerminalText.visible(String(message)) + "\n",
            colour: colour)
        }
        return true
      }
      if let aside = reply.aside { StandardStream.output.write("\n" + aside + "\n", colour: colour) }
      if let typed = reply.typedAhead {
        // A lesson's line: typed with its control characters made visible (the tokenizer refuses them anyway).
        typedAhead = TerminalText.visibleLine(typed)
        offered = typedAhead
      }
      if reply.shouldQuit { return false }
    }
    return true
  }

  /// The terminal's width in columns, or nil when it cannot be told.
  static func terminalWidth() -> Int? {
    var size = winsize()
    guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
  }

  /// `$VAELAB_HISTORY`, else `history` in the state directory (`StateDirectory`).
  static func historyPath() -> String {
    let environment = ProcessInfo.processInfo.environment
    if let path = environment["VAELAB_HISTORY"], !path.isEmpty { return path }
    return StateDirectory.path(environment: environment) + "/history"
  }

  /// Creates the history file (and its directory) so appending works, and loads it.
  static func prepareHistory(at path: String) {
    let directory = FileIO.directory(of: path)
    if !directory.isEmpty {
      try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    if !FileManager.default.fileExists(atPath: path) {
      _ = FileManager.default.createFile(atPath: path, contents: nil)
    }
    using_history()
    read_history(path)
  }

  static func lastHistoryLine() -> String? {
    vaelab_last_history_line().map { String(cString: $0) }
  }

  static func configureReadline() {
    vaelab_rl_set_readline_name()
    vaelab_rl_disable_signal_handlers()
    vaelab_rl_set_word_break_characters()
    vaelab_rl_set_startup_hook {
      if let text = Self.typedAhead { vaelab_rl_insert_text(text) }
      Self.typedAhead = nil
      return 0
    }
    vaelab_rl_set_signal_event_hook {
      if Interrupts.take() { vaelab_rl_clear_line_after_interrupt() }
      return 0
    }
    vaelab_rl_set_completion { text, _, end in
      vaelab_rl_set_attempted_completion_over(1)
      guard let buffer = vaelab_rl_line_buffer() else { return nil }
      let beforeCursor = String(
        decoding: UnsafeBufferPointer(start: buffer, count: Int(end)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
      let candidates = Completion.candidates(for: beforeCursor, commands: Self.completedCommands)
      guard !candidates.isEmpty else { return nil }
      if candidates.count == 1, let only = candidates.first, only.hasSuffix("=") || only.hasSuffix("/") {
        vaelab_rl_set_completion_append_character(0)
      }
      return Self.readlineMatches(candidates)
    }
  }

  /// Readline's match list: the longest common prefix, then each match, then NULL,
  /// all allocated with malloc because readline frees them.
  static func readlineMatches(_ candidates: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    guard
      let matches = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (candidates.count + 2))?
        .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: candidates.count + 2)
    else { return nil }
    var common = candidates[0]
    for candidate in candidates.dropFirst() {
      common = String(zip(common, candidate).prefix(while: { $0 == $1 }).map(\.0))
    }
    matches[0] = strdup(candidates.count == 1 ? candidates[0] : common)
    if candidates.count == 1 {
      matches[1] = nil
    } else {
      for (index, candidate) in candidates.enumerated() { matches[index + 1] = strdup(candidate) }
      matches[candidates.count + 1] = nil
    }
    return matches
  }
}
