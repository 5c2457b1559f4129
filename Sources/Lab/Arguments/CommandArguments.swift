/// A command's arguments as one typed value, in the shape of swift-argument-parser's
/// `ParsableArguments` (whose `@Argument`/`@Option` and `ExpressibleByArgument`
/// are the model; the library itself parses `--name value`, not the shell's
/// `name=value` and vectors, so its shape is mirrored here).
///
/// Each stored property is declared with `@Positional` (taken in order, or as
/// `name=value`) or `@Named` (`name=value` only). The property's Swift type says
/// how its text is read (`ArgumentValue`), the constraint beside it what is
/// allowed (a domain, a range, a kind of text), its initial value is the
/// default, and an optional type without one is left out when not given:
///
///     struct Arguments: CommandArguments {
///       @Positional(GaussianArguments.meanDomain, help: "mean of q") var mu: ScalarOrVector = 0
///       @Named(help: "KL(q || p), KL(p || q), or both") var order: Order = .qp
///       @Named(name: "mc", 2...100_000_000, help: "Monte Carlo draws") var draws: Int?
///     }
///
/// The declarations make the command's `ArgumentSpec`s, which drive parsing,
/// validation, `help` and completion; after validation the words are decoded
/// into this value once, so a command reads `arguments.draws`, a misspelt name
/// does not compile, and a choice arrives as its enum.
///
/// A rule between arguments, which no one declaration can state ("sigma or
/// logvar, not both"), is checked by `validate()` and stated in words by
/// `rules`, which `help` prints, as swift-argument-parser's `validate()` keeps
/// such rules out of `run`.
public protocol CommandArguments: Decodable, Sendable {
  /// Every property at its declaration: the defaults, read for the spec.
  init()

  /// Checks the rules between arguments, after decoding and before the command
  /// runs; a group's (`@ArgumentGroup`) are checked before those of the
  /// arguments it joins. The default checks nothing.
  func validate() throws(LabError)

  /// The rules `validate()` checks, one sentence each, for `help COMMAND`; a
  /// group's come first. The default states none.
  static var rules: [String] { get }
}

extension CommandArguments {
  public func validate() throws(LabError) {}
  public static var rules: [String] { [] }

  /// The arguments `bound` holds, decoded and validated: what a command runs on.
  static func validated(_ bound: BoundArguments, argumentNames: [String: String]) throws(LabError) -> Self {
    let arguments = try decode(bound, argumentNames: argumentNames)
    try arguments.validateWithGroups()
    return arguments
  }

  /// `validate()` of each group, in declaration order, then this value's own.
  func validateWithGroups() throws(LabError) {
    for child in Mirror(reflecting: self).children {
      if let group = child.value as? any GroupProperty { try group.group.validateWithGroups() }
    }
    try validate()
  }
}

/// A command that takes no arguments.
public struct NoArguments: CommandArguments {
  public init() {}
}

// MARK: Declarations

/// What a `@Positional` or `@Named` property declares, before decoding.
struct ArgumentDeclaration: Sendable {
  /// The name a user types; nil for the property's own name.
  var name: String?
  var kind: ValueKind
  var defaultText: String?
  var isPositional: Bool
  var isRequired: Bool
  var help: String

  func spec(propertyName: String) -> ArgumentSpec {
    ArgumentSpec(
      name ?? propertyName, kind, default: defaultText, positional: isPositional, required: isRequired, help: help)
  }
}

/// A property wrapper the spec is read from and the decoder fills in.
protocol DeclaredProperty {
  /// The declaration, on the value `init()` makes; nil once decoded.
  var declaration: ArgumentDeclaration? { get }
}

/// The value a declared property holds: the default (or nothing) before
/// decoding, the bound value after, and whether the user typed it.
struct DeclaredStorage<Value: ArgumentValue>: Sendable {
  var declaration: ArgumentDeclaration?
  var value: Value?
  var isGiven = false
  /// The name a user types, once decoded.
  var name = ""

  init(default value: Value?, positional: Bool, name: String?, constraint: Value.Constraint, help: String) {
    let value = value ?? Value.absent
    self.value = value
    declaration = ArgumentDeclaration(
      name: name, kind: Value.kind(constraint), defaultText: value?.argumentText, isPositional: positional,
      isRequired: value == nil, help: help)
  }

