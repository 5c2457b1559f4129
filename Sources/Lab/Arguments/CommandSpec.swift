/// The declarative description of one shell command. A spec drives parsing,
/// validation, `help`, tab completion and the JSON keys; adding a command is
/// adding one spec and one function.
public struct CommandSpec: Sendable {
  /// Runs the command on its validated arguments (decoded into the command's
  /// typed `CommandArguments` value on the way).
  typealias Action = @Sendable (inout Session, BoundArguments) throws(LabError) -> Output

  public let name: String
  public let aliases: [String]
  /// One line, shown by `help`.
  public let summary: String
  /// A paragraph for `help NAME`: the math, or what to notice.
  public let discussion: String
  public let arguments: [ArgumentSpec]
  /// The rules between arguments (`CommandArguments.rules`), for `help NAME`.
  public let rules: [String]
  public let examples: [String]
  /// Commands like `vae step` have subcommands; a spec with subcommands has no action.
  public let subcommands: [CommandSpec]
  /// Whether `save` records the command in the notebook (not `save` or `quit` themselves).
  public let isRecorded: Bool
  /// Whether other `name=number` arguments are accepted, as the parameters of an
  /// expression (`grad f="(z-k)^2" k=3`): the arguments declare `@ExpressionParameters`.
  public let takesExpressionParameters: Bool
  /// Whether the command runs (with its arguments), rather than only grouping
  /// subcommands; a command with subcommands may also run itself when its
  /// first word is not a subcommand (`grad f=...` beside `grad sweep`).
  public let runs: Bool
  /// How the engine runs it: nil for a command that only groups subcommands,
  /// or that a layer above the engine runs (the lesson runner's commands).
  let action: Action?

  /// A command whose arguments are the properties of `Arguments`, run by
  /// `action` once they are decoded and pass `validate()`.
  public init<Arguments: CommandArguments>(
    name: String, aliases: [String] = [], summary: String, discussion: String = "",
    arguments: Arguments.Type, examples: [String] = [], subcommands: [CommandSpec] = [],
    isRecorded: Bool = true,
    action: @escaping @Sendable (inout Session, Arguments) throws(LabError) -> Output
  ) {
    let declarations = ArgumentDeclarations(of: Arguments.self)
    self.init(
      name: name, aliases: aliases, summary: summary, discussion: discussion, arguments: declarations.specs,
      rules: declarations.rules, examples: examples, subcommands: subcommands, isRecorded: isRecorded,
      takesExpressionParameters: declarations.takesExpressionParameters
    ) { (session: inout Session, bound: BoundArguments) throws(LabError) -> Output in
      try action(&session, try Arguments.validated(bound, argumentNames: declarations.argumentNames))
    }
  }

  /// A command whose arguments are the properties of `Arguments`, run not by
  /// the engine but by a layer above it (the lesson runner's commands).
  init<Arguments: CommandArguments>(
    name: String, summary: String, discussion: String = "", arguments: Arguments.Type, examples: [String] = [],
    subcommands: [CommandSpec] = [], isRecorded: Bool = true
  ) {
    let declarations = ArgumentDeclarations(of: Arguments.self)
    self.init(
      name: name, aliases: [], summary: summary, discussion: discussion, arguments: declarations.specs,
      rules: declarations.rules, examples: examples, subcommands: subcommands, isRecorded: isRecorded,
      takesExpressionParameters: declarations.takesExpressionParameters, runs: true, action: nil)
  }

  /// A command that only groups subcommands (`vae`).
  public init(
    name: String, aliases: [String] = [], summary: String, discussion: String = "", subcommands: [CommandSpec]
  ) {
    self.init(
      name: name, aliases: aliases, summary: summary, discussion: discussion, arguments: [], rules: [],
      examples: [], subcommands: subcommands, isRecorded: true, takesExpressionParameters: false, runs: false,
      action: nil)
  }

  private init(
    name: String, aliases: [String], summary: String, discussion: String, arguments: [ArgumentSpec],
    rules: [String], examples: [String], subcommands: [CommandSpec], isRecorded: Bool,
    takesExpressionParameters: Bool, runs: Bool = true, action: Action?
  ) {
    self.name = name
    self.aliases = aliases
    self.summary = summary
    self.discussion = discussion
    self.arguments = arguments
    self.rules = rules
    self.examples = examples
    self.subcommands = subcommands
    self.isRecorded = isRecorded
    self.takesExpressionParameters = takesExpressionParameters
    self.runs = runs
    self.action = action
  }

  public var positionalArguments: [ArgumentSpec] { arguments.filter(\.isPositional) }

  public func argument(named name: String) -> ArgumentSpec? {
    arguments.first { $0.name == name }
  }

  public func subcommand(named name: String) -> CommandSpec? {
    subcommands.first { $0.name == name || $0.aliases.contains(name) }
  }

