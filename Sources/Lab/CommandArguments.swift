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
public protocol CommandArguments: Decodable, Sendable {
  /// Every property at its declaration: the defaults, read for the spec.
  init()
}

/// A command that takes no arguments.
public struct NoArguments: CommandArguments {
  public init() {}
}

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

/// An argument taken in order when typed without a name, or as `name=value`
/// (swift-argument-parser's `@Argument`).
@propertyWrapper
public struct Positional<Value: ArgumentValue>: Decodable, Sendable, DeclaredProperty {
  var storage: DeclaredStorage<Value>
  var declaration: ArgumentDeclaration? { storage.declaration }

  public var wrappedValue: Value { storage.wrappedValue }
  /// The value with its name and whether the user typed it.
  public var projectedValue: BoundArgument<Value> { storage.bound }

  public init(wrappedValue: Value, name: String? = nil, _ constraint: Value.Constraint, help: String) {
    storage = DeclaredStorage(default: wrappedValue, positional: true, name: name, constraint: constraint, help: help)
  }
  /// Required, or left out when not given if `Value` is optional.
  public init(name: String? = nil, _ constraint: Value.Constraint, help: String) {
    storage = DeclaredStorage(default: nil, positional: true, name: name, constraint: constraint, help: help)
  }
  public init(from decoder: any Decoder) throws { storage = try DeclaredStorage(from: decoder) }
}

extension Positional where Value.Constraint == Void {
  public init(wrappedValue: Value, name: String? = nil, help: String) {
    self.init(wrappedValue: wrappedValue, name: name, (), help: help)
  }
  public init(name: String? = nil, help: String) { self.init(name: name, (), help: help) }
}

/// An argument typed as `name=value` (swift-argument-parser's `@Option`).
@propertyWrapper
public struct Named<Value: ArgumentValue>: Decodable, Sendable, DeclaredProperty {
  var storage: DeclaredStorage<Value>
  var declaration: ArgumentDeclaration? { storage.declaration }

  public var wrappedValue: Value { storage.wrappedValue }
  /// The value with its name and whether the user typed it.
  public var projectedValue: BoundArgument<Value> { storage.bound }

  public init(wrappedValue: Value, name: String? = nil, _ constraint: Value.Constraint, help: String) {
    storage = DeclaredStorage(default: wrappedValue, positional: false, name: name, constraint: constraint, help: help)
  }
  /// Required, or left out when not given if `Value` is optional.
  public init(name: String? = nil, _ constraint: Value.Constraint, help: String) {
    storage = DeclaredStorage(default: nil, positional: false, name: name, constraint: constraint, help: help)
  }
  public init(from decoder: any Decoder) throws { storage = try DeclaredStorage(from: decoder) }
}

extension Named where Value.Constraint == Void {
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

// MARK: Reading the declarations, decoding the bound values

/// The declarations of a `CommandArguments` type, read from its `init()` value.
struct ArgumentDeclarations: Sendable {
  var specs: [ArgumentSpec] = []
  /// Each declared property's name, to the name a user types.
  var argumentNames: [String: String] = [:]
  var takesExpressionParameters = false

  init<Arguments: CommandArguments>(of type: Arguments.Type) {
    collect(Arguments())
  }

  private mutating func collect(_ value: Any) {
    for child in Mirror(reflecting: value).children {
      // A wrapped property `mu` is stored as `_mu`.
      guard let label = child.label else { continue }
      let property = label.hasPrefix("_") ? String(label.dropFirst()) : label
      if let declared = child.value as? any DeclaredProperty, let declaration = declared.declaration {
        let spec = declaration.spec(propertyName: property)
        specs.append(spec)
        argumentNames[property] = spec.name
      } else if child.value is ExpressionParameters {
        takesExpressionParameters = true
      } else if let group = child.value as? any GroupProperty {
        collect(group.group)
      }
    }
  }
}

/// An `@ArgumentGroup`, whatever its group type.
protocol GroupProperty {
  var group: any CommandArguments { get }
}

extension ArgumentGroup: GroupProperty {
  var group: any CommandArguments { wrappedValue }
}

/// Decodes a `CommandArguments` value from validated arguments: each property
/// wrapper asks for the argument its property declares.
struct ArgumentDecoder: Decoder {
  let bound: BoundArguments
  let argumentNames: [String: String]
  var codingPath: [any CodingKey] = []
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  struct Failure: Error {
    var message: String
  }
  static let notArguments = Failure(message: "a declared argument was decoded from something other than arguments")
  static func failure(_ message: String) -> Failure { Failure(message: message) }

  /// The name a user types for the property being decoded.
  func argumentName() throws -> String {
    guard let property = codingPath.last?.stringValue, let name = argumentNames[property] else {
      throw Self.failure("no argument is declared for \(codingPath.map(\.stringValue))")
    }
    return name
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    KeyedDecodingContainer(Properties<Key>(decoder: self))
  }
  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    throw Self.failure("arguments are properties, not a list")
  }
  func singleValueContainer() throws -> any SingleValueDecodingContainer {
    throw Self.failure("arguments are properties, not one value")
  }

  /// The properties of an arguments type (or of a group, whose properties sit
  /// beside the command's): each is a declared wrapper, decoded by itself.
  struct Properties<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: ArgumentDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
      var inner = decoder
      inner.codingPath.append(key)
      return try T(from: inner)
    }
    func decodeNil(forKey key: Key) throws -> Bool { false }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
      -> KeyedDecodingContainer<NestedKey>
    {
      try decoder.container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
      try decoder.unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
  }
}

extension CommandArguments {
  /// The validated arguments as this type; a mismatch between a declaration and
  /// what the binder made is a bug in vaelab, reported as such.
  static func decode(_ bound: BoundArguments, argumentNames: [String: String]) throws(LabError) -> Self {
    do {
      return try Self(from: ArgumentDecoder(bound: bound, argumentNames: argumentNames))
    } catch let failure as ArgumentDecoder.Failure {
      throw LabError("internal error: \(failure.message)")
    } catch {
      throw LabError("internal error: \(error)")
    }
  }
}