  /// The bound value of the argument the decoder is at.
  init(from decoder: any Decoder) throws {
    guard let decoder = decoder as? ArgumentDecoder else { throw ArgumentDecoder.notArguments }
    name = try decoder.argumentName()
    isGiven = decoder.bound.isGiven(name)
    guard let parsed = decoder.bound.values[name] else {
      guard let absent = Value.absent else { throw ArgumentDecoder.failure("\(name) has no value") }
      value = absent
      return
    }
    guard let typed = Value(parsed: parsed) else {
      throw ArgumentDecoder.failure("\(name)'s value \(parsed) is not a \(Value.self)")
    }
    value = typed
  }

  var wrappedValue: Value {
    guard let value else {
      // Only the declaring `init()` value lacks one, and commands never read it.
      preconditionFailure("a required argument was read before decoding")
    }
    return value
  }

  var bound: BoundArgument<Value> { BoundArgument(name: name, value: wrappedValue, isGiven: isGiven) }
}

/// A decoded argument with its name and whether the user typed it: the
/// projected value of `@Positional` and `@Named` (`arguments.$sigma.isGiven`),
/// for checks between arguments and messages that name them.
public struct BoundArgument<Value: ArgumentValue>: Sendable {
  public var name: String
  public var value: Value
  public var isGiven: Bool
}

/// Where an argument may be typed: `@Positional` in order (or as `name=value`),
/// `@Named` as `name=value` only.
public protocol ArgumentPlacement: Sendable {
  static var isPositional: Bool { get }
}

public enum InOrder: ArgumentPlacement {
  public static let isPositional = true
}

public enum ByName: ArgumentPlacement {
  public static let isPositional = false
}

/// An argument taken in order when typed without a name, or as `name=value`
/// (swift-argument-parser's `@Argument`).
public typealias Positional<Value: ArgumentValue> = DeclaredArgument<Value, InOrder>
/// An argument typed as `name=value` (swift-argument-parser's `@Option`).
public typealias Named<Value: ArgumentValue> = DeclaredArgument<Value, ByName>

/// The property wrapper behind `@Positional` and `@Named`.
@propertyWrapper
public struct DeclaredArgument<Value: ArgumentValue, Placement: ArgumentPlacement>: Decodable, Sendable,
  DeclaredProperty
{
  var storage: DeclaredStorage<Value>
  var declaration: ArgumentDeclaration? { storage.declaration }

  public var wrappedValue: Value { storage.wrappedValue }
  /// The value with its name and whether the user typed it.
  public var projectedValue: BoundArgument<Value> { storage.bound }

  public init(wrappedValue: Value, name: String? = nil, _ constraint: Value.Constraint, help: String) {
    storage = DeclaredStorage(
      default: wrappedValue, positional: Placement.isPositional, name: name, constraint: constraint, help: help)
  }
  /// Required, or left out when not given if `Value` is optional.
  public init(name: String? = nil, _ constraint: Value.Constraint, help: String) {
    storage = DeclaredStorage(
      default: nil, positional: Placement.isPositional, name: name, constraint: constraint, help: help)
  }
  public init(from decoder: any Decoder) throws { storage = try DeclaredStorage(from: decoder) }
}

extension DeclaredArgument where Value.Constraint == Void {
  public init(wrappedValue: Value, name: String? = nil, help: String) {
    self.init(wrappedValue: wrappedValue, name: name, (), help: help)
  }
  public init(name: String? = nil, help: String) { self.init(name: name, (), help: help) }
}

/// Arguments several commands share, declared once (swift-argument-parser's
/// `@OptionGroup`); its properties join the command's, in place.
@propertyWrapper
public struct ArgumentGroup<Group: CommandArguments>: Decodable, Sendable {
  public var wrappedValue: Group

  public init() { wrappedValue = Group() }
  public init(from decoder: any Decoder) throws { wrappedValue = try Group(from: decoder) }
}

/// The `name=number` words a command that takes an expression accepts beyond
/// its declared arguments: the expression's parameters (`grad f="(z-k)^2" k=3`).
@propertyWrapper
public struct ExpressionParameters: Decodable, Sendable {
  public var wrappedValue: [String: Double]

  public init() { wrappedValue = [:] }
  public init(from decoder: any Decoder) throws {
    guard let decoder = decoder as? ArgumentDecoder else { throw ArgumentDecoder.notArguments }
    wrappedValue = decoder.bound.expressionParameters
  }
}
