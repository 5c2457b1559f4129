/// A parsed argument value.
public enum ParsedValue: Equatable, Sendable {
  case real(Double)
  /// A scalar (`isVector == false`, one element) or a vector typed as `[...]`.
  case reals([Double], isVector: Bool)
  case integer(Int)
  /// A whole number (`isVector == false`) or a vector of them typed as `[...]`.
  case integers([Int], isVector: Bool)
  case text(String)
}

/// The validated arguments of one command, by the names a user types, defaults
/// filled in; decoded into the command's `CommandArguments` value.
struct BoundArguments: Sendable {
  var values: [String: ParsedValue]
  /// Names the user typed, as opposed to defaults.
  var given: Set<String>
  /// `name=number` arguments outside the spec, for commands that take expression parameters.
  var expressionParameters: [String: Double] = [:]

  func isGiven(_ name: String) -> Bool { given.contains(name) }
}

/// Binds a command's words to its spec: positionals in order, `name=value`
/// anywhere, each value parsed and checked against its kind.
enum ArgumentBinder {
  static func bind(_ words: [Token], to spec: CommandSpec, commandPath: String) throws(LabError) -> BoundArguments {
    var values: [String: ParsedValue] = [:]
    var given: Set<String> = []
    var expressionParameters: [String: Double] = [:]
    let positionals = spec.positionalArguments
    var nextPositional = 0
    for word in words {
      let argument: ArgumentSpec
      let text: String
      if let (name, value) = splitNamed(word.text) {
        if spec.argument(named: name) == nil && spec.takesExpressionParameters {
          guard expressionParameters[name] == nil else { throw LabError("\(name) is given twice", argument: name) }
          expressionParameters[name] = try parseReal(value, name: name, domain: .finite)
          continue
        }
        guard let named = spec.argument(named: name) else {
          let names = spec.arguments.map(\.name)
          var message = "\(commandPath) has no argument '\(name)'"
          if let suggestion = Suggestions.closest(to: name, in: names) { message += "; did you mean '\(suggestion)'?" }
          message += names.isEmpty ? " (it takes no arguments)" : " (arguments: \(names.joined(separator: ", ")))"
          throw LabError(message, argument: name)
        }
        argument = named
        text = value
      } else {
        while nextPositional < positionals.count && given.contains(positionals[nextPositional].name) {
          nextPositional += 1
        }
        guard nextPositional < positionals.count else {
          let expected = positionals.map { $0.name.uppercased() }.joined(separator: " ")
          throw LabError(
            "\(commandPath) takes \(positionals.isEmpty ? "no" : "at most \(positionals.count)") positional argument\(positionals.count == 1 ? "" : "s")\(expected.isEmpty ? "" : " (\(expected))"); unexpected '\(word.text)'"
          )
        }
        argument = positionals[nextPositional]
        text = word.text
      }
      guard !given.contains(argument.name) else {
        throw LabError("\(argument.name) is given twice", argument: argument.name)
      }
      values[argument.name] = try parse(text, as: argument)
      given.insert(argument.name)
    }
    for argument in spec.arguments where !given.contains(argument.name) {
      if let defaultValue = argument.defaultValue {
        values[argument.name] = try parse(defaultValue, as: argument)
      } else if argument.isRequired {
        throw LabError(
          "\(commandPath) needs \(argument.name): \(argument.help) (usage: \(spec.usage()))", argument: argument.name)
      }
    }
    return BoundArguments(values: values, given: given, expressionParameters: expressionParameters)
  }

  /// `name=value` when the text before the first `=` is an identifier.
  static func splitNamed(_ text: String) -> (String, String)? {
    guard let equals = text.firstIndex(of: "=") else { return nil }
    let name = text[..<equals]
    guard let first = name.first, first.isLetter || first == "_",
      name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
    else { return nil }
    return (String(name), String(text[text.index(after: equals)...]))
  }

