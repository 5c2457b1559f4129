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
      return Output(
        text: "seed = \(session.seed)",
        json: .object([("seed", Int(exactly: session.seed).map(JSON.integer) ?? .string(String(session.seed)))]))
    })

  static let set = CommandSpec(
    name: "set",
    summary: "show or change settings: output format and printed decimals",
    arguments: SetArguments.self,
    examples: ["set", "set format=json", "set precision=6"],
    action: { session, arguments throws(LabError) in
      if let format = arguments.format { session.format = format }
      if let precision = arguments.precision { session.precision = precision }
      return Output(
        text: "format = \(session.format.rawValue), precision = \(session.precision)",
        json: .object([("format", .string(session.format.rawValue)), ("precision", .integer(session.precision))]))
    })

  static let save = CommandSpec(
    name: "save",
    summary: "save the session so far as a replayable, checkable notebook (Markdown)",
    discussion: """
      Writes every command of the session and what it printed, in the lesson
      format, atomically. 'vaelab run PATH' replays it; 'vaelab check PATH'
      verifies that it still prints the same.
      """,
    arguments: SaveArguments.self,
    examples: ["save session.md"],
    isRecorded: false,
    action: { session, arguments throws(LabError) in
      let path = arguments.path
      try session.files.write(Transcript.notebook(session.notebook, seed: session.initialSeed), to: path)
      let count = session.notebook.count
      return Output(
        text:
          "saved \(count) command\(count == 1 ? "" : "s") to \(path) (replay: vaelab run \(path); verify: vaelab check \(path))",
        json: .object([("path", .string(path)), ("commands", .integer(count))]))
    })

  static let quit = CommandSpec(
    name: "quit", aliases: ["exit"],
    summary: "leave vaelab (Ctrl-D does the same); history is saved",
    arguments: NoArguments.self,
    isRecorded: false,
    action: { _, _ throws(LabError) in Output(text: "", json: .object([]), endsSession: true) })

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
