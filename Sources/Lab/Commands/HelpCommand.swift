/// `help` and `help COMMAND`, generated from the command specs.
enum HelpCommand {
  static let spec = CommandSpec(
    name: "help",
    summary: "list the commands, or show how to use one",
    arguments: Arguments.self,
    examples: ["help", "help kl", "help vae new"],
    action: { session, arguments throws(LabError) in
      let commands = session.commands
      guard let name = arguments.command else { return overview(commands) }
      guard let command = Engine.find(name, in: commands) else {
        var message = "no command '\(name)'"
        if let suggestion = Suggestions.closest(to: name, in: commands.map(\.name)) {
          message += "; did you mean '\(suggestion)'?"
        }
        throw LabError(message + " (type 'help' for the list)")
      }
      guard let name = arguments.subcommand else { return describe(command) }
      guard let subcommand = command.subcommand(named: name) else {
        let names = command.subcommands.map(\.name)
        var message =
          names.isEmpty ? "\(command.name) has no subcommands" : "\(command.name) has no subcommand '\(name)'"
        if let suggestion = Suggestions.closest(to: name, in: names) { message += "; did you mean '\(suggestion)'?" }
        throw LabError(message + (names.isEmpty ? "" : " (subcommands: \(names.joined(separator: ", ")))"))
      }
      return describe(subcommand, prefix: command.name + " ")
    })

  struct Arguments: CommandArguments {
    @Positional(.commandName, help: "the command to describe") var command: String?
    @Positional(.word("a subcommand of the command"), help: "its subcommand, as in help vae new") var subcommand:
      String?
  }

  static func overview(_ commands: [CommandSpec]) -> Output {
    var table = TextTable([("", .left), ("", .left)], showsHeader: false)
    for command in commands { table.append(["  " + command.name, command.summary]) }
    let text = """
      commands (help COMMAND for its arguments and examples):
      \(table.rendered)
      Arguments are positional or name=value; vectors are written [0, 2];
      every command also takes format=json. Tab completes; Ctrl-C stops long work.
      """
    let json = JSON.object([
      ("commands", .array(commands.map { .object([("name", .string($0.name)), ("summary", .string($0.summary))]) }))
    ])
    return Output(text: text, json: json)
  }

  static func describe(_ command: CommandSpec, prefix: String = "") -> Output {
    var lines = ["\(prefix)\(command.name): \(command.summary)"]
    if !command.aliases.isEmpty { lines.append("also: \(command.aliases.joined(separator: ", "))") }
    lines.append("")
    // A command with subcommands may run itself too (`grad F ...` beside `grad sweep`).
    if command.subcommands.isEmpty || command.action != nil {
      lines.append("usage: \(command.usage(prefix: prefix))")
    }
    if !command.subcommands.isEmpty {
      lines.append("subcommands:")
      for subcommand in command.subcommands {
        lines.append("  \(subcommand.usage(prefix: prefix + command.name + " "))")
      }
    }
    if !command.discussion.isEmpty { lines += ["", command.discussion] }
    if !command.arguments.isEmpty {
      lines += ["", "arguments:"]
      let width = command.arguments.map(\.name.count).max() ?? 0
      for argument in command.arguments {
        let name = argument.name.padding(to: width)
        var summary = argument.help
        if let defaultValue = argument.defaultValue { summary += " (default \(defaultValue))" }
        if argument.isRequired { summary += " (required)" }
        lines.append("  \(name)  \(summary)")
        lines.append("  \(String(repeating: " ", count: width))  \(argument.kind.allowed)")
      }
    }
    if !command.examples.isEmpty {
      lines += ["", "examples:"] + command.examples.map { "  " + $0 }
    }
    let json = JSON.object([
      ("name", .string(command.name)),
      ("summary", .string(command.summary)),
      ("usage", .string(command.usage(prefix: prefix))),
      (
        "arguments",
        .array(
          command.arguments.map { argument in
            .object([
              ("name", .string(argument.name)),
              ("positional", .bool(argument.isPositional)),
              ("default", argument.defaultValue.map(JSON.string) ?? .null),
              ("allowed", .string(argument.kind.allowed)),
              ("help", .string(argument.help)),
            ])
          })
      ),
      ("examples", .array(command.examples.map(JSON.string))),
    ])
    return Output(text: lines.joined(separator: "\n"), json: json)
  }
}

extension String {
  func padding(to width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
