/// `help` and `help COMMAND`, generated from the command specs.
enum HelpCommand {
  /// `help` for a shell of `commands` (itself among them, listed where it is).
  static func spec(listing commands: [CommandSpec]) -> CommandSpec {
    CommandSpec(
      name: name, summary: summary, arguments: Arguments.self, examples: examples,
      action: { _, arguments throws(LabError) in try help(arguments, commands: commands) })
  }

  static let name = "help"
  static let summary = "list the commands, or show how to use one"
  static let examples = ["help", "help kl", "help vae new"]
  /// What the list shows of `help` itself.
  static let listed = CommandSpec(name: name, summary: summary, arguments: Arguments.self, examples: examples)

  static func help(_ arguments: Arguments, commands: [CommandSpec]) throws(LabError) -> Output {
    guard let name = arguments.command else { return try overview(commands) }
    guard let command = Engine.find(name, in: commands) else {
      var message = "no command '\(name)'"
      if let suggestion = Suggestions.closest(to: name, in: commands.map(\.name)) {
        message += "; did you mean '\(suggestion)'?"
      }
      throw LabError(message + " (type 'help' for the list)")
    }
    guard let name = arguments.subcommand else { return try describe(command) }
    guard let subcommand = command.subcommand(named: name) else {
      let names = command.subcommands.map(\.name)
      var message =
        names.isEmpty ? "\(command.name) has no subcommands" : "\(command.name) has no subcommand '\(name)'"
      if let suggestion = Suggestions.closest(to: name, in: names) { message += "; did you mean '\(suggestion)'?" }
      throw LabError(message + (names.isEmpty ? "" : " (subcommands: \(names.joined(separator: ", ")))"))
    }
    return try describe(subcommand, prefix: command.name + " ")
  }

  struct Arguments: CommandArguments {
    @Positional(.commandName, help: "the command to describe") var command: String?
    @Positional(.word("a subcommand of the command"), help: "its subcommand, as in help vae new") var subcommand:
      String?
  }

  static func overview(_ commands: [CommandSpec]) throws(LabError) -> Output {
    Output(Overview(commands: commands.map { Overview.Command(name: $0.name, summary: $0.summary) }))
  }

  static func describe(_ command: CommandSpec, prefix: String = "") throws(LabError) -> Output {
    Output(Description(command: command, prefix: prefix))
  }

  /// `help`: every command with its summary.
  struct Overview: BlockResult {
    struct Command: Encodable {
      var name: String
      var summary: String
    }
    var commands: [Command]

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      var table = TextTable([("", .left), ("", .left)], showsHeader: false)
      for command in commands { table.append(["  " + command.name, command.summary]) }
      return [
        .text("commands (help COMMAND for its arguments and examples):"), .table(table),
        .text(
          """
          Arguments are positional or name=value; vectors are written [0, 2];
          every command also takes format=json. Tab completes; Ctrl-C stops long work.
          """),
      ]
    }
  }

  /// `help COMMAND`: its usage, discussion, arguments and examples, from its spec.
  struct Description: CommandResult {
    struct Argument: Encodable {
      var name: String
      var positional: Bool
      @Nullable var `default`: String?
      var allowed: String
      var help: String
    }
    var name: String
    var summary: String
    var usage: String
    var arguments: [Argument]
    /// The rules between arguments, checked before the command runs.
    var rules: [String]
    var examples: [String]
    // For the text only:
    var command: CommandSpec
    /// `vae ` for a subcommand of `vae`.
    var prefix: String

    enum CodingKeys: String, CodingKey { case name, summary, usage, arguments, rules, examples }

    init(command: CommandSpec, prefix: String) {
      (name, summary, usage, rules, examples) = (
        command.name, command.summary, command.usage(prefix: prefix), command.rules, command.examples
      )
      arguments = command.arguments.map {
        Argument(
          name: $0.name, positional: $0.isPositional, default: $0.defaultValue, allowed: $0.kind.allowed, help: $0.help)
      }
      (self.command, self.prefix) = (command, prefix)
    }

    func text(for presentation: Presentation) -> String {
      var lines = ["\(prefix)\(name): \(summary)"]
      if !command.aliases.isEmpty { lines.append("also: \(command.aliases.joined(separator: ", "))") }
      lines.append("")
      // A command with subcommands may run itself too (`grad F ...` beside `grad sweep`).
      if command.subcommands.isEmpty || command.runs { lines.append("usage: \(usage)") }
      if !command.subcommands.isEmpty {
        lines.append("subcommands:")
        for subcommand in command.subcommands {
          lines.append("  \(subcommand.usage(prefix: prefix + name + " "))")
        }
      }
      if !command.discussion.isEmpty { lines += ["", command.discussion] }
      if !arguments.isEmpty {
        lines += ["", "arguments:"]
        let width = arguments.map(\.name.count).max() ?? 0
        for argument in command.arguments {
          let name = argument.name.padding(to: width)
          var summary = argument.help
          if let defaultValue = argument.defaultValue { summary += " (default \(defaultValue))" }
          if argument.isRequired { summary += " (required)" }
          lines.append("  \(name)  \(summary)")
          lines.append("  \(String(repeating: " ", count: width))  \(argument.kind.allowed)")
        }
      }
      if !rules.isEmpty { lines += ["", "rules:"] + rules.map { "  " + $0 } }
      if !examples.isEmpty { lines += ["", "examples:"] + examples.map { "  " + $0 } }
      return lines.joined(separator: "\n")
    }
  }
}

extension String {
  func padding(to width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
