/// A type an argument's text is read as (swift-argument-parser's
/// `ExpressibleByArgument`): the kind of value it parses to, given the
/// declaration's constraint, and how it is written back as a default.
public protocol ArgumentValue: Sendable {
  /// What a declaration states besides the type: a domain of reals, a range of
  /// integers, a kind of text; `Void` when the type says it all (choices).
  associatedtype Constraint: Sendable = Void
  static func kind(_ constraint: Constraint) -> ValueKind
  /// The value from its parsed form; nil when the form is of another kind.
  init?(parsed: ParsedValue)
  /// As a user would type it (help shows a default so); parsed back, it is this value.
  var argumentText: String? { get }
  /// The value of an argument that was neither given nor has a default:
  /// `nil` (it is required), except for optionals, which are `.none`.
  static var absent: Self? { get }
}

extension ArgumentValue {
  public static var absent: Self? { nil }
}

/// An enum whose cases are the choices (`order=qp|pq|both`).
public protocol ArgumentChoice: ArgumentValue, CaseIterable, RawRepresentable<String> where Constraint == Void {}

extension ArgumentChoice {
  public static func kind(_ constraint: Void) -> ValueKind { .choice(allCases.map(\.rawValue)) }
  public init?(parsed: ParsedValue) {
    guard case .text(let text) = parsed else { return nil }
    self.init(rawValue: text)
  }
  public var argumentText: String? { rawValue }
}

/// The kinds of text an argument may be, for `String` properties.
public enum TextKind: Sendable {
  case path
  /// One of these built-in names, or a file path (`vae new shapes`, `vae new digits.csv`).
  case nameOrPath([String])
  case commandName
  /// A cost function f(z), quoted when it has blanks: `f="(z - 3)^2"`.
  case expression
  /// A free word whose meaning the description states.
  case word(String)
}

extension String: ArgumentValue {
  public static func kind(_ constraint: TextKind) -> ValueKind {
    switch constraint {
    case .path: .path
    case .nameOrPath(let names): .nameOrPath(names)
    case .commandName: .commandName
    case .expression: .expression
    case .word(let description): .word(description)
    }
  }
  public init?(parsed: ParsedValue) {
    guard case .text(let text) = parsed else { return nil }
    self = text
  }
  public var argumentText: String? { self }
}

extension Double: ArgumentValue {
  public static func kind(_ domain: RealDomain) -> ValueKind { .real(domain) }
  public init?(parsed: ParsedValue) {
    guard case .real(let value) = parsed else { return nil }
    self = value
  }
  public var argumentText: String? { NumberFormat.shortest(self) }
}

extension Int: ArgumentValue {
  public static func kind(_ range: ClosedRange<Int>) -> ValueKind { .integer(range) }
  public init?(parsed: ParsedValue) {
    guard case .integer(let value) = parsed else { return nil }
    self = value
  }
  public var argumentText: String? { String(self) }
}

/// Whole numbers, one or a vector `[a, b, ...]` (`hidden=128`, `hidden=[256, 64]`).
extension Array: ArgumentValue where Element == Int {
  public static func kind(_ range: ClosedRange<Int>) -> ValueKind { .integers(range) }
  public init?(parsed: ParsedValue) {
    guard case .integers(let values, _) = parsed else { return nil }
    self = values
  }
  public var argumentText: String? {
    count == 1 ? String(self[0]) : "[" + map(String.init).joined(separator: ", ") + "]"
  }
}

/// `yes` or `no`.
extension Bool: ArgumentValue {
  public static func kind(_ constraint: Void) -> ValueKind { .choice(["no", "yes"]) }
  public init?(parsed: ParsedValue) {
    guard case .text(let text) = parsed, text == "yes" || text == "no" else { return nil }
    self = text == "yes"
  }
  public var argumentText: String? { self ? "yes" : "no" }
}

/// Reals typed as one number (standing for every dimension) or as a vector
/// `[a, b, ...]`; whether it was a vector decides if output is per dimension.
public struct ScalarOrVector: ArgumentValue, Equatable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
  public var values: [Double]
  public var isVector: Bool

  public init(values: [Double], isVector: Bool) {
    self.values = values
    self.isVector = isVector
  }
  public init(floatLiteral value: Double) { self.init(values: [value], isVector: false) }
  public init(integerLiteral value: Int) { self.init(values: [Double(value)], isVector: false) }

  public static func kind(_ domain: RealDomain) -> ValueKind { .reals(domain) }
  public init?(parsed: ParsedValue) {
    guard case .reals(let values, let isVector) = parsed else { return nil }
    self.init(values: values, isVector: isVector)
  }
  public var argumentText: String? {
    let texts = values.map(NumberFormat.shortest)
    return isVector ? "[" + texts.joined(separator: ", ") + "]" : texts.first
  }
}

extension Optional: ArgumentValue where Wrapped: ArgumentValue {
  public static func kind(_ constraint: Wrapped.Constraint) -> ValueKind { Wrapped.kind(constraint) }
  public init?(parsed: ParsedValue) {
    guard let value = Wrapped(parsed: parsed) else { return nil }
    self = .some(value)
  }
  public var argumentText: String? { self?.argumentText }
  public static var absent: Self? { .some(.none) }
}
