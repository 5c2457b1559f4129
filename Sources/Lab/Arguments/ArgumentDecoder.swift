// Reading a `CommandArguments` type's declarations (for its spec) and
// decoding validated arguments into a value of it.

/// The declarations of a `CommandArguments` type, read from its `init()` value.
struct ArgumentDeclarations: Sendable {
  var specs: [ArgumentSpec] = []
  /// Each declared property's name, to the name a user types.
  var argumentNames: [String: String] = [:]
  var takesExpressionParameters = false
  /// The rules between arguments, the groups' first.
  var rules: [String] = []

  init<Arguments: CommandArguments>(of type: Arguments.Type) {
    collect(Arguments())
    rules += Arguments.rules
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
        rules += type(of: group.group).rules
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
