/// A cost function f(z) typed by the user, such as `(z - k)^2` or `exp(-k * z^2)`.
///
/// Grammar (usual precedence, `^` binds tightest and to the right, so `-z^2` is
/// `-(z^2)` and `2^-1` is 0.5):
///
///     expression := term (("+" | "-") term)*
///     term       := unary (("*" | "/") unary)*
///     unary      := "-" unary | power
///     power      := primary ("^" unary)?
///     primary    := number | name | function "(" expression ")" | "(" expression ")"
///
/// Names other than `z` and the functions are parameters, whose values come from
/// the command line (`grad f="(z-k)^2" k=3`).
public struct Expression: Sendable, Equatable {
  public enum Function: String, CaseIterable, Sendable {
    case exp, log, sqrt, sin, cos, tanh, abs, sigmoid, softplus
  }

  public enum Operator: Character, Sendable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case power = "^"
  }

  indirect enum Node: Equatable, Sendable {
    case number(Double)
    case z
    case parameter(String, column: Int)
    case negate(Node)
    case binary(Operator, Node, Node)
    case call(Function, Node)

    var dependsOnZ: Bool {
      switch self {
      case .number, .parameter: false
      case .z: true
      case .negate(let operand), .call(_, let operand): operand.dependsOnZ
      case .binary(_, let left, let right): left.dependsOnZ || right.dependsOnZ
      }
    }
  }

  public let source: String
  let root: Node

  /// Parameter names in order of first use, with the column of that use.
  public var parameters: [(name: String, column: Int)] {
    var seen: [(String, Int)] = []
    func visit(_ node: Node) {
      switch node {
      case .number, .z: break
      case .parameter(let name, let column): if !seen.contains(where: { $0.0 == name }) { seen.append((name, column)) }
      case .negate(let operand), .call(_, let operand): visit(operand)
      case .binary(_, let left, let right):
        visit(left)
        visit(right)
      }
    }
    visit(root)
    return seen.map { (name: $0.0, column: $0.1) }
  }

  public static func == (lhs: Expression, rhs: Expression) -> Bool { lhs.root == rhs.root }

  /// The longest expression accepted, in characters, and the deepest nesting
  /// of parentheses, calls and unary minus: every pass over the tree recurses,
  /// and these bound its depth (a sum of n terms nests n deep) and its size.
  public static let maximumLength = 1000
  public static let maximumNesting = 100

  public init(parsing source: String) throws(ExpressionError) {
    self.source = source
    let characters = Array(source)
    guard characters.count <= Self.maximumLength else {
      throw ExpressionError(
        "the expression has \(characters.count) characters; at most \(Self.maximumLength) are accepted",
        column: Self.maximumLength)
    }
    var parser = Parser(characters)
    root = try parser.parseAll()
  }
}

/// A problem in an expression, with the 0-based column it points at.
public struct ExpressionError: Error, Equatable, Sendable {
  public let message: String
  public let column: Int

  public init(_ message: String, column: Int) {
    self.message = message
    self.column = column
  }
}

/// Recursive descent over the characters of the source.
private struct Parser {
  let characters: [Character]
  var position = 0
  var nesting = 0

  /// Enters one level of nesting, refusing more than `Expression.maximumNesting`.
  mutating func nest() throws(ExpressionError) {
    nesting += 1
    guard nesting <= Expression.maximumNesting else {
      throw ExpressionError(
        "the expression nests deeper than \(Expression.maximumNesting) levels of parentheses, calls and minus signs",
        column: position)
    }
  }

  init(_ characters: [Character]) { self.characters = characters }

  mutating func parseAll() throws(ExpressionError) -> Expression.Node {
    skipBlanks()
    guard position < characters.count else { throw ExpressionError("the expression is empty", column: 0) }
    let node = try parseExpression()
    skipBlanks()
    if position < characters.count {
      let character = characters[position]
      throw ExpressionError(
        character == ")"
          ? "unmatched ')'" : "unexpected '\(character)': expected an operator (+ - * / ^) or the end",
        column: position)
    }
    return node
  }

