/// Commands about the session itself: `seed`, `set`, `save`, `quit`.
enum SessionCommands {
  static let seed = CommandSpec(
    name: "seed",
    summary: "show or set the seed of the session's random stream",
    discussion: """
      Commands without their own seed= draw from the session's stream, so a
      session replays exactly from its seed. Setting a seed restarts the stream.
      """,
    arguments: SeedArguments.self,
    examples: ["seed", "seed 42"],
    action: { session, arguments throws(LabError) in
      if let seed = arguments.seed { session.reseed(UInt64(seed)) }
      return Output(SeedResult(seed: session.seed))
    })

  struct SeedResult: CommandResult {
    var seed: UInt64

    func text(for presentation: Presentation) -> String { "seed = \(seed)" }

    /// A seed beyond JSON's safe integers is written as a string, digit for digit.
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      if let seed = Int(exactly: seed) {
        try container.encode(seed, forKey: .seed)
      } else {
        try container.encode(String(seed), forKey: .seed)
      }
    }
    enum CodingKeys: CodingKey { case seed }
  }

  static let set = CommandSpec(
    name: "set",
    summary: "show or change settings: output format and printed decimals",
    arguments: SetArguments.self,
    examples: ["set", "set format=json", "set precision=6"],
    action: { session, arguments throws(LabError) in
      if let format = arguments.format { session.format = format }
      if let precision = arguments.precision { session.precision = precision }
      return Output(Settings(format: session.format.rawValue, precision: session.precision))
    })

  struct Settings: CommandResult {
    var format: String
    var precision: Int

    func text(for presentation: Presentation) -> String { "format = \(format), precision = \(precision)" }
  }

  static let save = CommandSpec(
    name: "save",
    summary: "save the session so far as a replayable, checkable notebook (Markdown)",
    discussion: """
      Writes every command of the session and what it printed, in the lesson
      format, atomically. 'vaelab run PATH' replays it; 'vaelab check PATH'
      verifies that it still prints the same. After a lesson, it also names the
      lesson and lists how each exercise went; 'vaelab check' and 'vaelab grade'
      judge the recorded answers again.
      """,
    arguments: SaveArguments.self,
    examples: ["save session.md"],
    isRecorded: false,
    action: { session, arguments throws(LabError) in
      let path = arguments.path
      let notebook = Transcript.notebook(
        session.notebook, seed: session.initialSeed, preface: session.notebookPreface)
      try session.files.write(notebook, to: path)
      return Output(Saved(path: path, commands: session.notebook.count))
    })

  struct Saved: CommandResult {
    var path: String
    var commands: Int

    func text(for presentation: Presentation) -> String {
      "saved \(commands) command\(commands == 1 ? "" : "s") to \(path) (replay: vaelab run \(path); verify: vaelab check \(path))"
    }
  }

  static let quit = CommandSpec(
    name: "quit", aliases: ["exit"],
    summary: "leave vaelab (Ctrl-D does the same); history is saved",
    arguments: NoArguments.self,
    isRecorded: false,
    action: { _, _ throws(LabError) in Output(Quit()) })

  struct Quit: CommandResult {
    var endsSession: Bool { true }
    func text(for presentation: Presentation) -> String { "" }
  }

  struct SeedArguments: CommandArguments {
    @Positional(0...Int.max, help: "the new seed") var seed: Int?
  }

  struct SetArguments: CommandArguments {
    @Named(help: "print results as text or as JSON objects") var format: OutputFormat?
    @Named(0...12, help: "decimals of printed numbers (default 3)") var precision: Int?
  }

  struct SaveArguments: CommandArguments {
    @Positional(.path, help: "the file to write, e.g. session.md") var path: String
  }
}