  /// `kl [MU] [SIGMA] [logvar=..] ...`: positionals in capitals, the rest as key=value.
  public func usage(prefix: String = "") -> String {
    let words = arguments.map { argument -> String in
      let word = argument.isPositional ? argument.name.uppercased() : "\(argument.name)=\(argument.kind.placeholder)"
      return argument.isRequired ? word : "[\(word)]"
    }
    return ([prefix + name] + words).joined(separator: " ")
  }
}

/// One argument of a command: positional (also accepted as `name=value`) or named.
public struct ArgumentSpec: Sendable {
  public let name: String
  public let kind: ValueKind
  /// The default, written as a user would type it; parsed like user input.
  public let defaultValue: String?
  public let isPositional: Bool
  public let isRequired: Bool
  public let help: String

  public init(
    _ name: String, _ kind: ValueKind, default defaultValue: String? = nil,
    positional: Bool = false, required: Bool = false, help: String
  ) {
    self.name = name
    self.kind = kind
    self.defaultValue = defaultValue
    self.isPositional = positional
    self.isRequired = required
    self.help = help
  }
}

/// What an argument accepts; each kind knows how to parse, validate and describe itself.
public enum ValueKind: Sendable {
  /// One real number in a domain.
  case real(RealDomain)
  /// A real number or a vector `[a, b, ...]` of them, each in the domain.
  case reals(RealDomain)
  case integer(ClosedRange<Int>)
  /// A whole number or a vector `[a, b, ...]` of them, each in the range.
  case integers(ClosedRange<Int>)
  case choice([String])
  case path
  /// One of these built-in names, or a file path (`vae new shapes`, `vae new digits.csv`).
  case nameOrPath([String])
  case commandName
  /// A cost function f(z), quoted when it has blanks: `f="(z - 3)^2"`.
  case expression
  /// A free word whose meaning the description states.
  case word(String)

  /// How `usage` shows the value of a named argument.
  var placeholder: String {
    switch self {
    case .real: "X"
    case .reals: "X|[X,..]"
    case .integer: "N"
    case .integers: "N|[N,..]"
    case .choice(let options): options.joined(separator: "|")
    case .path: "PATH"
    case .nameOrPath(let names): (names + ["PATH"]).joined(separator: "|")
    case .commandName: "COMMAND"
    case .expression: "EXPR"
    case .word: "NAME"
    }
  }

  /// What is allowed, for `help` and error messages.
  var allowed: String {
    switch self {
    case .real(let domain): "a number \(domain)"
    case .reals(let domain): "a number \(domain) or a vector [a, b, ...] of them"
    case .integer(let range): "an integer from \(range.lowerBound) to \(range.upperBound)"
    case .integers(let range):
      "an integer from \(range.lowerBound) to \(range.upperBound) or a vector [a, b, ...] of them"
    case .choice(let options): "one of " + options.joined(separator: ", ")
    case .path: "a file path"
    case .nameOrPath(let names): names.joined(separator: ", ") + " or a file path"
    case .commandName: "a command name"
    case .expression: "an expression in z, e.g. \"(z - 3)^2\"; see help grad"
    case .word(let description): description
    }
  }
}

/// An interval of the real line, open or closed at each end; values must also be finite.
public struct RealDomain: Sendable, CustomStringConvertible {
  public var lower: Double?
  public var lowerIsInclusive: Bool
  public var upper: Double?
  public var upperIsInclusive: Bool
  /// Replaces the generated description where a plainer one reads better.
  public var explanation: String? = nil

  public static let finite = RealDomain(lower: nil, lowerIsInclusive: false, upper: nil, upperIsInclusive: false)
  public static let positive = RealDomain(lower: 0, lowerIsInclusive: false, upper: nil, upperIsInclusive: false)

  public static func closed(_ lower: Double, _ upper: Double) -> RealDomain {
    RealDomain(lower: lower, lowerIsInclusive: true, upper: upper, upperIsInclusive: true)
  }

  public func contains(_ value: Double) -> Bool {
    guard value.isFinite else { return false }
    if let lower, lowerIsInclusive ? value < lower : value <= lower { return false }
    if let upper, upperIsInclusive ? value > upper : value >= upper { return false }
    return true
  }

  public var description: String {
    if let explanation { return explanation }
    return switch (lower, upper) {
    case (nil, nil): "(any finite value)"
    case (let lower?, nil): "\(lowerIsInclusive ? ">=" : ">") \(NumberFormat.shortest(lower))"
    case (nil, let upper?): "\(upperIsInclusive ? "<=" : "<") \(NumberFormat.shortest(upper))"
    case (let lower?, let upper?) where lowerIsInclusive && upperIsInclusive:
      "from \(NumberFormat.shortest(lower)) to \(NumberFormat.shortest(upper))"
    case (let lower?, let upper?):
      "\(lowerIsInclusive ? ">=" : ">") \(NumberFormat.shortest(lower)) and \(upperIsInclusive ? "<=" : "<") \(NumberFormat.shortest(upper))"
    }
  }
}