  mutating func skipBlanks() {
    while position < characters.count && characters[position].isWhitespace { position += 1 }
  }

  mutating func peek() -> Character? {
    skipBlanks()
    return position < characters.count ? characters[position] : nil
  }

  mutating func parseExpression() throws(ExpressionError) -> Expression.Node {
    var node = try parseTerm()
    while let character = peek(), character == "+" || character == "-" {
      position += 1
      node = .binary(character == "+" ? .add : .subtract, node, try parseTerm())
    }
    return node
  }

  mutating func parseTerm() throws(ExpressionError) -> Expression.Node {
    var node = try parseUnary()
    while let character = peek(), character == "*" || character == "/" {
      position += 1
      node = .binary(character == "*" ? .multiply : .divide, node, try parseUnary())
    }
    return node
  }

  mutating func parseUnary() throws(ExpressionError) -> Expression.Node {
    if peek() == "-" || peek() == "+" {
      let negative = peek() == "-"
      position += 1
      try nest()
      defer { nesting -= 1 }
      let operand = try parseUnary()
      return negative ? .negate(operand) : operand
    }
    return try parsePower()
  }

  mutating func parsePower() throws(ExpressionError) -> Expression.Node {
    let base = try parsePrimary()
    if peek() == "^" {
      position += 1
      return .binary(.power, base, try parseUnary())
    }
    return base
  }

  mutating func parsePrimary() throws(ExpressionError) -> Expression.Node {
    guard let character = peek() else {
      throw ExpressionError("the expression ends where a number, z, a name or '(' should follow", column: position)
    }
    let start = position
    if character == "(" {
      position += 1
      try nest()
      defer { nesting -= 1 }
      let inner = try parseExpression()
      guard peek() == ")" else {
        throw ExpressionError("expected ')' to close the '(' at column \(start + 1)", column: position)
      }
      position += 1
      return inner
    }
    if character.isNumber || character == "." { return .number(try parseNumber()) }
    if character.isLetter || character == "_" {
      var name = ""
      while position < characters.count
        && (characters[position].isLetter || characters[position].isNumber || characters[position] == "_")
      {
        name.append(characters[position])
        position += 1
      }
      if peek() == "(" {
        guard let function = Expression.Function(rawValue: name) else {
          throw ExpressionError(
            "unknown function '\(name)'; the functions are \(Expression.Function.allCases.map(\.rawValue).joined(separator: ", "))",
            column: start)
        }
        position += 1
        try nest()
        defer { nesting -= 1 }
        let argument = try parseExpression()
        guard peek() == ")" else { throw ExpressionError("expected ')' to close \(name)(", column: position) }
        position += 1
        return .call(function, argument)
      }
      if Expression.Function(rawValue: name) != nil {
        throw ExpressionError("\(name) is a function: write \(name)(...)", column: start)
      }
      return name == "z" ? .z : .parameter(name, column: start)
    }
    throw ExpressionError("unexpected '\(character)': expected a number, z, a name or '('", column: position)
  }

  /// Digits with an optional fraction and exponent: `3`, `0.5`, `.5`, `1e-3`.
  mutating func parseNumber() throws(ExpressionError) -> Double {
    let start = position
    func digits() {
      while position < characters.count && characters[position].isASCII && characters[position].isNumber {
        position += 1
      }
    }
    digits()
    if position < characters.count && characters[position] == "." {
      position += 1
      digits()
    }
    if position < characters.count && (characters[position] == "e" || characters[position] == "E") {
      let mark = position
      position += 1
      if position < characters.count && (characters[position] == "+" || characters[position] == "-") { position += 1 }
      let exponentStart = position
      digits()
      if position == exponentStart { position = mark }  // `2e` is 2 followed by a name: reported below
    }
    guard let value = Double(String(characters[start..<position])), value.isFinite else {
      throw ExpressionError("'\(String(characters[start..<position]))' is not a number", column: start)
    }
    if position < characters.count && (characters[position].isLetter || characters[position] == "(") {
      throw ExpressionError("write '*' for a product, as in 2 * z", column: position)
    }
    return value
  }
}
