/// Every command of the shell, in the order `help` lists them.
public enum CommandRegistry {
  /// The engine's commands, with `help` listing them: what a session without
  /// lessons runs (checking an exercise, a test).
  public static let standard = withHelp(computing + settings)

  /// The shell's commands: the engine's, and the lesson runner's (`LessonRunner`) between them.
  public static let withLessons = withHelp(computing + LessonCommands.all.map(\.spec) + settings)

  static let computing = [KLCommand.spec, SampleCommand.spec, GradCommand.spec, VAECommand.spec]
  static let settings = [SessionCommands.seed, SessionCommands.set, SessionCommands.save, SessionCommands.quit]

  /// `commands` after a `help` that lists them and itself.
  static func withHelp(_ commands: [CommandSpec]) -> [CommandSpec] {
    [HelpCommand.spec(listing: [HelpCommand.listed] + commands)] + commands
  }
}