  static func parse(_ text: String, as argument: ArgumentSpec) throws(LabError) -> ParsedValue {
    let name = argument.name
    switch argument.kind {
    case .real(let domain):
      return .real(try parseReal(text, name: name, domain: domain))
    case .reals(let domain):
      let (values, isVector) = try parseScalarOrVector(text, name: name) { (element, label) throws(LabError) in
        try parseReal(element, name: label, domain: domain)
      }
      return .reals(values, isVector: isVector)
    case .integer(let range):
      return .integer(try parseInteger(text, name: name, range: range))
    case .integers(let range):
      let (values, isVector) = try parseScalarOrVector(text, name: name) { (element, label) throws(LabError) in
        try parseInteger(element, name: label, range: range)
      }
      return .integers(values, isVector: isVector)
    case .choice(let options):
      guard options.contains(text) else {
        var message = "\(name) must be \(argument.kind.allowed), got '\(text)'"
        if let suggestion = Suggestions.closest(to: text, in: options) { message += "; did you mean '\(suggestion)'?" }
        throw LabError(message, argument: name)
      }
      return .text(text)
    case .path, .nameOrPath, .commandName, .expression, .word:
      guard !text.isEmpty else {
        throw LabError("\(name) must be \(argument.kind.allowed), got nothing", argument: name)
      }
      return .text(text)
    }
  }

  /// One element, or a vector `[a, b, ...]` of them, each parsed by `element`
  /// (given its text and a label such as `mu[1]` for messages).
  static func parseScalarOrVector<T>(
    _ text: String, name: String, element: (String, String) throws(LabError) -> T
  ) throws(LabError) -> ([T], isVector: Bool) {
    let trimmed = text.trimmingBlanks
    guard trimmed.hasPrefix("[") else { return ([try element(trimmed, name)], false) }
    guard trimmed.hasSuffix("]"), trimmed.count >= 2 else {
      throw LabError("\(name): a vector must end with ']', got '\(text)'", argument: name)
    }
    let inside = trimmed.dropFirst().dropLast()
    let elements = inside.split(whereSeparator: { $0 == "," || $0.isWhitespace })
    guard !elements.isEmpty else {
      throw LabError("\(name): the vector is empty; write e.g. [0, 1]", argument: name)
    }
    guard !inside.contains(",,"), !inside.trimmingBlanks.hasPrefix(","), !inside.trimmingBlanks.hasSuffix(",") else {
      throw LabError("\(name): empty element in vector '\(text)'", argument: name)
    }
    var vector: [T] = []
    for (index, text) in elements.enumerated() { vector.append(try element(String(text), "\(name)[\(index)]")) }
    return (vector, true)
  }

  /// A whole number in `range`, written as digits or as 1e6; 0.5 is refused, not rounded.
  static func parseInteger(_ text: String, name: String, range: ClosedRange<Int>) throws(LabError) -> Int {
    let allowed = ValueKind.integer(range).allowed
    guard let real = decimal(text.trimmingBlanks), real.isFinite, real == real.rounded(), abs(real) < 9.0e18 else {
      throw LabError("\(name) must be \(allowed), got '\(text)'", argument: name)
    }
    let integer = Int(real)
    guard range.contains(integer) else { throw LabError("\(name) must be \(allowed), got \(text)", argument: name) }
    return integer
  }

  /// The number `text` writes in decimal, or nil: Swift's `Double(String)`
  /// also reads hexadecimal (`0x10`, `-0x1p3`), which no one means here.
  static func decimal(_ text: String) -> Double? {
    guard !text.contains(where: { $0 == "x" || $0 == "X" || $0 == "_" }) else { return nil }
    return Double(text)
  }

  static func parseReal(_ text: String, name: String, domain: RealDomain) throws(LabError) -> Double {
    let trimmed = text.trimmingBlanks
    guard let value = decimal(trimmed) else {
      throw LabError("\(name) must be a number, got '\(text)'", argument: name)
    }
    guard value.isFinite else { throw LabError("\(name) must be a finite number, got '\(text)'", argument: name) }
    guard domain.contains(value) else { throw LabError("\(name) must be \(domain), got \(trimmed)", argument: name) }
    return value
  }
}

extension StringProtocol {
  var trimmingBlanks: String {
    guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
      return ""
    }
    return String(self[first...last])
  }
}
