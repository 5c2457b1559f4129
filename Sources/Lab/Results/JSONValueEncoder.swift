/// Encodes an `Encodable` value as `JSON`, object keys in the order they are
/// written: for a struct with synthesized `Encodable`, the order its stored
/// properties are declared in. So a command's result type is its JSON schema:
/// each field one key (named by its `CodingKeys`), an optional left out when
/// nil (Swift's `encodeIfPresent`), a `@Nullable` one written as `null`.
///
/// A value is encoded for a presentation, which its `encode(to:)` reads as the
/// encoder's `presentation`: the precision its numbers are certified to (`grad`).
enum JSONValueEncoder {
  static func encode(_ value: some Encodable, for presentation: Presentation = .plain) throws -> JSON {
    let root = Node(presentation: presentation)
    try value.encode(to: NodeEncoder(node: root, codingPath: []))
    return root.json ?? .null
  }

  /// One value being built; containers fill it in as they are written to.
  final class Node {
    var scalar: JSON?
    var members: [(String, Node)]?
    var elements: [Node]?
    /// The presentation the value is encoded for, the same at every level.
    let presentation: Presentation

    init(presentation: Presentation) { self.presentation = presentation }

    /// Nil when nothing was written (a key whose value wrote nothing is left out).
    var json: JSON? {
      if let members { return .object(members.compactMap { key, node in node.json.map { (key, $0) } }) }
      if let elements { return .array(elements.map { $0.json ?? .null }) }
      return scalar
    }

    func appendMember(_ key: String) -> Node {
      let child = Node(presentation: presentation)
      if members == nil { members = [] }
      members?.append((key, child))
      return child
    }

    func appendElement() -> Node {
      let child = Node(presentation: presentation)
      if elements == nil { elements = [] }
      elements?.append(child)
      return child
    }
  }

  struct NodeEncoder: Encoder {
    let node: Node
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [.presentation: node.presentation] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
      if node.members == nil { node.members = [] }
      return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
      if node.elements == nil { node.elements = [] }
      return Unkeyed(node: node, codingPath: codingPath)
    }
    func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }
  }

  /// Writes scalars as JSON's own; anything else by its `encode(to:)`.
  static func write<T: Encodable>(_ value: T, into node: Node, codingPath: [any CodingKey]) throws {
    switch value {
    case let value as Double: node.scalar = .number(value)
    case let value as Float: node.scalar = .number(Double(value))
    case let value as Int: node.scalar = .integer(value)
    case let value as String: node.scalar = .string(value)
    case let value as Bool: node.scalar = .bool(value)
    case let value as any BinaryInteger:
      // Other integer types encode themselves through a single-value container, back here: stop that loop.
      guard let integer = Int(exactly: value) else {
        throw EncodingError.invalidValue(
          value,
          EncodingError.Context(codingPath: codingPath, debugDescription: "\(value) is beyond JSON's integers here"))
      }
      node.scalar = .integer(integer)
    default: try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
    }
  }

  struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    var codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.appendMember(key.stringValue).scalar = .null }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
      try JSONValueEncoder.write(value, into: node.appendMember(key.stringValue), codingPath: codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
      -> KeyedEncodingContainer<NestedKey>
    {
      NodeEncoder(node: node.appendMember(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
      NodeEncoder(node: node.appendMember(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
      NodeEncoder(node: node.appendMember("super"), codingPath: codingPath)
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
      NodeEncoder(node: node.appendMember(key.stringValue), codingPath: codingPath + [key])
    }
  }

  struct Unkeyed: UnkeyedEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey]
    var count: Int { node.elements?.count ?? 0 }

    mutating func encodeNil() throws { node.appendElement().scalar = .null }
    mutating func encode<T: Encodable>(_ value: T) throws {
      try JSONValueEncoder.write(value, into: node.appendElement(), codingPath: codingPath)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
      -> KeyedEncodingContainer<NestedKey>
    {
      NodeEncoder(node: node.appendElement(), codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
      NodeEncoder(node: node.appendElement(), codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.appendElement(), codingPath: codingPath) }
  }

  struct Single: SingleValueEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.scalar = .null }
    mutating func encode<T: Encodable>(_ value: T) throws {
      try JSONValueEncoder.write(value, into: node, codingPath: codingPath)
    }
  }
}

/// A field whose key is always written: its value, or `null` when there is
/// none (a standard error from one draw, a variance a Bernoulli model lacks).
@propertyWrapper
public struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
  public var wrappedValue: Value?

  public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
  }
}

/// Members whose keys are data (estimator names, parameters), in the order given.
public struct JSONMembers<Value: Encodable & Sendable>: Encodable, Sendable {
  public var members: [(key: String, value: Value)]

  public init(_ members: [(key: String, value: Value)]) { self.members = members }

  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Key.self)
    for (key, value) in members { try container.encode(value, forKey: Key(stringValue: key)) }
  }
}

extension CodingUserInfoKey {
  /// The `Presentation` a result is encoded for (see `JSONValueEncoder`).
  static let presentation = CodingUserInfoKey(rawValue: "presentation")!  // never nil: any string is a key
}

extension Encoder {
  /// The presentation this value is encoded for; plain outside `JSONValueEncoder`.
  var presentation: Presentation { userInfo[.presentation] as? Presentation ?? .plain }
}
