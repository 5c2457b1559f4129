/// Every command of the shell, in the order `help` lists them.
public enum CommandRegistry {
  public static let standard: [CommandSpec] =
    [
      HelpCommand.spec,
      KLCommand.spec,
      SampleCommand.spec,
      GradCommand.spec,
      VAECommand.spec,
    ] + LessonCommands.all + [
      SessionCommands.seed,
      SessionCommands.set,
      SessionCommands.save,
      SessionCommands.quit,
    ]
}
